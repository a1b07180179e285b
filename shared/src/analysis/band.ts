/**
 * Telephone audio inside a wideband stream: a call bridged into a 16 or 48 kHz stream carries nothing
 * above 4 kHz, while speech recorded at 16 kHz puts a measurable share of its energy there
 * (fricatives, breath, the upper formants). `BandDetector` compares the energy of the 4.3-7.6 kHz band
 * with that of the 0.3-3.4 kHz band over the loud blocks of the first half second or so of sound, and
 * names the band once: `narrowband` when the upper band is below `narrowbandBelowDb`.
 *
 * A call that reached a 16 kHz stream through a gateway that upsampled it without a filter (linear
 * interpolation, or each sample repeated) keeps images of its speech band above 4 kHz, 15-35 dB down,
 * which the band test takes for speech. Such audio is found by what the upsampling did to the samples:
 * every other sample is the mean of its neighbours (linear) or equals the one before it (repeated), so
 * the second (or first) difference nearly vanishes at one sample parity and not at the other
 * (`upsampledDb`, narrowband below `upsampledBelowDb`). Real audio, and audio resampled with a filter,
 * shows no such parity (a steady tone at exactly 4 kHz would; speech does not: `upsampledDb` -5.4 dB at
 * worst over 1488 wideband clips, `models/experiments/README.md`, session 17). It is looked for in the samples the detector reads, so it finds a 16 kHz
 * stream's upsampling, not one hidden by a later filtering resampler (a 48 kHz stream's, resampled to
 * 16 kHz by the server).
 *
 * Only blocks within `activeWithinDb` of the loudest one seen so far (and above `floorDbfs`) count, so
 * silence and line noise between words do not water the ratio down. One detector decides once; the
 * StreamAnalyzer starts new ones after a wideband decision (`watchBandDetectorOptions`), so that a
 * stream can still turn narrowband, but never back: flipping a VAD back and forth would cost more than
 * it gives. Measured thresholds and their error rates: `models/experiments/README.md`, sessions 15
 * and 16.
 */
import { periodicWindow, RealPowerSpectrum } from '../features/rfft.ts';
import type { Bandwidth } from './vad.ts';

export interface BandDetectorOptions {
  /** Input rate; the detector reads 16 kHz audio, as the analysis core does. */
  sampleRate: number;
  /** FFT block (Hann window, no overlap). */
  blockSamples: number;
  /** Loud blocks needed before deciding (15 blocks of 32 ms: about half a second of sound). */
  minActiveBlocks: number;
  /** A block counts when its speech-band energy is within this many dB of the loudest block so far. */
  activeWithinDb: number;
  /** ... and above this level (dB relative to a full-scale sine's band energy; quieter blocks are silence). */
  floorDbfs: number;
  /** Upper-band energy, in dB relative to the speech band, below which the audio is narrowband. */
  narrowbandBelowDb: number;
  /** The speech band and the upper band, in Hz. */
  speechBandHz: readonly [number, number];
  upperBandHz: readonly [number, number];
  /** Reads one block in this many (1: every block); the others are skipped, which saves their FFTs. */
  blockStride: number;
  /**
   * Sample-parity ratio (dB) below which the audio was upsampled without a filter: the smaller of the
   * second differences' (linear interpolation) and first differences' (repeated samples) energy at one
   * parity relative to the other, over the loud blocks.
   */
  upsampledBelowDb: number;
}

export const defaultBandDetectorOptions: BandDetectorOptions = Object.freeze({
  sampleRate: 16000,
  blockSamples: 512,
  minActiveBlocks: 15,
  activeWithinDb: 20,
  floorDbfs: -60,
  narrowbandBelowDb: -50,
  speechBandHz: [300, 3400] as const,
  upperBandHz: [4300, 7600] as const,
  blockStride: 1,
  upsampledBelowDb: -15,
});

/**
 * After a wideband decision a stream keeps listening for telephone audio that starts later (a caller
 * bridged in after a wideband prompt, hold music or an agent's greeting): a fresh detector at each
 * speech segment (the StreamAnalyzer starts one at each VAD speech start, so that each turn is judged
 * alone, not against a louder earlier one), with the first decision's settings: 15 loud blocks, about
 * half a second of sound. A narrowband decision switches the stream for good. (Reading one block in two
 * halves the cost but leaves short turns undecided: a bridged caller was found up to 10 s late instead
 * of 2.) Measured: `models/experiments/README.md`, session 16.
 */
export const watchBandDetectorOptions: Partial<BandDetectorOptions> = Object.freeze({
  blockStride: 1,
  minActiveBlocks: 15,
});

export class BandDetector {
  readonly options: BandDetectorOptions;
  private readonly spectrum: RealPowerSpectrum;
  private readonly window: Float64Array;
  private readonly power: Float64Array;
  private readonly block: Float32Array;
  private readonly speechBins: readonly [number, number];
  private readonly upperBins: readonly [number, number];
  /** Speech-band energy of a full-scale sine through the window, the 0 dB of `floorDbfs`. */
  private readonly fullScale: number;
  private fill = 0;
  /** Blocks seen (read or skipped), for `blockStride`. */
  private blocks = 0;
  private loudest = 0;
  private speechSum = 0;
  private upperSum = 0;
  private active = 0;
  /** Over the loud blocks: second differences' energy at even and odd samples, then first differences'. */
  private readonly parity = new Float64Array(4);
  private decided: Bandwidth | undefined;

  constructor(options: Partial<BandDetectorOptions> = {}) {
    const o = { ...defaultBandDetectorOptions, ...options };
    this.options = o;
    const n = o.blockSamples;
    this.spectrum = new RealPowerSpectrum(n);
    this.window = periodicWindow('hann', n);
    this.power = new Float64Array(n / 2 + 1);
    this.block = new Float32Array(n);
    const bin = (hz: number) => Math.round((hz * n) / o.sampleRate);
    this.speechBins = [bin(o.speechBandHz[0]), bin(o.speechBandHz[1])];
    this.upperBins = [bin(o.upperBandHz[0]), Math.min(bin(o.upperBandHz[1]), n / 2)];
    if (!(this.speechBins[0] < this.speechBins[1] && this.upperBins[0] < this.upperBins[1]))
      throw new TypeError('band detector: empty band');
    if (!(Number.isInteger(o.blockStride) && o.blockStride >= 1))
      throw new RangeError('band detector: blockStride must be a positive integer');
    let w2 = 0;
    for (const w of this.window) w2 += w * w;
    // Parseval: a unit-amplitude sine's windowed one-sided power spectrum sums to n x sum(w^2) / 4.
    this.fullScale = (n * w2) / 4;
  }

  /** The band, once decided (`undefined` before). */
  get band(): Bandwidth | undefined {
    return this.decided;
  }

  /** Upper-band energy relative to the speech band so far, in dB (`NaN` before any loud block). */
  get upperBandDb(): number {
    return this.speechSum > 0 ? 10 * Math.log10(Math.max(this.upperSum, 1e-30) / this.speechSum) : Number.NaN;
  }

  /**
   * How strongly the samples read so far show unfiltered upsampling, in dB: the smaller of the two
   * sample-parity ratios (second differences: linear interpolation; first differences: repeated
   * samples). About 0 for recorded or properly resampled audio; far below `upsampledBelowDb` for an
   * 8 kHz call interpolated to 16 kHz (`NaN` before any loud block).
   */
  get upsampledDb(): number {
    if (this.active === 0) return Number.NaN;
    const ratio = (a: number, b: number) =>
      10 * Math.log10(Math.max(Math.min(a, b), 1e-30) / Math.max(a, b, 1e-30));
    const p = this.parity;
    return Math.min(ratio(p[0]!, p[1]!), ratio(p[2]!, p[3]!));
  }

  /**
   * Reads 16 kHz samples; returns the band when this call decided it, `undefined` otherwise (also
   * after the decision: there is nothing more to read).
   */
  push(samples: Float32Array): Bandwidth | undefined {
    if (this.decided !== undefined) return undefined;
    const n = this.block.length;
    let pos = 0;
    while (pos < samples.length) {
      const take = Math.min(n - this.fill, samples.length - pos);
      this.block.set(samples.subarray(pos, pos + take), this.fill);
      this.fill += take;
      pos += take;
      if (this.fill === n) {
        this.fill = 0;
        if (this.blocks++ % this.options.blockStride !== 0) continue;
        if (this.readBlock()) return this.decided;
      }
    }
    return undefined;
  }

  /** Counts one block; true when it decided the band. */
  private readBlock(): boolean {
    const o = this.options;
    this.spectrum.power(this.block, 0, this.window, this.block.length, this.power);
    const sum = ([a, b]: readonly [number, number]) => {
      let s = 0;
      for (let k = a; k <= b; k++) s += this.power[k]!;
      return s;
    };
    const speech = sum(this.speechBins);
    if (!(speech > this.fullScale * 10 ** (o.floorDbfs / 10))) return false;
    if (speech > this.loudest) {
      // A louder block raises the bar: blocks counted under the old one stay counted (they were
      // loud for their time; dropping them would make the decision depend on the order of words).
      this.loudest = speech;
    }
    if (speech < this.loudest * 10 ** (-o.activeWithinDb / 10)) return false;
    this.speechSum += speech;
    this.upperSum += sum(this.upperBins);
    this.active++;
    // Blocks are an even number of samples long, so index parity within a block is the stream's.
    const x = this.block;
    const p = this.parity;
    for (let k = 1; k < x.length - 1; k++) {
      const second = x[k]! - 0.5 * (x[k - 1]! + x[k + 1]!);
      const first = x[k]! - x[k - 1]!;
      p[k & 1]! += second * second;
      p[2 + (k & 1)]! += first * first;
    }
    if (this.active < o.minActiveBlocks) return false;
    this.decided =
      this.upperBandDb < o.narrowbandBelowDb || this.upsampledDb < o.upsampledBelowDb
        ? 'narrowband'
        : 'wideband';
    return true;
  }
}
