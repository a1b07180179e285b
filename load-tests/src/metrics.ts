/**
 * What a load run measures, with the same definitions as the k6 script:
 *
 * - `latencyMs` (k6 `event_latency`): from the moment the frame holding an emotion window's last
 *   sample was sent to the moment the event arrived, on the client's monotonic clock. It includes
 *   the network both ways and, for `utterance` and `tail` windows, the VAD's wait for the end of
 *   speech (those windows exist only once a segment has ended), so it is also reported by kind.
 * - `serverLatencyMs` (k6 `server_latency`): the server's own `emittedAt - receivedAt`.
 * - events and events/s, error events and client-side failures by code, windows shed (`overloaded`).
 *
 * Everything is bounded: histograms have fixed buckets and the timeline has at most
 * `MAX_TIMELINE_BUCKETS + 1` entries however long a soak runs.
 *
 * @example
 * const m = new LoadMetrics(plan, performance.now());
 * m.emotion(now, 'hop', now - sentAt, e.emittedAt - e.receivedAt);
 * console.log(formatMarkdown(m.report({ url })));
 */
import { LatencyHistogram, type LatencySummary } from './histogram.ts';
import { atPeak, type ScenarioPlan } from './scenarios.ts';

const MAX_TIMELINE_BUCKETS = 120;

/** One slice of the run's timeline. */
export interface TimelineEntry {
  /** Start of the slice, seconds from the start of the run. */
  tS: number;
  /** Most streams open during the slice. */
  streams: number;
  events: number;
  p50Ms: number | null;
  p95Ms: number | null;
  serverP95Ms: number | null;
  shed: number;
  errors: number;
  /** The slice lies entirely in a stage that holds the peak stream count. */
  atPeak: boolean;
}

/** Whether latency kept rising while the load was steady: the sign of a backlog that grows. */
export interface BacklogVerdict {
  /** Median latency of the first and last third of the steady-peak slices, in ms. */
  firstP50Ms: number | null;
  lastP50Ms: number | null;
  /** True when the last third's median exceeds the first's by more than 50 ms and by more than half. */
  growing: boolean;
}

export interface LoadReport {
  scenario: string;
  url: string;
  /** What the streams sent: `wideband` (16 kHz pcm_s16le) or `telephone` (8 kHz mu-law). */
  audioFormat: 'wideband' | 'telephone';
  /** Wall-clock seconds from the first stream to the end of measurement. */
  durationS: number;
  streams: { target: number; peak: number; sessions: number; completed: number; failed: number };
  events: number;
  eventsPerSecond: number;
  /** Client-measured latency from the window's last frame sent (k6 `event_latency`). */
  latencyMs: LatencySummary;
  /** Server `emittedAt - receivedAt`. */
  serverLatencyMs: LatencySummary;
  /** Client latency by window kind (`hop`, `tail`, `utterance`). */
  latencyByKindMs: Record<string, LatencySummary>;
  /**
   * Client latency of the events that arrived while the scenario held its peak (whole timeline
   * slices), i.e. without ramps and without the final flush after every stream's `stop`: the
   * sustained figure a capacity verdict reads.
   */
  steadyLatencyMs: LatencySummary;
  /** Emotion events whose window ended in a frame the send log no longer (or never) held. */
  unmatchedEvents: number;
  /** Error events by code (fatal or not), plus client-side failures (`CONNECT_FAILED`, `UNEXPECTED_CLOSE`, ...). */
  errors: Record<string, number>;
  /** Sessions that ended on a fatal error, a failed connect or an unexpected close, over sessions started. */
  errorRate: number;
  shedWindows: number;
  shedByReason: Record<string, number>;
  audioSecondsSent: number;
  backlog: BacklogVerdict;
  /** The load generator's own health: when ticks run late, latency figures include its delay. */
  generator: {
    tickLateP99Ms: number | null;
    tickLateMaxMs: number | null;
    skippedTicks: number;
    cpuPercent: number;
  };
  thresholds: { p95LatencyMs: number; maxErrorRate: number; passed: boolean; failures: string[] };
  timeline: TimelineEntry[];
}

interface Slice {
  streams: number;
  events: number;
  latency: LatencyHistogram;
  server: LatencyHistogram;
  shed: number;
  errors: number;
}

/** Pass/fail limits of a run (the k6 script's thresholds). */
export interface Thresholds {
  /** Largest acceptable p95 of the client-measured event latency, ms. */
  p95LatencyMs: number;
  /** Largest acceptable share of sessions that failed. */
  maxErrorRate: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  p95LatencyMs: 250,
  maxErrorRate: 0.01,
});

export class LoadMetrics {
  readonly latency = new LatencyHistogram();
  readonly server = new LatencyHistogram();
  readonly byKind = new Map<string, LatencyHistogram>();
  readonly errors: Record<string, number> = {};
  readonly shedByReason: Record<string, number> = {};
  events = 0;
  unmatched = 0;
  shed = 0;
  framesSent = 0;
  sessions = 0;
  completed = 0;
  failed = 0;
  peakStreams = 0;
  /** Set by the runner when measurement ends. */
  endedAt: number | null = null;
  readonly sliceS: number;
  private readonly slices: Slice[] = [];

  constructor(
    readonly plan: ScenarioPlan,
    readonly startedAt: number,
    readonly frameMs = 20,
  ) {
    this.sliceS = Math.max(1, Math.ceil(plan.durationS / MAX_TIMELINE_BUCKETS));
  }

  private slice(now: number): Slice {
    // One slice past the scenario's end collects what arrives after it (the final flush).
    const last = Math.ceil(this.plan.durationS / this.sliceS);
    const i = Math.min(last, Math.max(0, Math.floor((now - this.startedAt) / 1000 / this.sliceS)));
    while (this.slices.length <= i)
      this.slices.push({
        streams: 0,
        events: 0,
        latency: new LatencyHistogram(),
        server: new LatencyHistogram(),
        shed: 0,
        errors: 0,
      });
    return this.slices[i]!;
  }

  /** An emotion event arrived; `clientMs` is undefined when its frame was not in the send log. */
  emotion(now: number, kind: string, clientMs: number | undefined, serverMs: number): void {
    this.events++;
    const s = this.slice(now);
    s.events++;
    this.server.add(serverMs);
    s.server.add(serverMs);
    if (clientMs === undefined) {
      this.unmatched++;
      return;
    }
    this.latency.add(clientMs);
    s.latency.add(clientMs);
    let h = this.byKind.get(kind);
    if (!h) {
      h = new LatencyHistogram();
      this.byKind.set(kind, h);
    }
    h.add(clientMs);
  }

  error(now: number, code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    this.slice(now).errors++;
  }

  overloaded(now: number, shed: number, reason: string): void {
    this.shed += shed;
    this.shedByReason[reason] = (this.shedByReason[reason] ?? 0) + shed;
    this.slice(now).shed += shed;
  }

  /** Open streams right now (called by the runner as they change). */
  streams(now: number, open: number): void {
    if (open > this.peakStreams) this.peakStreams = open;
    const s = this.slice(now);
    if (open > s.streams) s.streams = open;
  }

  /** A session ended: cleanly (`ok`) or not. */
  sessionEnded(ok: boolean): void {
    if (ok) this.completed++;
    else this.failed++;
  }

  /** The report; `cpuPercent` is the generator's CPU use over the run (100 = one core). */
  report(o: {
    url: string;
    audioFormat?: 'wideband' | 'telephone';
    ticker?: { lateness: LatencyHistogram; skipped: number };
    cpuPercent?: number;
    thresholds?: Partial<Thresholds>;
  }): LoadReport {
    const end = this.endedAt ?? performance.now();
    const durationS = (end - this.startedAt) / 1000;
    const timeline: TimelineEntry[] = this.slices.map((s, i) => {
      const tS = i * this.sliceS;
      const l = s.latency.summary();
      return {
        tS,
        streams: s.streams,
        events: s.events,
        p50Ms: l.p50Ms,
        p95Ms: l.p95Ms,
        serverP95Ms: s.server.summary().p95Ms,
        shed: s.shed,
        errors: s.errors,
        atPeak:
          atPeak(this.plan, tS) && atPeak(this.plan, Math.min(this.plan.durationS, tS + this.sliceS) - 1e-6),
      };
    });
    const steady = new LatencyHistogram();
    this.slices.forEach((s, i) => {
      if (timeline[i]?.atPeak) steady.merge(s.latency);
    });
    const latencyByKindMs: Record<string, LatencySummary> = {};
    for (const [k, h] of [...this.byKind].sort(([a], [b]) => a.localeCompare(b)))
      latencyByKindMs[k] = h.summary();
    const latencyMs = this.latency.summary();
    const errorRate = this.sessions === 0 ? 0 : this.failed / this.sessions;
    const limits = { ...DEFAULT_THRESHOLDS, ...o.thresholds };
    const failures: string[] = [];
    if (latencyMs.p95Ms === null) failures.push('no emotion event was measured');
    else if (latencyMs.p95Ms > limits.p95LatencyMs)
      failures.push(`p95 latency ${latencyMs.p95Ms} ms > ${limits.p95LatencyMs} ms`);
    if (errorRate > limits.maxErrorRate)
      failures.push(`error rate ${round(errorRate, 4)} > ${limits.maxErrorRate}`);
    const t = o.ticker?.lateness.summary();
    return {
      scenario: this.plan.name,
      audioFormat: o.audioFormat ?? 'wideband',
      url: o.url,
      durationS: round(durationS, 1),
      streams: {
        target: this.plan.streams,
        peak: this.peakStreams,
        sessions: this.sessions,
        completed: this.completed,
        failed: this.failed,
      },
      events: this.events,
      eventsPerSecond: round(durationS > 0 ? this.events / durationS : 0, 2),
      latencyMs,
      serverLatencyMs: this.server.summary(),
      latencyByKindMs,
      steadyLatencyMs: steady.summary(),
      unmatchedEvents: this.unmatched,
      errors: { ...this.errors },
      errorRate: round(errorRate, 4),
      shedWindows: this.shed,
      shedByReason: { ...this.shedByReason },
      audioSecondsSent: round((this.framesSent * this.frameMs) / 1000, 1),
      backlog: backlogVerdict(this.slices, timeline),
      generator: {
        tickLateP99Ms: t?.p99Ms ?? null,
        tickLateMaxMs: t?.maxMs ?? null,
        skippedTicks: o.ticker?.skipped ?? 0,
        cpuPercent: round(o.cpuPercent ?? 0, 1),
      },
      thresholds: { ...limits, passed: failures.length === 0, failures },
      timeline,
    };
  }
}

function backlogVerdict(slices: Slice[], timeline: TimelineEntry[]): BacklogVerdict {
  const steady = slices.filter((s, i) => timeline[i]?.atPeak && s.latency.count > 0);
  if (steady.length < 3) return { firstP50Ms: null, lastP50Ms: null, growing: false };
  const third = Math.max(1, Math.floor(steady.length / 3));
  const merged = (part: Slice[]) => {
    const h = new LatencyHistogram();
    for (const s of part) h.merge(s.latency);
    return h.quantile(0.5);
  };
  const first = merged(steady.slice(0, third));
  const last = merged(steady.slice(-third));
  return {
    firstP50Ms: round(first, 1),
    lastP50Ms: round(last, 1),
    growing: last - first > 50 && last > 1.5 * first,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const ms = (x: number | null) => (x === null ? '–' : `${x}`);

/** The report as Markdown: a summary table, a latency table and the errors by code. */
export function formatMarkdown(r: LoadReport): string {
  const lines = [
    `### Load run: ${r.scenario} against ${r.url}${r.audioFormat === 'telephone' ? ', telephone audio (8 kHz mu-law)' : ''}`,
    '',
    '| streams (peak / target) | sessions (failed) | events | events/s | p50 ms | p95 ms | p99 ms | server p50 / p95 / p99 ms | errors | shed windows |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${r.streams.peak} / ${r.streams.target} | ${r.streams.sessions} (${r.streams.failed}) | ${r.events} | ${r.eventsPerSecond} | ${ms(r.latencyMs.p50Ms)} | ${ms(r.latencyMs.p95Ms)} | ${ms(r.latencyMs.p99Ms)} | ${ms(r.serverLatencyMs.p50Ms)} / ${ms(r.serverLatencyMs.p95Ms)} / ${ms(r.serverLatencyMs.p99Ms)} | ${Object.values(r.errors).reduce((a, b) => a + b, 0)} | ${r.shedWindows} |`,
    '',
    '| latency | count | p50 ms | p95 ms | p99 ms | max ms |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const row = (name: string, s: LatencySummary) =>
    `| ${name} | ${s.count} | ${ms(s.p50Ms)} | ${ms(s.p95Ms)} | ${ms(s.p99Ms)} | ${ms(s.maxMs)} |`;
  lines.push(row('client, from last frame sent', r.latencyMs));
  for (const [k, s] of Object.entries(r.latencyByKindMs)) lines.push(row(`client, ${k} windows`, s));
  lines.push(row('client, while at peak load', r.steadyLatencyMs));
  lines.push(row('server, emittedAt - receivedAt', r.serverLatencyMs));
  lines.push('');
  const errors = Object.entries(r.errors);
  lines.push(
    errors.length === 0
      ? 'Errors: none.'
      : `Errors by code: ${errors.map(([c, n]) => `${c} ${n}`).join(', ')} (session error rate ${r.errorRate}).`,
  );
  if (r.shedWindows > 0)
    lines.push(
      `Shed windows by reason: ${Object.entries(r.shedByReason)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}.`,
    );
  lines.push(
    `Backlog: ${r.backlog.growing ? 'GROWING' : 'steady'} (median latency ${ms(r.backlog.firstP50Ms)} -> ${ms(r.backlog.lastP50Ms)} ms over the steady part). ` +
      `Generator: tick lateness p99 ${ms(r.generator.tickLateP99Ms)} ms, CPU ${r.generator.cpuPercent}%.`,
  );
  lines.push(
    `Thresholds (p95 <= ${r.thresholds.p95LatencyMs} ms, error rate <= ${r.thresholds.maxErrorRate}): ${
      r.thresholds.passed ? 'passed' : `FAILED: ${r.thresholds.failures.join('; ')}`
    }.`,
  );
  return lines.join('\n');
}
