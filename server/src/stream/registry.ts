/**
 * Every stream the server knows: active ones, and ended ones for `resumeWindowSeconds` (so that a
 * reconnecting client can resume the timeline and late subscribers can read what happened). Each
 * keeps a bounded timeline of its recent events. Also holds per-session normalisation statistics,
 * shared by the streams of one speaker (`start.sessionId`).
 */
import type { NormalizerState } from '@emostream/shared/analysis/normalizer';
import type {
  StreamInfo,
  SummaryEvent,
  TimelineEntry,
  TimelineEvent,
} from '@emostream/shared/protocol/messages';
import type { SummaryState } from '@emostream/shared/protocol/summary';

/** What a resumed connection continues from. */
export interface ResumeState {
  summary: SummaryState;
  /** Next emotion `seq`. */
  seq: number;
  /** Next speech segment index. */
  segment: number;
  /** Stream time at the end of the previous connection, in 16 kHz samples. */
  positionSamples: number;
}

export interface StreamRecord {
  info: StreamInfo;
  tenant: string;
  active: boolean;
  /** 16 kHz samples received so far (stream time). */
  receivedSamples: number;
  events: TimelineEntry[];
  truncated: boolean;
  summary: SummaryEvent | null;
  resume: ResumeState | null;
  endedAtMono: number;
}

export class StreamRegistry {
  private readonly streams = new Map<string, StreamRecord>();
  private readonly sessions = new Map<string, { state: NormalizerState; at: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly timelineEvents: number,
    private readonly resumeWindowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.timer = setInterval(() => this.expire(), Math.min(10_000, Math.max(1000, resumeWindowMs / 4)));
    this.timer.unref();
  }

  get(streamId: string): StreamRecord | undefined {
    const r = this.streams.get(streamId);
    if (r && !r.active && this.now() - r.endedAtMono > this.resumeWindowMs) {
      this.streams.delete(streamId);
      return undefined;
    }
    return r;
  }

  /** Active streams, optionally of one tenant. */
  active(tenant?: string): StreamRecord[] {
    const out: StreamRecord[] = [];
    for (const r of this.streams.values())
      if (r.active && (tenant === undefined || r.tenant === tenant)) out.push(r);
    return out;
  }

  /** Active streams and those ended within the resume window. */
  known(): StreamRecord[] {
    return [...this.streams.keys()].map((id) => this.get(id)).filter((r): r is StreamRecord => !!r);
  }

  get activeCount(): number {
    let n = 0;
    for (const r of this.streams.values()) if (r.active) n++;
    return n;
  }

  /** Registers a started stream (a resumed one keeps its timeline). */
  open(info: StreamInfo, tenant: string): StreamRecord {
    const prev = this.get(info.streamId);
    const r: StreamRecord = {
      info,
      tenant,
      active: true,
      receivedSamples: prev?.receivedSamples ?? 0,
      events: prev?.events ?? [],
      truncated: prev?.truncated ?? false,
      summary: null,
      resume: null,
      endedAtMono: 0,
    };
    this.streams.set(info.streamId, r);
    return r;
  }

  append(r: StreamRecord, event: TimelineEntry): void {
    r.events.push(event);
    if (r.events.length > this.timelineEvents * 2) {
      r.events = r.events.slice(-this.timelineEvents);
      r.truncated = true;
    }
  }

  end(r: StreamRecord, summary: SummaryEvent, resume: ResumeState): void {
    r.active = false;
    r.summary = summary;
    r.resume = resume;
    r.endedAtMono = this.now();
  }

  timeline(r: StreamRecord): TimelineEvent {
    const n = this.timelineEvents;
    const events = r.events.length > n ? r.events.slice(-n) : r.events.slice();
    return {
      type: 'timeline',
      streamId: r.info.streamId,
      stream: r.info,
      active: r.active,
      events,
      truncated: r.truncated || r.events.length > n,
      summary: r.summary,
    };
  }

  sessionState(sessionId: string): NormalizerState | undefined {
    return this.sessions.get(sessionId)?.state;
  }

  saveSession(sessionId: string, state: NormalizerState): void {
    this.sessions.set(sessionId, { state, at: this.now() });
  }

  private expire(): void {
    const t = this.now();
    for (const [id, r] of this.streams)
      if (!r.active && t - r.endedAtMono > this.resumeWindowMs) this.streams.delete(id);
    // Speaker statistics outlive a stream by the resume window too (a caller ringing back).
    for (const [id, s] of this.sessions)
      if (t - s.at > Math.max(this.resumeWindowMs, 60_000)) this.sessions.delete(id);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
