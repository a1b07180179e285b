/**
 * The per-stream analysis core: 16 kHz mono samples in; VAD events and model input windows out.
 * Features are computed once per sample as audio arrives; VAD runs on fixed frames; the windower
 * cuts normalised windows over speech. The live server wraps it in RxJS stages, and `analyze`,
 * `evaluate` and training call it directly, so they all see identical windows.
 *
 * The VAD model is injected as a function so that the server can batch it across streams and tests
 * can script it.
 *
 * @example
 * const a = new StreamAnalyzer(config, (frame) => silero.run([frame], [state]).then((p) => p[0]!));
 * const { windows, vad } = await a.push(samples16k);
 * const rest = await a.end();
 */

import { BandDetector, watchBandDetectorOptions } from '@emostream/shared/analysis/band';
import {
  type NormalizerOptions,
  type NormalizerState,
  StreamNormalizer,
} from '@emostream/shared/analysis/normalizer';
import { SnrEstimator } from '@emostream/shared/analysis/snr';
import {
  type Bandwidth,
  resolveVadOptions,
  type VadEvent,
  type VadMode,
  type VadOptions,
  VadStateMachine,
  vadModeFor,
} from '@emostream/shared/analysis/vad';
import { type FeatureWindow, Windower, type WindowerOptions } from '@emostream/shared/analysis/windower';
import { FeatureExtractor } from '@emostream/shared/features/extractor';
import type { FeatureOptions } from '@emostream/shared/features/options';

/** What a model package says about how its inputs are made. */
export interface AnalyzerConfig {
  features: Partial<FeatureOptions>;
  vad: Partial<VadOptions>;
  window: Partial<Omit<WindowerOptions, 'dim'>>;
  /** Prior statistics for the session normaliser; omitted = raw features. */
  normalizer?: Pick<NormalizerOptions, 'priorMean' | 'priorStd'> & Partial<NormalizerOptions>;
}

/** A speech probability for one VAD frame of this stream (the function keeps the stream's state). */
export type VadFunction = (frame: Float32Array) => Promise<number>;

/**
 * Band detection for a stream that arrives wideband but may carry telephone audio (`bandwidth: "auto"`
 * above 8 kHz): the detector reads each VAD frame until it decides, and a `narrowband` decision
 * switches the VAD to `narrowband()`'s from that frame on (Silero's 8 kHz mode, a fresh state, its
 * thresholds). A segment in progress goes on; only the frame probabilities change source. After a
 * `wideband` decision, `watch` detectors keep listening, a fresh one at each VAD segment boundary.
 */
export interface BandSwitch {
  detector: BandDetector;
  /**
   * After a wideband decision, the next detector to keep listening with (`watchBandDetectorOptions`),
   * so that telephone audio that starts later still switches the stream; absent: the first decision
   * is final.
   */
  watch?: () => BandDetector;
  narrowband: () => {
    vad: VadFunction;
    thresholds: Pick<VadOptions, 'positiveThreshold' | 'negativeThreshold'>;
  };
}

/**
 * The band switch of a stream whose band is detected: the narrowband VAD is `vadFor(8000)` with
 * `vadModeFor`'s thresholds on the model's VAD options.
 */
export function bandSwitch(
  base: Partial<VadOptions>,
  vadFor: (rate: VadMode['rate']) => VadFunction,
  detector: BandDetector = new BandDetector(),
  /** `null`: the first decision is final. */
  watch: (() => BandDetector) | null = () => new BandDetector(watchBandDetectorOptions),
): BandSwitch {
  const mode = vadModeFor('narrowband', base);
  const { positiveThreshold, negativeThreshold } = resolveVadOptions(mode.options);
  return {
    detector,
    ...(watch ? { watch } : {}),
    narrowband: () => ({ vad: vadFor(mode.rate), thresholds: { positiveThreshold, negativeThreshold } }),
  };
}

/** VAD frames (96 ms each) the narrowband VAD hears before it takes over: about a second. */
export const WARM_UP_FRAMES = 10;

/** The band detection's decision (once per stream). */
export interface BandDecision {
  bandwidth: Bandwidth;
  /** Stream position (16 kHz samples) at the end of the frame that decided it. */
  atSample: number;
  /** Upper band (4.3-7.6 kHz) relative to the speech band (0.3-3.4 kHz) over the loud blocks, dB. */
  upperBandDb: number;
  /** Sample-parity ratio over the loud blocks, dB: far below 0 when the audio was upsampled without a filter. */
  upsampledDb: number;
}

export interface AnalyzerOutput {
  windows: FeatureWindow[];
  vad: VadEvent[];
  /**
   * Band decisions this push's audio made (`BandSwitch`): the stream's first, and a later switch to
   * narrowband found by the watch. Usually empty.
   */
  bands: BandDecision[];
}

export class StreamAnalyzer {
  readonly features: FeatureExtractor;
  readonly vadMachine: VadStateMachine;
  readonly windower: Windower;
  readonly normalizer: StreamNormalizer | null;
  /** Each window's estimated signal-to-noise ratio (`FeatureWindow.snrDb`). */
  readonly snr = new SnrEstimator();
  private readonly vadFrame: Float32Array;
  private vadFill = 0;
  private samples = 0;
  private ended = false;

  private bandSwitch: BandSwitch | undefined;
  /** The first band decision has been reported (later wideband decisions of the watch are not). */
  private bandReported = false;
  /** The last VAD frames while a detector listens (at most {@link WARM_UP_FRAMES}), to warm up the 8 kHz mode. */
  private recentFrames: Float32Array[] = [];

  constructor(
    config: AnalyzerConfig,
    private vad: VadFunction,
    options: { raw?: boolean; session?: NormalizerState; bandSwitch?: BandSwitch } = {},
  ) {
    this.bandSwitch = options.bandSwitch;
    this.features = new FeatureExtractor(config.features);
    if (this.features.options.sampleRate !== 16000)
      throw new TypeError('analyzer: features must be at 16 kHz');
    this.vadMachine = new VadStateMachine({ ...config.vad, sampleRate: 16000 });
    this.vadFrame = new Float32Array(this.vadMachine.options.frameSamples);
    const dim = this.features.dim;
    this.normalizer = config.normalizer ? new StreamNormalizer({ ...config.normalizer, dim }) : null;
    if (this.normalizer && options.session) this.normalizer.restore(options.session);
    this.windower = new Windower(
      {
        ...config.window,
        dim,
        frameHopSamples: this.features.options.hopLength,
        frameWinSamples: this.features.options.winLength,
        raw: options.raw ?? false,
      },
      this.normalizer,
    );
  }

  /** Samples received so far (stream position). */
  get position(): number {
    return this.samples;
  }

  /** Feeds 16 kHz mono samples. */
  async push(samples: Float32Array): Promise<AnalyzerOutput> {
    if (this.ended) throw new Error('analyzer: push() after end()');
    const out: AnalyzerOutput = { windows: [], vad: [], bands: [] };
    this.snr.push(samples);
    const block = this.features.push(samples);
    out.windows.push(...this.windower.pushFrames(block.data, block.frames));
    const n = this.vadFrame.length;
    let pos = 0;
    while (pos < samples.length) {
      const take = Math.min(n - this.vadFill, samples.length - pos);
      this.vadFrame.set(samples.subarray(pos, pos + take), this.vadFill);
      this.vadFill += take;
      pos += take;
      this.samples += take;
      if (this.vadFill === n) {
        this.vadFill = 0;
        if (this.bandSwitch) {
          const decided = await this.detectBand(this.bandSwitch);
          if (decided) out.bands.push(decided);
        }
        const p = await this.vad(this.vadFrame);
        const events = this.vadMachine.push(p);
        // The watch judges each turn, and each pause, apart from what came before: a fresh detector
        // at each segment boundary (the 16 kHz mode can miss a quiet caller entirely, so the pause
        // after a wideband turn must start one too).
        if (this.bandReported && this.bandSwitch?.watch && events.length > 0)
          this.bandSwitch = { ...this.bandSwitch, detector: this.bandSwitch.watch() };
        out.vad.push(...events);
        out.windows.push(...this.windower.onVad(events, this.vadMachine.framesSeen * n));
      }
    }
    return this.withSnr(out);
  }

  /** Sets each window's `snrDb` from the levels of the audio seen so far. */
  private withSnr(out: AnalyzerOutput): AnalyzerOutput {
    for (const w of out.windows) {
      const snr = this.snr.snrDb(w.startSample, w.endSample);
      if (snr !== undefined) w.snrDb = snr;
    }
    return out;
  }

  /** Feeds the band detector the current VAD frame; on its decision, switches the VAD if narrowband. */
  private async detectBand(b: BandSwitch): Promise<BandDecision | undefined> {
    const band = b.detector.push(this.vadFrame);
    if (band === undefined) {
      // Kept to warm up the narrowband VAD should the band turn out narrow (see below).
      const kept =
        this.recentFrames.length < WARM_UP_FRAMES
          ? new Float32Array(this.vadFrame.length)
          : this.recentFrames.shift()!;
      kept.set(this.vadFrame);
      this.recentFrames.push(kept);
      return undefined;
    }
    const decision = {
      bandwidth: band,
      atSample: this.samples,
      upperBandDb: b.detector.upperBandDb,
      upsampledDb: b.detector.upsampledDb,
    };
    if (band === 'wideband') {
      // Keep listening for telephone audio that starts later; only the first decision is reported.
      this.bandSwitch = b.watch ? { ...b, detector: b.watch() } : undefined;
      if (this.bandSwitch === undefined) this.recentFrames = [];
      const first = !this.bandReported;
      this.bandReported = true;
      return first ? decision : undefined;
    }
    this.bandSwitch = undefined;
    this.bandReported = true;
    const next = b.narrowband();
    // Silero is recurrent: started cold mid-utterance, it misses speech it would have found with
    // the context of the last second. Its outputs on those frames are discarded (their events are
    // out already); only its state is kept.
    for (const f of this.recentFrames) await next.vad(f);
    this.vad = next.vad;
    this.vadMachine.setThresholds(next.thresholds);
    this.recentFrames = [];
    return decision;
  }

  /**
   * Ends the stream: the last partial VAD frame (under 96 ms) is not classified, an open speech
   * segment ends at the last sample, and its final window is cut.
   */
  async end(): Promise<AnalyzerOutput> {
    if (this.ended) return { windows: [], vad: [], bands: [] };
    this.ended = true;
    const out: AnalyzerOutput = { windows: [], vad: [], bands: [] };
    const block = this.features.flush();
    out.windows.push(...this.windower.pushFrames(block.data, block.frames));
    const events = this.vadMachine.flush();
    out.vad.push(...events);
    out.windows.push(...this.windower.onVad(events, this.samples));
    out.windows.push(...this.windower.flush(this.samples));
    return this.withSnr(out);
  }
}
