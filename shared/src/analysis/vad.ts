/**
 * Voice-activity state machine over per-frame speech probabilities (from Silero or any model,
 * injected by the caller). It follows `@ricky0123/vad`'s frame processor — thresholds with
 * hysteresis, redemption, pre-speech pad, minimum speech — with two differences that a streaming
 * service needs: options are in milliseconds and converted to frames in one place, and events carry
 * exact stream positions (samples) instead of wall-clock times.
 *
 * `speechStart` is emitted once a segment has `minSpeechMs` of frames above the positive threshold
 * (shorter bursts are misfires and produce no events), with `startSample` at the first speech frame.
 * `speechEnd` is emitted after `redemptionMs` of frames below the negative threshold, or at `flush()`,
 * with `endSample` just after the last frame above the positive threshold and `detectedSample` where
 * the end became known.
 *
 * @example
 * const vad = new VadStateMachine({ sampleRate: 16000 });
 * for (const p of probabilities) for (const ev of vad.push(p)) handle(ev);
 * for (const ev of vad.flush()) handle(ev);
 */

export interface VadOptions {
  /** Sample rate of the audio the frames were cut from. */
  sampleRate: number;
  /** Samples per VAD frame (Silero v4 accepts 512, 1024 or 1536 at 16 kHz). */
  frameSamples: number;
  /** A frame at or above this probability is speech. */
  positiveThreshold: number;
  /** Frames below this probability count towards ending a segment; in between is neutral. */
  negativeThreshold: number;
  /** Non-speech time that ends a segment. */
  redemptionMs: number;
  /** Audio kept before the first speech frame (reported as `padStartSample`). */
  preSpeechPadMs: number;
  /** Minimum speech (frames above the positive threshold) for a segment to count. */
  minSpeechMs: number;
}

export const defaultVadOptions: VadOptions = Object.freeze({
  sampleRate: 16000,
  frameSamples: 1536,
  positiveThreshold: 0.5,
  negativeThreshold: 0.35,
  redemptionMs: 768,
  preSpeechPadMs: 96,
  minSpeechMs: 288,
});

/**
 * What band the audio carries: `narrowband` is telephone audio (up to 4 kHz, whatever rate it arrives
 * at), `wideband` anything fuller.
 */
export type Bandwidth = 'narrowband' | 'wideband';

/** The band audio arriving at `inputRate` Hz can carry: narrowband at 8 kHz and below. */
export function bandwidthOfRate(inputRate: number): Bandwidth {
  return inputRate > 8000 ? 'wideband' : 'narrowband';
}

/** The band asked for (`start.options.bandwidth`, `--bandwidth`), with `auto` or none read from the rate. */
export function resolveBandwidth(asked: Bandwidth | 'auto' | undefined, inputRate: number): Bandwidth {
  return asked === undefined || asked === 'auto' ? bandwidthOfRate(inputRate) : asked;
}

/**
 * Whether the band is still to be found from the audio: `auto` (or nothing) at a rate that can carry
 * wideband audio, where a bridged telephone call would otherwise run the 16 kHz VAD mode
 * (`BandDetector`). At 8 kHz and below the rate settles it; an explicit band is taken as said.
 */
export function detectsBandwidth(asked: Bandwidth | 'auto' | undefined, inputRate: number): boolean {
  return (asked === undefined || asked === 'auto') && bandwidthOfRate(inputRate) === 'wideband';
}

/**
 * Which of Silero's modes a stream's VAD runs, and the options that go with it. Silero's 16 kHz mode
 * loses much telephone speech once a line has filtered and companded it; its 8 kHz mode finds it
 * (`models/experiments/vad-narrowband.ts`). The 8 kHz mode fires more readily on loud noise, so it
 * runs with a stricter positive threshold (`models/experiments/vad-false-alarms.ts`, rule S14-1 in
 * `models/experiments/README.md`).
 */
export interface VadMode {
  /** Silero's mode: 16000, or 8000 for narrowband audio (each 16 kHz frame low-passed and decimated 2:1). */
  rate: 16000 | 8000;
  /** The model's VAD options as this mode runs them. */
  options: Partial<VadOptions>;
}

/** The lowest positive threshold Silero's 8 kHz mode runs with (the 16 kHz mode's default is 0.5). */
export const NARROWBAND_POSITIVE_THRESHOLD = 0.6;

/**
 * The VAD mode for audio of the given band, from the model's VAD options: for narrowband audio the
 * 8 kHz mode, with the positive threshold raised to at least {@link NARROWBAND_POSITIVE_THRESHOLD};
 * for wideband audio the 16 kHz mode with the model's options.
 */
export function vadModeFor(band: Bandwidth, base: Partial<VadOptions> = {}): VadMode {
  if (band === 'narrowband') {
    const positive = base.positiveThreshold ?? defaultVadOptions.positiveThreshold;
    return {
      rate: 8000,
      options: { ...base, positiveThreshold: Math.max(positive, NARROWBAND_POSITIVE_THRESHOLD) },
    };
  }
  return { rate: 16000, options: base };
}

export type VadEvent =
  | {
      type: 'speechStart';
      /** First sample of the first speech frame. */
      startSample: number;
      /** `startSample` minus the pre-speech pad (never before the stream start). */
      padStartSample: number;
      /** Where the start became known (end of the frame that confirmed it). */
      detectedSample: number;
    }
  | {
      type: 'speechEnd';
      startSample: number;
      padStartSample: number;
      /** Just after the last frame above the positive threshold. */
      endSample: number;
      /** Where the end became known (after the redemption time, or the stream end). */
      detectedSample: number;
      /** Speech frames in the segment. */
      speechFrames: number;
    };

/** Validates and completes VAD options; contradictory values throw a `TypeError`. */
export function resolveVadOptions(partial: Partial<VadOptions> = {}): VadOptions {
  const o = { ...defaultVadOptions, ...partial };
  const bad = (m: string): never => {
    throw new TypeError(`Invalid VAD options: ${m}`);
  };
  if (!Number.isInteger(o.frameSamples) || o.frameSamples <= 0)
    bad('frameSamples must be a positive integer');
  if (!(o.positiveThreshold > 0 && o.positiveThreshold <= 1)) bad('positiveThreshold must be in (0, 1]');
  if (!(o.negativeThreshold >= 0 && o.negativeThreshold <= o.positiveThreshold)) {
    bad('negativeThreshold must be in [0, positiveThreshold]');
  }
  for (const k of ['redemptionMs', 'preSpeechPadMs', 'minSpeechMs'] as const)
    if (!(o[k] >= 0)) bad(`${k} must be >= 0`);
  return o;
}

export class VadStateMachine {
  private opts: VadOptions;
  private readonly redemptionFrames: number;
  private readonly padFrames: number;
  private readonly minSpeechFrames: number;
  private frame = 0;
  private inSegment = false;
  private confirmed = false;
  private startFrame = 0;
  private lastSpeechFrame = 0;
  private speechFrames = 0;
  private redemption = 0;

  constructor(options: Partial<VadOptions> = {}) {
    this.opts = resolveVadOptions(options);
    const frameMs = (this.options.frameSamples * 1000) / this.options.sampleRate;
    this.redemptionFrames = Math.max(1, Math.round(this.options.redemptionMs / frameMs));
    this.padFrames = Math.round(this.options.preSpeechPadMs / frameMs);
    this.minSpeechFrames = Math.max(1, Math.round(this.options.minSpeechMs / frameMs));
  }

  /** The options in effect. */
  get options(): VadOptions {
    return this.opts;
  }

  /**
   * Changes the speech thresholds from the next frame on (a stream switched to another VAD mode,
   * `vadModeFor`); a segment in progress goes on under the new ones. Frame size, timing and padding
   * stay. Invalid thresholds throw a `TypeError` and change nothing.
   */
  setThresholds(t: Pick<VadOptions, 'positiveThreshold' | 'negativeThreshold'>): void {
    this.opts = resolveVadOptions({ ...this.opts, ...t });
  }

  /** Frames pushed so far. */
  get framesSeen(): number {
    return this.frame;
  }

  /** True while inside a confirmed speech segment. */
  get speaking(): boolean {
    return this.inSegment && this.confirmed;
  }

  /** First sample of the current confirmed segment, or -1. */
  get segmentStartSample(): number {
    return this.speaking ? this.startFrame * this.options.frameSamples : -1;
  }

  /** Feeds the speech probability of the next frame; returns the events it causes. */
  push(probability: number): VadEvent[] {
    const o = this.options;
    const i = this.frame++;
    const events: VadEvent[] = [];
    const isSpeech = probability >= o.positiveThreshold;
    if (!this.inSegment) {
      if (isSpeech) {
        this.inSegment = true;
        this.confirmed = false;
        this.startFrame = i;
        this.lastSpeechFrame = i;
        this.speechFrames = 1;
        this.redemption = 0;
        this.maybeConfirm(events);
      }
      return events;
    }
    if (isSpeech) {
      this.speechFrames++;
      this.lastSpeechFrame = i;
      this.redemption = 0;
      this.maybeConfirm(events);
    } else if (probability < o.negativeThreshold && ++this.redemption >= this.redemptionFrames) {
      this.endSegment(events, (i + 1) * o.frameSamples);
    }
    return events;
  }

  /** Ends the stream: a confirmed open segment ends here. */
  flush(): VadEvent[] {
    const events: VadEvent[] = [];
    if (this.inSegment) this.endSegment(events, this.frame * this.options.frameSamples);
    return events;
  }

  /** Forgets everything; the next frame is frame 0 of a new stream. */
  reset(): void {
    this.frame = 0;
    this.inSegment = false;
    this.confirmed = false;
    this.redemption = 0;
  }

  private maybeConfirm(events: VadEvent[]): void {
    if (this.confirmed || this.speechFrames < this.minSpeechFrames) return;
    this.confirmed = true;
    const fs = this.options.frameSamples;
    events.push({
      type: 'speechStart',
      startSample: this.startFrame * fs,
      padStartSample: this.padStart(),
      detectedSample: this.frame * fs,
    });
  }

  private padStart(): number {
    return Math.max(0, this.startFrame - this.padFrames) * this.options.frameSamples;
  }

  private endSegment(events: VadEvent[], detectedSample: number): void {
    if (this.confirmed) {
      const fs = this.options.frameSamples;
      events.push({
        type: 'speechEnd',
        startSample: this.startFrame * fs,
        padStartSample: this.padStart(),
        endSample: (this.lastSpeechFrame + 1) * fs,
        detectedSample,
        speechFrames: this.speechFrames,
      });
    }
    this.inSegment = false;
    this.confirmed = false;
    this.redemption = 0;
  }
}
