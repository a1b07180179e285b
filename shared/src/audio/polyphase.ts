import { AudioError } from '../errors.ts';
import { MAX_RESAMPLE_RATE, MIN_RESAMPLE_RATE, resampledLength, STREAMING_INPUT_RATES } from './resample.ts';

/**
 * What a live stream needs from a resampler. Both {@link PolyphaseResampler} and the libsamplerate-based
 * `StreamingResampler` satisfy it, so the server can hold either behind this type.
 */
export interface StreamResampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Input samples pushed since creation or the last `reset()`. */
  readonly inputSamples: number;
  /** Output samples returned so far; the stream index of the next one. */
  readonly outputSamples: number;
  /** Output samples the input so far accounts for but the filter still holds back. */
  readonly pendingOutputSamples: number;
  push(samples: Float32Array): Float32Array;
  flush(): Float32Array;
  reset(): void;
  destroy(): void;
}

/** Options of {@link PolyphaseResampler}. */
export interface PolyphaseResamplerOptions {
  /** Rate of the input in Hz; one of {@link STREAMING_INPUT_RATES}. */
  inputRate: number;
  /** Rate of the output in Hz. */
  outputRate: number;
  /** Channels of the input. Only mono: callers downmix first, which is cheaper. */
  channels: 1;
}

/** Defaults merged under the options given to {@link PolyphaseResampler}. */
export const defaultPolyphaseResamplerOptions: Omit<PolyphaseResamplerOptions, 'inputRate'> = {
  outputRate: 16000,
  channels: 1,
};

// Filter design, as fractions of the lower of the two rates. The passband ends at 7 kHz for a 16 kHz
// output (3.5 kHz, 0.875 of Nyquist, for 8 kHz input); the stopband starts at the lower Nyquist, so
// nothing aliases or images anywhere in the output band. That matters because the feature engine's mel
// filterbank reaches 8 kHz: stopping at 9 kHz instead would halve the taps but fold 8-9 kHz content into
// the top mel band. The 6 dB cutoff sits midway, at 0.46875 of the lower rate (7.5 kHz).
const PASS_EDGE = 0.4375;
const STOP_EDGE = 0.5;
// Design attenuation; 10 dB above the 60 dB we promise, as Kaiser's length formula is an estimate.
const STOP_DB = 70;
// Bound on a shared bank's coefficients (8 MB): odd output rates give huge interpolation factors.
const MAX_BANK_COEFFS = 1 << 21;
const ZEROS = new Float32Array(1024);
const EMPTY = new Float32Array(0);

/** A polyphase filter bank: row `p` holds the taps for outputs that fall `p / up` input samples past an input sample. */
interface FilterBank {
  up: number;
  down: number;
  /** Half the filter length in input samples; also the lookahead. Even, so `taps` is a multiple of 4. */
  half: number;
  taps: number;
  coeffs: Float32Array;
}

// One bank per rate pair, shared by every stream: the per-stream state is then just the history ring.
const banks = new Map<string, FilterBank>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0, by its power series (converges fast for beta < 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; term > 1e-16 * sum; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

function filterBank(inputRate: number, outputRate: number): FilterBank {
  const key = `${inputRate}:${outputRate}`;
  const cached = banks.get(key);
  if (cached) return cached;
  const g = gcd(inputRate, outputRate);
  const up = outputRate / g;
  const down = inputRate / g;
  const minRate = Math.min(inputRate, outputRate);
  const cutoff = (((PASS_EDGE + STOP_EDGE) / 2) * minRate) / inputRate; // cycles per input sample
  const transition = ((STOP_EDGE - PASS_EDGE) * minRate) / inputRate;
  const length = (STOP_DB - 7.95) / (14.36 * transition); // Kaiser's estimate, in input samples
  const half = 2 * Math.ceil(length / 4);
  const taps = 2 * half;
  if (up * taps > MAX_BANK_COEFFS) {
    throw new AudioError(
      'BAD_OPTIONS',
      `${inputRate} Hz to ${outputRate} Hz needs ${up} filter phases; choose an output rate with a simpler ratio`,
    );
  }
  const beta = 0.1102 * (STOP_DB - 8.7);
  const i0Beta = besselI0(beta);
  const coeffs = new Float32Array(up * taps);
  const row = new Float64Array(taps);
  for (let p = 0; p < up; p++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      // Tap j multiplies the (j+1)-th oldest of the window; t is the output time minus that sample's time.
      const t = p / up + half - 1 - j;
      const x = 2 * cutoff * t;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = t / half;
      const window = r * r < 1 ? besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta : 0;
      row[j] = 2 * cutoff * sinc * window;
      sum += row[j]!;
    }
    // Unit DC gain for every phase; otherwise the phases' slightly different gains would modulate
    // the signal at the output rate and leave a fixed pattern of images.
    for (let j = 0; j < taps; j++) coeffs[p * taps + j] = row[j]! / sum;
  }
  const bank = { up, down, half, taps, coeffs };
  banks.set(key, bank);
  return bank;
}

/**
 * Streaming sample-rate converter for live mono audio: a polyphase Kaiser-windowed sinc filter for the
 * rational ratio `upFactor / downFactor` (48 kHz to 16 kHz is 1/3, 44.1 kHz is 160/441, 8 kHz is 2/1).
 * A drop-in for `StreamingResampler` (same counters, `push`/`flush`/`reset`/`destroy` and guarantees)
 * at a fraction of the cost: the filter bank (under 200 KB) is built once per rate pair and shared, and
 * each stream keeps only a history ring of `2 * taps` floats (under 2 KB) instead of a 26 MB heap.
 *
 * Response: flat within 0.01 dB up to 0.4375 of the lower rate (7 kHz at 16 kHz output), -6 dB at
 * 0.46875, and at least 60 dB down from the lower Nyquist (8 kHz) on, so the output band is free of
 * aliases and images.
 *
 * Guarantees:
 * - **Chunking invariance, bit for bit.** Each output is one dot product over a window of past input,
 *   computed in the same order whatever the chunks: the output of every chunking equals one push of
 *   the whole signal followed by `flush()`.
 * - **Alignment.** The filter is centred (zero phase): output sample `k` is the band-limited input at
 *   input time `k / outputRate` exactly. The price is a lookahead of {@link lookaheadSamples} input
 *   samples (2.2 ms at 48 kHz, 4.5 ms at 8 kHz); {@link pendingOutputSamples} says how many outputs wait.
 * - **Length.** After `flush()`, {@link outputSamples} equals `resampledLength(inputSamples, inputRate,
 *   outputRate)`: round(n * outputRate / inputRate), halves up. `flush()` feeds zeros as the input's
 *   continuation, as the input before the first sample is taken to be zeros.
 * - **Pass-through.** Equal rates return the pushed array itself: no copy, exact.
 * - **No allocation** per push beyond the returned array, which is sized exactly.
 *
 * @example
 * ```ts
 * const rs = new PolyphaseResampler({ inputRate: 48000 }); // or createStreamResampler(48000)
 * for await (const chunk of mic) send(rs.push(chunk)); // starts at stream index rs.outputSamples
 * send(rs.flush());
 * ```
 */
export class PolyphaseResampler implements StreamResampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Interpolation factor L of the reduced ratio L / M = outputRate / inputRate. */
  readonly upFactor: number;
  /** Decimation factor M of the reduced ratio L / M = outputRate / inputRate. */
  readonly downFactor: number;
  /** Filter taps per output sample, spanning this many input samples; 0 in pass-through. */
  readonly taps: number;
  /** Input samples an output waits for beyond its own time; latency is this over `inputRate`. */
  readonly lookaheadSamples: number;
  private readonly coeffs: Float32Array;
  // Doubled ring: sample s is stored at s mod taps and again taps further on, so the latest `taps`
  // samples always form one contiguous run and the inner loop needs no wrap-around test.
  private ring: Float32Array;
  private ringPos = 0;
  private fed = 0; // samples written to the ring, flush zeros included
  private centre = 0; // input index at or before the next output's time: floor(k * M / L)
  private phase = 0; // (k * M) mod L: the next output lies phase / L input samples after `centre`
  private inputCount = 0;
  private outputCount = 0;
  private flushed = false;
  private destroyed = false;

  /**
   * @param options - `inputRate` is required; the rest default to {@link defaultPolyphaseResamplerOptions}.
   * @throws {AudioError} `UNSUPPORTED_SAMPLE_RATE` when `inputRate` is not one of
   * {@link STREAMING_INPUT_RATES} or `outputRate` is out of range, `BAD_CHANNEL_COUNT` when `channels`
   * is not 1, `BAD_OPTIONS` when the ratio would need an oversized filter bank.
   */
  constructor(options: Partial<PolyphaseResamplerOptions> & Pick<PolyphaseResamplerOptions, 'inputRate'>) {
    const { inputRate, outputRate, channels } = { ...defaultPolyphaseResamplerOptions, ...options };
    if (!(STREAMING_INPUT_RATES as readonly number[]).includes(inputRate)) {
      throw new AudioError(
        'UNSUPPORTED_SAMPLE_RATE',
        `unsupported input sample rate ${inputRate} Hz; supported: ${STREAMING_INPUT_RATES.join(', ')} Hz`,
      );
    }
    if (!Number.isInteger(outputRate) || outputRate < MIN_RESAMPLE_RATE || outputRate > MAX_RESAMPLE_RATE) {
      throw new AudioError(
        'UNSUPPORTED_SAMPLE_RATE',
        `output sample rate must be an integer from ${MIN_RESAMPLE_RATE} to ${MAX_RESAMPLE_RATE} Hz, got ${outputRate}`,
      );
    }
    if (channels !== 1) {
      throw new AudioError('BAD_CHANNEL_COUNT', `the resampler takes mono input (downmix first), got ${channels}`);
    }
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    const bank = inputRate === outputRate ? null : filterBank(inputRate, outputRate);
    this.upFactor = bank?.up ?? 1;
    this.downFactor = bank?.down ?? 1;
    this.taps = bank?.taps ?? 0;
    this.lookaheadSamples = bank?.half ?? 0;
    this.coeffs = bank?.coeffs ?? EMPTY;
    this.ring = new Float32Array(2 * this.taps);
  }

  /** Input samples pushed since creation or the last {@link reset}. */
  get inputSamples(): number {
    return this.inputCount;
  }

  /** Output samples returned since creation or the last {@link reset}; the index of the next one. */
  get outputSamples(): number {
    return this.outputCount;
  }

  /** Output samples the input so far accounts for but the filter still holds back; `flush()` releases them. */
  get pendingOutputSamples(): number {
    return resampledLength(this.inputCount, this.inputRate, this.outputRate) - this.outputCount;
  }

  /** Bytes of per-stream state (the history ring); the filter bank is shared and not counted. */
  get stateBytes(): number {
    return this.ring.byteLength;
  }

  /**
   * Feeds input and returns the output it completes, as a new array owned by the caller (in
   * pass-through mode, `samples` itself; an empty result is a shared empty array).
   *
   * @throws {Error} after {@link flush} (call {@link reset} first) or {@link destroy}.
   */
  push(samples: Float32Array): Float32Array {
    this.live();
    this.inputCount += samples.length;
    if (this.taps === 0) {
      this.outputCount += samples.length;
      return samples;
    }
    const want = this.readyAfter(this.fed + samples.length) - this.readyAfter(this.fed);
    const out = want > 0 ? new Float32Array(want) : EMPTY;
    const n = this.run(samples, out, 0);
    if (n !== want) throw new Error(`polyphase resampler produced ${n} of ${want} samples`);
    this.outputCount += n;
    return out;
  }

  /**
   * Ends the stream: returns the output still held back, so that the total becomes
   * `resampledLength(inputSamples, inputRate, outputRate)`. Further pushes throw until {@link reset}.
   */
  flush(): Float32Array {
    this.live();
    this.flushed = true;
    const want = this.pendingOutputSamples;
    if (this.taps === 0 || want <= 0) return EMPTY;
    const out = new Float32Array(want);
    // The last output, index outputCount + want - 1, needs input up to its centre plus the lookahead.
    const last = Math.floor(((this.outputCount + want - 1) * this.downFactor) / this.upFactor);
    let zeros = last + this.lookaheadSamples + 1 - this.fed;
    let n = 0;
    for (; zeros > 0; zeros -= ZEROS.length) n = this.run(ZEROS.subarray(0, zeros), out, n);
    if (n !== want) throw new Error(`polyphase resampler flush produced ${n} of ${want} samples`);
    this.outputCount += n;
    return out;
  }

  /** Starts a new stream: clears the history and the counters, keeping the instance. */
  reset(): void {
    if (this.destroyed) throw new Error('PolyphaseResampler used after destroy()');
    this.ring.fill(0);
    this.ringPos = this.fed = this.centre = this.phase = 0;
    this.inputCount = this.outputCount = 0;
    this.flushed = false;
  }

  /** Releases the history. Idempotent; the instance cannot be used afterwards. */
  destroy(): void {
    this.destroyed = true;
    this.ring = EMPTY;
  }

  private live(): void {
    if (this.destroyed) throw new Error('PolyphaseResampler used after destroy()');
    if (this.flushed) throw new Error('PolyphaseResampler used after flush(); call reset() to start a new stream');
  }

  /** Outputs computable from `fed` input samples: those k with floor(k M / L) + lookahead <= fed - 1. */
  private readyAfter(fed: number): number {
    const span = fed - this.lookaheadSamples;
    return span <= 0 ? 0 : Math.ceil((span * this.upFactor) / this.downFactor);
  }

  /** Appends `x` to the stream and writes the outputs it completes into `out` from `n`, up to `out.length`. */
  private run(x: Float32Array, out: Float32Array, n: number): number {
    const { history, coeffs, taps, upFactor: up, lookaheadSamples: half } = this;
    const work = this.work;
    const keep = taps - 1;
    const whole = Math.floor(this.downFactor / up);
    const frac = this.downFactor % up;
    let centre = this.centre;
    let phase = this.phase;
    for (let s = 0; s < x.length; ) {
      // work = the last `keep` inputs, then up to BLOCK new ones; work[0] is input index fed - keep.
      for (let j = 0; j < keep; j++) work[j] = history[j]!;
      const take = Math.min(BLOCK, x.length - s);
      for (let j = 0; j < take; j++) work[keep + j] = x[s + j]!;
      s += take;
      const start = this.fed - keep; // input index of work[0]
      this.fed += take;
      while (centre + half < this.fed && n < out.length) {
        const c = phase * taps;
        const o = centre - half + 1 - start;
        // Four partial sums break the add dependency chain; the order is fixed, so results stay
        // bit-identical across chunkings.
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let j = 0; j < taps; j += 4) {
          a0 += coeffs[c + j]! * work[o + j]!;
          a1 += coeffs[c + j + 1]! * work[o + j + 1]!;
          a2 += coeffs[c + j + 2]! * work[o + j + 2]!;
          a3 += coeffs[c + j + 3]! * work[o + j + 3]!;
        }
        out[n++] = a0 + a1 + (a2 + a3);
        centre += whole;
        phase += frac;
        if (phase >= up) {
          phase -= up;
          centre++;
        }
      }
      for (let j = 0; j < keep; j++) history[j] = work[take + j]!;
    }
    this.centre = centre;
    this.phase = phase;
    return n;
  }
}

/**
 * The resampler for a live stream at `inputRate`, converting to `outputRate` (16 kHz by default);
 * a pass-through that returns each pushed array itself when the rates are equal.
 *
 * @example
 * ```ts
 * const rs = createStreamResampler(hello.sampleRate);
 * socket.on('audio', (pcm) => pipeline.push(rs.push(pcm)));
 * ```
 * @throws {AudioError} as the {@link PolyphaseResampler} constructor.
 */
export function createStreamResampler(inputRate: number, outputRate = 16000): StreamResampler {
  return new PolyphaseResampler({ inputRate, outputRate });
}
