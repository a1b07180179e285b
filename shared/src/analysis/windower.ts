/**
 * Cuts the model's fixed-length input windows out of a stream of feature frames, over speech only,
 * and normalises them with the stream's running statistics. Training, evaluation, offline analysis
 * and the live server all use this class, so a model sees exactly the windows it was trained on.
 *
 * Policy (frames are 10 ms feature frames; a segment is a confirmed VAD speech segment):
 * - While a segment lasts, a window of `windowFrames` ending `windowFrames + k * hopFrames` frames
 *   after the segment's padded start is emitted as soon as its frames are available (k = 0, 1, ...).
 * - When a segment ends without any window (most acted clips: utterances shorter than a window), one
 *   window centred on the speech is emitted, shifted to stay inside the audio heard so far; a stream
 *   shorter than a window is centred and padded with `padValue` (in normalised units) on both sides.
 * - When a segment that had windows ends with at least `hopFrames / 2` of speech after its last
 *   window, one more window ending shortly after the speech covers the tail.
 * - Early window (off unless `earlyFrames` > 0): when a segment is still open `earlyFrames` frames
 *   after its padded start, one provisional window is cut there, exactly as the utterance window
 *   would be if the segment ended at that frame (its speech rows are the segment's frames so far).
 *   It answers sooner than the first hop window, from less speech; it does not count as one of the
 *   segment's windows, so every other window is the same with or without it.
 * - Statistics: every frame of a confirmed segment is added to the normaliser once, up to the end of
 *   the window being emitted, so a window is normalised with what the stream has said so far.
 *
 * @example
 * const w = new Windower({ dim: 64, windowFrames: 300, hopFrames: 100 }, normalizer);
 * w.pushFrames(block.data, block.frames); for (const win of w.onVad(events, vadHorizon)) infer(win);
 * for (const win of w.flush(totalSamples)) infer(win);
 */

import type { StreamNormalizer } from './normalizer.ts';
import type { VadEvent } from './vad.ts';

export interface WindowerOptions {
  /** Feature dimension of the frames pushed. */
  dim: number;
  /** Frames per model window (300 = 3 s at a 10 ms hop). */
  windowFrames: number;
  /** Frames between consecutive windows of a long segment (100 = 1 s). */
  hopFrames: number;
  /** Feature hop and window in samples: frame t covers samples [t * hop, t * hop + win). */
  frameHopSamples: number;
  frameWinSamples: number;
  /** Value written into padded frames, in normalised units. */
  padValue: number;
  /** Frames kept after the end of speech in a tail window. */
  tailPadFrames: number;
  /**
   * Frames of a segment after which an early, provisional window is cut (see the policy above);
   * 0 (the default) cuts none. Less than `windowFrames`.
   */
  earlyFrames: number;
  /**
   * Emit raw (unnormalised) features with zeros in padded rows; statistics still accumulate. Training
   * uses this to normalise the same windows with different session statistics.
   */
  raw: boolean;
}

export const defaultWindowerOptions: Omit<WindowerOptions, 'dim'> = Object.freeze({
  windowFrames: 300,
  hopFrames: 100,
  frameHopSamples: 160,
  frameWinSamples: 400,
  padValue: -3,
  tailPadFrames: 25,
  earlyFrames: 0,
  raw: false,
});

/** One model input window. */
export interface FeatureWindow {
  /** Sequence number within the stream. */
  index: number;
  /** Stream frame index of the window's first row (may be negative when padded on the left). */
  startFrame: number;
  /** Frames in the window, padded rows included (= windowFrames). */
  frames: number;
  /** Stream time covered by the real (unpadded) frames, in samples. */
  startSample: number;
  endSample: number;
  /** Padded rows at the start and at the end. */
  padStart: number;
  padEnd: number;
  /**
   * Rows `[speechStart, speechEnd)` are the segment's speech (the frames the normaliser learns
   * from); the real rows outside it are context, e.g. the pause around a short utterance, whose
   * level depends on the room and the line rather than on the speaker.
   */
  speechStart: number;
  speechEnd: number;
  /**
   * Why it was cut: a hop inside a long segment, the tail of one, a whole short utterance, or the
   * provisional early window of a segment (superseded by the segment's later windows).
   */
  kind: 'hop' | 'tail' | 'utterance' | 'early';
  /** Index of the speech segment it belongs to (0-based, per stream). */
  segment: number;
  /** Normalised features, row-major `frames x dim`. */
  data: Float32Array;
  /**
   * Estimated signal-to-noise ratio of the window's audio, dB (`SnrEstimator`); set by the
   * `StreamAnalyzer`, which sees the samples, undefined when it could not be estimated.
   */
  snrDb?: number;
}

interface Segment {
  id: number;
  startFrame: number;
  windows: number;
  lastWindowEnd: number;
  /** The early window was cut, or is no longer due. */
  earlyDone: boolean;
}

export class Windower {
  readonly options: WindowerOptions;
  private readonly ringCap: number;
  private readonly ring: Float32Array;
  private frames = 0;
  private segment: Segment | null = null;
  private segmentCount = 0;
  private windowCount = 0;
  /** Frames [0, statsUpTo) of confirmed segments are already in the normaliser. */
  private statsFrom = 0;
  private statsUpTo = 0;
  /** Frames the VAD has classified. */
  private vadFrames = 0;
  /**
   * VAD input held back until the feature frames it refers to arrive: features with look-ahead
   * (deltas, pitch) complete a frame some samples after the VAD has heard them.
   */
  private pending: Array<{ events: readonly VadEvent[]; next: number; horizonSample: number }> = [];

  constructor(
    options: Partial<WindowerOptions> & Pick<WindowerOptions, 'dim'>,
    private readonly normalizer: StreamNormalizer | null = null,
  ) {
    const o: WindowerOptions = { ...defaultWindowerOptions, ...options };
    if (
      !(
        o.windowFrames > 0 &&
        o.hopFrames > 0 &&
        Number.isInteger(o.windowFrames) &&
        Number.isInteger(o.hopFrames)
      )
    ) {
      throw new TypeError('windower: windowFrames and hopFrames must be positive integers');
    }
    if (!(Number.isInteger(o.earlyFrames) && o.earlyFrames >= 0 && o.earlyFrames < o.windowFrames)) {
      throw new TypeError(
        `windower: earlyFrames must be an integer from 0 (off) to ${o.windowFrames - 1}, got ${o.earlyFrames}`,
      );
    }
    if (normalizer && normalizer.options.dim !== o.dim) {
      throw new TypeError(`windower: normaliser dimension ${normalizer.options.dim} differs from ${o.dim}`);
    }
    this.options = o;
    // Frames older than one window plus the VAD's redemption lag are never read again.
    this.ringCap = o.windowFrames + 1024;
    this.ring = new Float32Array(this.ringCap * o.dim);
  }

  /** Frames received so far. */
  get framesSeen(): number {
    return this.frames;
  }

  /** Frames whose samples lie entirely before `sample`. */
  framesBefore(sample: number): number {
    const { frameHopSamples: h, frameWinSamples: w } = this.options;
    return sample >= w ? Math.floor((sample - w) / h) + 1 : 0;
  }

  /** First frame starting at or after `sample`. */
  private frameAtOrAfter(sample: number): number {
    return Math.ceil(sample / this.options.frameHopSamples);
  }

  /**
   * Stores feature frames (row-major, `dim` wide) and returns the hop windows they complete, with
   * those of any VAD input that was waiting for these frames (see {@link Windower.onVad}).
   */
  pushFrames(data: Float32Array, count: number): FeatureWindow[] {
    const d = this.options.dim;
    for (let t = 0; t < count; t++) {
      const slot = ((this.frames + t) % this.ringCap) * d;
      this.ring.set(data.subarray(t * d, (t + 1) * d), slot);
    }
    this.frames += count;
    return [...this.hopWindows(this.vadFrames), ...this.drain(false)];
  }

  /**
   * Applies VAD events (in stream order) and the VAD's progress: it has classified the audio before
   * `horizonSample`. A hop window belongs to a segment when the segment was still open at the
   * window's end, so the windows depend only on the stream, never on how it was chunked. The caller
   * pushes the feature frames of the audio before `horizonSample` first; an event whose frames are
   * not all there yet (features with look-ahead) waits, with everything after it, for
   * {@link Windower.pushFrames} to bring them, or for {@link Windower.flush}.
   */
  onVad(events: readonly VadEvent[], horizonSample: number): FeatureWindow[] {
    this.pending.push({ events: [...events], next: 0, horizonSample });
    return this.drain(false);
  }

  /** Applies the held VAD input in order while its frames are there (all of it when `force`). */
  private drain(force: boolean): FeatureWindow[] {
    const out: FeatureWindow[] = [];
    while (this.pending.length > 0) {
      const batch = this.pending[0]!;
      while (batch.next < batch.events.length) {
        const ev = batch.events[batch.next]!;
        if (!force && this.framesBefore(ev.detectedSample) > this.frames) return out;
        out.push(...this.applyEvent(ev, force));
        batch.next++;
      }
      this.pending.shift();
      // Unclamped: hop windows then follow as soon as look-ahead features bring their frames.
      this.vadFrames = Math.max(this.vadFrames, this.framesBefore(batch.horizonSample));
      out.push(...this.hopWindows(this.vadFrames));
    }
    return out;
  }

  private applyEvent(ev: VadEvent, force: boolean): FeatureWindow[] {
    const out: FeatureWindow[] = [];
    if (ev.type === 'speechStart') {
      const startFrame = this.frameAtOrAfter(ev.padStartSample);
      this.segment = {
        id: this.segmentCount++,
        startFrame,
        windows: 0,
        lastWindowEnd: startFrame,
        earlyDone: this.options.earlyFrames === 0,
      };
      this.statsFrom = Math.max(this.statsUpTo, startFrame);
      this.vadFrames = this.requireFrames(ev.detectedSample, force);
      out.push(...this.hopWindows(this.vadFrames));
    } else {
      const seg = this.segment ?? {
        id: this.segmentCount++,
        startFrame: this.frameAtOrAfter(ev.padStartSample),
        windows: 0,
        lastWindowEnd: 0,
        earlyDone: true,
      };
      this.segment = seg;
      this.vadFrames = this.requireFrames(ev.detectedSample, force);
      out.push(...this.hopWindows(this.vadFrames));
      this.segment = null;
      out.push(...this.endSegment(seg, ev.endSample, ev.detectedSample));
    }
    return out;
  }

  /** Frames before `sample`, which must have arrived (at the end of a stream, as many as there are). */
  private requireFrames(sample: number, atEnd = false): number {
    const need = this.framesBefore(sample);
    if (atEnd) return Math.min(need, this.frames);
    if (need > this.frames) {
      throw new Error(
        `windower: VAD reached frame ${need} but only ${this.frames} feature frames were pushed`,
      );
    }
    return need;
  }

  private hopWindows(limit: number): FeatureWindow[] {
    const seg = this.segment;
    if (!seg) return [];
    const { windowFrames: W, hopFrames: H } = this.options;
    const out: FeatureWindow[] = [];
    const upTo = Math.min(limit, this.frames);
    // Like a hop window, the early window belongs to the segment if it was still open at its end.
    const early = seg.startFrame + this.options.earlyFrames;
    if (!seg.earlyDone && early <= upTo) {
      seg.earlyDone = true;
      out.push(this.cutUtterance(seg, early, early, early, 'early'));
    }
    for (;;) {
      const end = seg.startFrame + W + seg.windows * H;
      if (end > upTo) break;
      out.push(this.cut(seg, end - W, end, 'hop', end));
    }
    return out;
  }

  private endSegment(seg: Segment, endSample: number, detectedSample: number): FeatureWindow[] {
    const { windowFrames: W, hopFrames: H, tailPadFrames } = this.options;
    const heard = Math.min(this.frames, this.framesBefore(detectedSample));
    const speechEnd = Math.min(heard, this.framesBefore(endSample) + tailPadFrames);
    let win: FeatureWindow | null = null;
    if (seg.windows === 0) {
      win = this.cutUtterance(
        seg,
        Math.min(heard, this.framesBefore(endSample)),
        heard,
        speechEnd,
        'utterance',
      );
    } else if (speechEnd - seg.lastWindowEnd >= Math.ceil(H / 2)) {
      win = this.cut(seg, speechEnd - W, speechEnd, 'tail', speechEnd);
    }
    this.accumulate(speechEnd);
    this.statsFrom = this.statsUpTo;
    return win ? [win] : [];
  }

  /**
   * The window of a segment whose speech ends at frame `end`, with `heard` frames of audio: centred
   * on the speech, then kept inside the audio heard so far (a stream shorter than a window is
   * centred and padded).
   */
  private cutUtterance(
    seg: Segment,
    end: number,
    heard: number,
    statsEnd: number,
    kind: 'utterance' | 'early',
  ): FeatureWindow {
    const W = this.options.windowFrames;
    const centre = Math.floor((seg.startFrame + end) / 2);
    let start = centre - Math.floor(W / 2);
    start = Math.min(start, heard - W);
    start = Math.max(start, 0);
    if (heard < W) start = -Math.floor((W - heard) / 2);
    return this.cut(seg, start, start + W, kind, statsEnd, heard, kind !== 'early');
  }

  /** Ends the stream: an open segment ends at the last sample. */
  flush(totalSamples: number): FeatureWindow[] {
    const held = this.drain(true);
    const seg = this.segment;
    if (!seg) return held;
    const out = this.hopWindows(this.frames);
    this.segment = null;
    return [...held, ...out, ...this.endSegment(seg, totalSamples, totalSamples)];
  }

  /** Adds speech frames [statsFrom, end) of the current segment to the normaliser. */
  private accumulate(end: number): void {
    if (!this.normalizer) {
      this.statsUpTo = Math.max(this.statsUpTo, end);
      return;
    }
    const d = this.options.dim;
    for (let t = Math.max(this.statsFrom, this.statsUpTo); t < end; t++) {
      this.assertInRing(t);
      this.normalizer.accumulate(this.ring, 1, (t % this.ringCap) * d);
    }
    this.statsUpTo = Math.max(this.statsUpTo, end);
  }

  private assertInRing(t: number): void {
    if (t < this.frames - this.ringCap || t >= this.frames) {
      throw new Error(
        `windower: frame ${t} is not buffered (have ${this.frames - this.ringCap}..${this.frames - 1})`,
      );
    }
  }

  /**
   * Cuts [start, end) (frames beyond `limit` padded); the normaliser first learns speech up to
   * `statsEnd`. `counts`: the window is one of the segment's own (not the early one).
   */
  private cut(
    seg: Segment,
    start: number,
    end: number,
    kind: FeatureWindow['kind'],
    statsEnd: number,
    limit = this.frames,
    counts = true,
  ): FeatureWindow {
    const { dim: d, windowFrames: W, frameHopSamples: h, frameWinSamples: w, raw } = this.options;
    const padValue = raw ? 0 : this.options.padValue;
    const realStart = Math.max(start, 0);
    const realEnd = Math.min(end, limit);
    this.accumulate(statsEnd);
    const data = new Float32Array(W * d);
    const padStart = realStart - start;
    const padEnd = end - realEnd;
    if (padStart > 0) data.fill(padValue, 0, padStart * d);
    if (padEnd > 0) data.fill(padValue, (W - padEnd) * d);
    for (let t = realStart; t < realEnd; t++) {
      this.assertInRing(t);
      const src = (t % this.ringCap) * d;
      const dst = (t - start) * d;
      if (this.normalizer && !raw) this.normalizer.apply(this.ring, 1, data, src, d, dst);
      else data.set(this.ring.subarray(src, src + d), dst);
    }
    if (counts) {
      seg.windows++;
      seg.lastWindowEnd = end;
    }
    const speechStart = Math.max(realStart, seg.startFrame) - start;
    const speechEnd = Math.max(speechStart, Math.min(realEnd, statsEnd) - start);
    return {
      index: this.windowCount++,
      startFrame: start,
      frames: W,
      startSample: realStart * h,
      endSample: realEnd > realStart ? (realEnd - 1) * h + w : realStart * h,
      padStart,
      padEnd,
      speechStart,
      speechEnd,
      kind,
      segment: seg.id,
      data,
    };
  }

  /** Forgets the stream (the normaliser is left alone: reset it separately if needed). */
  reset(): void {
    this.frames = 0;
    this.segment = null;
    this.segmentCount = 0;
    this.windowCount = 0;
    this.statsFrom = 0;
    this.statsUpTo = 0;
    this.vadFrames = 0;
    this.pending = [];
  }
}
