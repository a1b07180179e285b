/**
 * The executable definition of the `summary` event: the server feeds it every event it emits for a
 * stream and builds the summary when the stream ends; dashboards can run the same class over a
 * timeline to show live totals that match the final summary exactly.
 *
 * Attribution: each emotion window is credited with the stream time it adds beyond the previous
 * window, `endMs - max(startMs, previousEndMs)` (never negative). A window that does not overlap the
 * previous one is credited its own length; a hop window inside a long segment is credited the hop.
 * So the per-label times add up to the time covered by windows (`analysedMs`), with no time counted
 * twice. Early windows (`kind: "early"`) are provisional and not counted: the windows that follow
 * cover their audio. Stream times are multiples of 1/16 ms (samples at 16 kHz), exact in binary floating point, so
 * the sums are exact too.
 *
 * @example
 * ```ts
 * const totals = new SummaryBuilder(model.classes);
 * for (const e of timeline.events) totals.add(e);
 * const summary = totals.build({ streamId, durationMs, endReason: 'stop', emittedAt: Date.now() });
 * ```
 */
import type { EmotionTotal, EndReason, SummaryEvent, TimelineEntry } from './messages.ts';

/**
 * Below this estimated SNR (an emotion event's `snrDb`, dB) a window counts as heard on a noisy line:
 * pink noise 10 dB under the speech reads about 14, 20 dB under it about 23 (models/experiments/README.md,
 * session 16), and accuracy falls with it (the model card's noise rows).
 */
export const NOISY_SNR_DB = 20;

/** Everything a summary is built from; plain data, so a resumable stream can keep it between connections. */
export interface SummaryState {
  speechMs: number;
  segments: number;
  windows: number;
  analysedMs: number;
  uncertainWindows: number;
  /** Windows under `NOISY_SNR_DB`; absent in state saved before it existed. */
  noisyWindows?: number;
  emotions: Record<string, EmotionTotal>;
  /** Sum of each class's score over all windows. */
  scoreSums: Record<string, number>;
  /** End of the latest window, in stream ms; null before the first. */
  lastWindowEndMs: number | null;
  counts: SummaryEvent['counts'];
}

function emptyState(): SummaryState {
  return {
    speechMs: 0,
    segments: 0,
    windows: 0,
    analysedMs: 0,
    uncertainWindows: 0,
    noisyWindows: 0,
    emotions: {},
    scoreSums: {},
    lastWindowEndMs: null,
    counts: { messages: 0, bytes: 0, shed: 0, connections: 0 },
  };
}

/** Stream time credited to a window that follows one ending at `previousEndMs` (see the module doc). */
export function attributedMs(
  window: { startMs: number; endMs: number },
  previousEndMs: number | null,
): number {
  const from = previousEndMs === null ? window.startMs : Math.max(window.startMs, previousEndMs);
  return Math.max(0, window.endMs - from);
}

/** Accumulates the events of one stream into its summary. */
export class SummaryBuilder {
  private readonly s: SummaryState;

  /**
   * @param classes - The model's classes, in model order (orders `meanScores` and breaks ties).
   * @param state - State saved from an earlier connection of the same stream, to resume its totals.
   */
  constructor(
    readonly classes: readonly string[],
    state?: SummaryState,
  ) {
    this.s = state ? structuredClone(state) : emptyState();
  }

  /** A copy of the accumulated state, for resuming the stream later. */
  get state(): SummaryState {
    return structuredClone(this.s);
  }

  /** Counts a connection carrying the stream (call once per accepted start). */
  addConnection(): void {
    this.s.counts.connections++;
  }

  /** Counts one binary audio message of `bytes` bytes. */
  addMessage(bytes: number): void {
    this.s.counts.messages++;
    this.s.counts.bytes += bytes;
  }

  /**
   * Adds an emitted event. Speech ends add their segment, emotions their window (returns the time
   * credited to it), overloaded events their shed count.
   *
   * @returns The stream time, in ms, credited to the window (0 for other events).
   */
  add(event: TimelineEntry): number {
    switch (event.type) {
      case 'speech':
        if (event.event === 'end') {
          this.s.segments++;
          this.s.speechMs += event.endMs - event.startMs;
        }
        return 0;
      case 'overloaded':
        this.s.counts.shed += event.shed;
        return 0;
      case 'bandwidth':
        return 0;
      case 'emotion': {
        // An early window is provisional: the segment's later windows cover its audio and count.
        if (event.kind === 'early') return 0;
        const ms = attributedMs(event, this.s.lastWindowEndMs);
        this.s.lastWindowEndMs = Math.max(this.s.lastWindowEndMs ?? event.endMs, event.endMs);
        this.s.windows++;
        this.s.analysedMs += ms;
        if (event.uncertain) this.s.uncertainWindows++;
        if (event.snrDb !== undefined && event.snrDb < NOISY_SNR_DB)
          this.s.noisyWindows = (this.s.noisyWindows ?? 0) + 1;
        const total = (this.s.emotions[event.label] ??= { ms: 0, windows: 0 });
        total.ms += ms;
        total.windows++;
        for (const [label, p] of Object.entries(event.scores)) {
          this.s.scoreSums[label] = (this.s.scoreSums[label] ?? 0) + p;
        }
        return ms;
      }
    }
  }

  /** Rank of a label for tie-breaks: model class order, unknown labels last. */
  private rank(label: string): number {
    const i = this.classes.indexOf(label);
    return i === -1 ? this.classes.length : i;
  }

  /** The label with the most credited time; ties go to more windows, then model class order. */
  dominant(): string | null {
    let best: string | null = null;
    for (const [label, t] of Object.entries(this.s.emotions)) {
      if (best === null) {
        best = label;
        continue;
      }
      const b = this.s.emotions[best]!;
      if (
        t.ms > b.ms ||
        (t.ms === b.ms && t.windows > b.windows) ||
        (t.ms === b.ms && t.windows === b.windows && this.rank(label) < this.rank(best))
      ) {
        best = label;
      }
    }
    return best;
  }

  /** Mean score per class over all windows, keys in model class order then any others. */
  meanScores(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.s.windows === 0) return out;
    const labels = [
      ...this.classes,
      ...Object.keys(this.s.scoreSums).filter((k) => !this.classes.includes(k)),
    ];
    for (const label of labels) out[label] = (this.s.scoreSums[label] ?? 0) / this.s.windows;
    return out;
  }

  /** Builds the summary event. */
  build(fields: {
    streamId: string;
    durationMs: number;
    endReason: EndReason;
    emittedAt: number;
  }): SummaryEvent {
    const s = this.s;
    return {
      type: 'summary',
      streamId: fields.streamId,
      endReason: fields.endReason,
      durationMs: fields.durationMs,
      speechMs: s.speechMs,
      segments: s.segments,
      windows: s.windows,
      analysedMs: s.analysedMs,
      emotions: structuredClone(s.emotions),
      dominant: this.dominant(),
      meanScores: this.meanScores(),
      uncertainWindows: s.uncertainWindows,
      noisyWindows: s.noisyWindows ?? 0,
      counts: { ...s.counts },
      emittedAt: fields.emittedAt,
    };
  }
}
