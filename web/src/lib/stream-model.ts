/**
 * The state of one stream as the dashboard draws it, built from protocol events: the analysed windows
 * (with the stream time each one is credited, exactly as the summary counts it), the speech segments,
 * shed ranges, running totals (`SummaryBuilder`, the summary's executable definition) and the final
 * summary. Mutable and bounded; {@link StreamModel.view} freezes what React renders.
 */
import type {
  EmotionEvent,
  ModelInfo,
  StreamInfo,
  SummaryEvent,
  TimelineEntry,
} from '@emostream/shared/protocol/messages';
import { attributedMs, NOISY_SNR_DB, SummaryBuilder } from '@emostream/shared/protocol/summary';

export { NOISY_SNR_DB };

import { NEGATIVE_EMOTIONS } from './emotions.ts';

/** Windows kept per stream (an hour at the default 1 s hop); older ones leave the timeline, not the totals. */
export const MAX_WINDOWS = 3600;
/** Speech segments and shed ranges kept per stream. */
export const MAX_RANGES = 2000;

/** One analysed window. */
export interface WindowPoint {
  seq: number;
  segment: number;
  kind: EmotionEvent['kind'];
  startMs: number;
  endMs: number;
  /** Start of the stream time credited to this window (`endMs - attributed`); windows tile without overlap. */
  fromMs: number;
  label: string;
  confidence: number;
  uncertain: boolean;
  /** Scores in model class order. */
  scores: number[];
  /** Server wall clock when the window's last audio arrived and when its event left (latency = difference). */
  receivedAt: number;
  emittedAt: number;
  /** The window's estimated signal-to-noise ratio (dB), when the server sent one. */
  snrDb?: number;
}

/** How a window's SNR estimate shows: '' without one, else "SNR 14 dB", noting a noisy line. */
export function snrText(snrDb: number | undefined): string {
  if (snrDb === undefined || !Number.isFinite(snrDb)) return '';
  const text = `SNR ${Math.round(snrDb)} dB`;
  return snrDb < NOISY_SNR_DB ? `${text}, noisy line: less accurate` : text;
}

/** A speech segment; `endMs` is null while it is open. */
export interface SpeechRange {
  segment: number;
  startMs: number;
  endMs: number | null;
}

/** Windows the server shed instead of analysing. */
export interface ShedRange {
  startMs: number;
  endMs: number;
  shed: number;
  reason: string;
}

/** What raises a negative-emotion alert. */
export interface AlertSettings {
  /** Minimum confidence of a negative window to count, in [0, 1]. */
  threshold: number;
  /** Seconds of consecutive negative speech (stream time credited to the windows) that raise the alert. */
  seconds: number;
}

export const defaultAlertSettings: Readonly<AlertSettings> = Object.freeze({ threshold: 0.5, seconds: 6 });

/** The current run of confident negative windows at the end of a stream. */
export interface NegativeRun {
  /** Stream time credited to the run's windows, in ms. */
  ms: number;
  /** Windows in the run. */
  windows: number;
  /** The run's most frequent label. */
  label: string;
  /** Highest confidence in the run. */
  peak: number;
  /** True when the run is long enough to alert. */
  alerting: boolean;
}

/** An immutable snapshot of a stream for rendering; `rev` changes whenever anything in it does. */
export interface StreamView {
  id: string;
  rev: number;
  info: StreamInfo | null;
  classes: readonly string[];
  active: boolean;
  /** Latest window, or null before the first. */
  current: WindowPoint | null;
  /** True while a speech segment is open on a live stream. */
  speaking: boolean;
  /** Shared, append-only (bounded) arrays: redraw when `rev` changes. */
  windows: readonly WindowPoint[];
  speech: readonly SpeechRange[];
  shed: readonly ShedRange[];
  /** Totals so far (a summary built from the events seen), or the final summary once the stream ended. */
  totals: SummaryEvent;
  final: SummaryEvent | null;
  /** Furthest stream time any event reported, in ms. */
  latestMs: number;
  /** Server wall clock when the stream ended, or null. */
  endedAt: number | null;
  /** Older events were missing from the timeline the server sent, so running totals are partial. */
  truncated: boolean;
  /** Stream time (ms) at which the server found the audio to be telephone audio, or null. */
  narrowbandDetectedMs: number | null;
  negative: NegativeRun | null;
  /** Local wall clock (ms) when the alert of the current run was raised, or null. */
  alertSince: number | null;
}

function modelClasses(model: ModelInfo | undefined): string[] {
  return model ? [...model.classes] : [];
}

/** Mutable per-stream state. */
export class StreamModel {
  info: StreamInfo | null = null;
  classes: string[] = [];
  active = true;
  windows: WindowPoint[] = [];
  speech: SpeechRange[] = [];
  shed: ShedRange[] = [];
  totals: SummaryBuilder = new SummaryBuilder([]);
  final: SummaryEvent | null = null;
  endedAt: number | null = null;
  truncated = false;
  latestMs = 0;
  alertSince: number | null = null;
  narrowbandDetectedMs: number | null = null;
  rev = 0;
  private lastWindowEndMs: number | null = null;
  private lastSeq = -1;
  private cached: StreamView | null = null;

  constructor(readonly id: string) {}

  /** Starts (or resumes) the stream with its info. */
  start(info: StreamInfo): void {
    const resumed = info.resumed && this.info !== null;
    this.info = info;
    if (!resumed || this.classes.length === 0) {
      this.classes = modelClasses(info.model);
      if (!resumed) this.reset();
    }
    this.active = true;
    this.final = null;
    this.endedAt = null;
    this.latestMs = Math.max(this.latestMs, info.startMs);
    this.touch();
  }

  private reset(): void {
    this.windows = [];
    this.speech = [];
    this.shed = [];
    this.totals = new SummaryBuilder(this.classes);
    this.lastWindowEndMs = null;
    this.lastSeq = -1;
    this.truncated = false;
    this.latestMs = 0;
    this.alertSince = null;
    this.narrowbandDetectedMs = null;
  }

  /** Replaces everything with a server timeline (after subscribing or reconnecting). */
  replace(info: StreamInfo, active: boolean, events: readonly TimelineEntry[], truncated: boolean): void {
    this.info = info;
    this.classes = modelClasses(info.model);
    this.reset();
    this.truncated = truncated;
    for (const e of events) this.add(e);
    this.active = active;
    this.touch();
  }

  /** Adds a live event. Emotions already seen (same or lower `seq`) are ignored. */
  add(event: TimelineEntry): void {
    switch (event.type) {
      case 'speech': {
        if (event.event === 'start') {
          this.speech.push({ segment: event.segment, startMs: event.startMs, endMs: null });
        } else {
          const open = this.findSegment(event.segment);
          if (open) open.endMs = event.endMs;
          else this.speech.push({ segment: event.segment, startMs: event.startMs, endMs: event.endMs });
        }
        if (this.speech.length > MAX_RANGES) this.speech.splice(0, this.speech.length - MAX_RANGES);
        this.latestMs = Math.max(this.latestMs, event.detectedMs);
        this.totals.add(event);
        break;
      }
      case 'overloaded':
        this.shed.push({
          startMs: event.startMs,
          endMs: event.endMs,
          shed: event.shed,
          reason: event.reason,
        });
        if (this.shed.length > MAX_RANGES) this.shed.splice(0, this.shed.length - MAX_RANGES);
        this.latestMs = Math.max(this.latestMs, event.endMs);
        this.totals.add(event);
        break;
      case 'bandwidth':
        // The stream is analysed as the detected band from here on.
        if (this.info) this.info = { ...this.info, bandwidth: event.bandwidth };
        this.narrowbandDetectedMs = event.bandwidth === 'narrowband' ? event.detectedMs : null;
        break;
      case 'emotion': {
        if (event.seq <= this.lastSeq) return;
        this.lastSeq = event.seq;
        const credited = attributedMs(event, this.lastWindowEndMs);
        // An early window is provisional: shown (and current) until the segment's full windows,
        // which cover its audio again, so it credits no time to the next one (as in the summary).
        if (event.kind !== 'early')
          this.lastWindowEndMs = Math.max(this.lastWindowEndMs ?? event.endMs, event.endMs);
        if (this.classes.length === 0) this.classes = Object.keys(event.scores);
        this.windows.push({
          seq: event.seq,
          segment: event.segment,
          kind: event.kind,
          startMs: event.startMs,
          endMs: event.endMs,
          fromMs: event.endMs - credited,
          label: event.label,
          confidence: event.confidence,
          uncertain: event.uncertain,
          scores: this.classes.map((c) => event.scores[c] ?? 0),
          receivedAt: event.receivedAt,
          emittedAt: event.emittedAt,
          ...(event.snrDb !== undefined ? { snrDb: event.snrDb } : {}),
        });
        if (this.windows.length > MAX_WINDOWS + 100)
          this.windows.splice(0, this.windows.length - MAX_WINDOWS);
        this.latestMs = Math.max(this.latestMs, event.endMs);
        this.totals.add(event);
        break;
      }
    }
    this.touch();
  }

  private findSegment(segment: number): SpeechRange | undefined {
    for (let i = this.speech.length - 1; i >= 0; i--) {
      const s = this.speech[i]!;
      if (s.segment === segment) return s;
    }
    return undefined;
  }

  /** Marks the stream ended with its final summary. */
  end(summary: SummaryEvent | null, endedAt: number): void {
    this.active = false;
    this.final = summary;
    this.endedAt = endedAt;
    if (summary) this.latestMs = Math.max(this.latestMs, summary.durationMs);
    const open = this.speech[this.speech.length - 1];
    if (open && open.endMs === null) open.endMs = this.latestMs;
    this.touch();
  }

  /** Marks a change (the next {@link view} is a new object). */
  touch(): void {
    this.rev++;
    this.cached = null;
  }

  /** The current run of negative windows with confidence >= `settings.threshold`, newest first. */
  negativeRun(settings: AlertSettings): NegativeRun | null {
    let ms = 0;
    let windows = 0;
    let peak = 0;
    const counts = new Map<string, number>();
    for (let i = this.windows.length - 1; i >= 0; i--) {
      const w = this.windows[i]!;
      if (w.kind === 'early') continue; // its audio is counted by the windows after it
      if (!NEGATIVE_EMOTIONS.has(w.label) || w.confidence < settings.threshold) break;
      ms += w.endMs - w.fromMs;
      windows++;
      peak = Math.max(peak, w.confidence);
      counts.set(w.label, (counts.get(w.label) ?? 0) + 1);
    }
    if (windows === 0) return null;
    let label = '';
    let best = 0;
    for (const [l, n] of counts) if (n > best) [label, best] = [l, n];
    return { ms, windows, label, peak, alerting: ms >= settings.seconds * 1000 };
  }

  /** A frozen snapshot for React (the same object until the next change). */
  view(settings: AlertSettings, now: number): StreamView {
    if (this.cached) return this.cached;
    const negative = this.negativeRun(settings);
    const alerting = this.active && negative?.alerting === true;
    if (alerting && this.alertSince === null) this.alertSince = now;
    if (!alerting) this.alertSince = null;
    const last = this.speech[this.speech.length - 1];
    const totals =
      this.final ??
      this.totals.build({
        streamId: this.id,
        durationMs: this.latestMs,
        endReason: 'live',
        emittedAt: now,
      });
    this.cached = Object.freeze({
      id: this.id,
      rev: this.rev,
      info: this.info,
      classes: this.classes,
      active: this.active,
      current: this.windows[this.windows.length - 1] ?? null,
      speaking: this.active && last !== undefined && last.endMs === null,
      windows: this.windows,
      speech: this.speech,
      shed: this.shed,
      totals,
      final: this.final,
      latestMs: this.latestMs,
      endedAt: this.endedAt,
      truncated: this.truncated,
      narrowbandDetectedMs: this.narrowbandDetectedMs,
      negative,
      alertSince: this.alertSince,
    });
    return this.cached;
  }
}
