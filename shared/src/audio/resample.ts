import LibSampleRate from '@alexanderolsen/libsamplerate-js';
import { AudioError } from '../errors.ts';

/** Input rates a live stream may use. Other rates are accepted only by {@link resampleOffline}. */
export const STREAMING_INPUT_RATES = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000] as const;

/** Lowest and highest rate {@link resampleOffline} and `outputRate` accept (libsamplerate-js caps at 192 kHz). */
export const MIN_RESAMPLE_RATE = 1000;
export const MAX_RESAMPLE_RATE = 192_000;

/**
 * libsamplerate converter. `medium` (SRC_SINC_MEDIUM_QUALITY) is flat to within 0.01 dB up to 6.8 kHz
 * at a 16 kHz output; `fastest` (SRC_SINC_FASTEST) is about twice as fast but already 0.5 dB down at
 * 6 kHz and 9 dB down at 6.8 kHz, which would make live audio duller above 6 kHz than the corpus
 * clips the models are trained on. Both reject aliases by more than 100 dB.
 */
export type ResamplerQuality = 'medium' | 'fastest';

/** Options of {@link StreamingResampler.create}. */
export interface ResamplerOptions {
  /** Rate of the input in Hz; one of {@link STREAMING_INPUT_RATES}. */
  inputRate: number;
  /** Rate of the output in Hz. */
  outputRate: number;
  /** Channels of the input. Only mono is supported: callers downmix first, which is cheaper. */
  channels: 1;
  /** Converter quality; see {@link ResamplerQuality}. */
  quality: ResamplerQuality;
}

/** Defaults merged under the options given to {@link StreamingResampler.create}. */
export const defaultResamplerOptions: Omit<ResamplerOptions, 'inputRate'> = {
  outputRate: 16000,
  channels: 1,
  quality: 'medium',
};

type Src = Awaited<ReturnType<typeof LibSampleRate.create>>;

// Input samples per converter call. Bounded so that neither side of a call reaches the 1,008,000
// floats libsamplerate-js allots to its buffers: beyond that it takes an internal path that ignores
// the caller's output buffer and frame counter. It also bounds the scratch buffer.
const MAX_BLOCK = 8192;
const LIBRARY_BUFFER = 1_008_000;
// Zeros fed by flush(); each round releases MAX_FLUSH_BLOCK * ratio outputs, far more than the
// converter holds back (under 50 output samples for both qualities).
const MAX_FLUSH_BLOCK = 1024;
const ZEROS = new Float32Array(MAX_BLOCK);
const EMPTY = new Float32Array(0);
// Key of the factory that skips the streaming-rate check; unexported, so only this module can call it.
const openAnyRate: unique symbol = Symbol('openAnyRate');

/**
 * Number of output samples a whole stream of `inputSamples` produces: round(inputSamples *
 * outputRate / inputRate), halves rounded up, computed exactly in integers.
 */
export function resampledLength(inputSamples: number, inputRate: number, outputRate: number): number {
  return Math.floor((2 * inputSamples * outputRate + inputRate) / (2 * inputRate));
}

/**
 * Streaming sample-rate converter for mono audio, built on libsamplerate (Secret Rabbit Code).
 *
 * Guarantees:
 * - **Chunking invariance, bit for bit.** The concatenation of every `push` result plus `flush()` is
 *   identical whatever sizes the input was cut into: libsamplerate keeps its filter history and
 *   fractional read position across calls, and this class adds no state of its own that depends on
 *   chunk boundaries.
 * - **Alignment.** The converter's filter is centred (zero group delay): output sample `i` is the
 *   band-limited input evaluated at input time `i / outputRate`. The price is latency: each push holds
 *   back the last few output samples until the filter has seen enough later input (about 46 output
 *   samples, 2.9 ms, for `medium`); {@link pendingOutputSamples} says how many.
 * - **Length.** After `flush()`, {@link outputSamples} equals
 *   {@link resampledLength}(inputSamples, inputRate, outputRate). `flush()` drains the tail by feeding
 *   zeros, as the input's continuation after its last sample, and truncates at that length.
 * - **Pass-through.** When input and output rates are equal, `push` returns its argument itself: no
 *   copy, no converter, exact.
 *
 * Start times follow from the counters: the samples returned by a `push` begin at stream index
 * `outputSamples` as read just before the call.
 *
 * @example
 * ```ts
 * const rs = await StreamingResampler.create({ inputRate: 48000 });
 * for await (const chunk of mic) send(rs.push(chunk));
 * send(rs.flush());
 * rs.destroy();
 * ```
 */
export class StreamingResampler {
  /** Input rate in Hz. */
  readonly inputRate: number;
  /** Output rate in Hz. */
  readonly outputRate: number;
  /** Converter quality in use. */
  readonly quality: ResamplerQuality;
  private src: Src | null;
  private readonly blockSize: number;
  private readonly scratch: Float32Array;
  private readonly frames = { frames: 0 };
  private inputCount = 0;
  private outputCount = 0;
  private flushed = false;
  private destroyed = false;

  private constructor(inputRate: number, outputRate: number, quality: ResamplerQuality, src: Src | null) {
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.quality = quality;
    this.src = src;
    this.blockSize = Math.min(MAX_BLOCK, Math.floor(((LIBRARY_BUFFER / 2) * inputRate) / outputRate));
    // Room for the most one block can produce; the margin covers float rounding in the count.
    this.scratch = src ? new Float32Array(Math.ceil((this.blockSize * outputRate) / inputRate) + 16) : EMPTY;
  }

  /**
   * Creates a resampler for a live stream.
   *
   * @param options - `inputRate` is required; the rest default to {@link defaultResamplerOptions}.
   * @throws {AudioError} `UNSUPPORTED_SAMPLE_RATE` when `inputRate` is not one of
   * {@link STREAMING_INPUT_RATES} or `outputRate` is out of range, `BAD_CHANNEL_COUNT` when
   * `channels` is not 1, `BAD_OPTIONS` for an unknown quality.
   */
  static async create(
    options: Partial<ResamplerOptions> & Pick<ResamplerOptions, 'inputRate'>,
  ): Promise<StreamingResampler> {
    const { inputRate } = options;
    if (!(STREAMING_INPUT_RATES as readonly number[]).includes(inputRate)) {
      throw new AudioError(
        'UNSUPPORTED_SAMPLE_RATE',
        `unsupported input sample rate ${inputRate} Hz; supported: ${STREAMING_INPUT_RATES.join(', ')} Hz`,
      );
    }
    return StreamingResampler[openAnyRate]({ ...defaultResamplerOptions, ...options });
  }

  /** Validates everything but the input rate; {@link resampleOffline} accepts any rate in range. */
  static async [openAnyRate](options: ResamplerOptions): Promise<StreamingResampler> {
    const { inputRate, outputRate, channels, quality } = options;
    if (!Number.isInteger(outputRate) || outputRate < MIN_RESAMPLE_RATE || outputRate > MAX_RESAMPLE_RATE) {
      throw new AudioError(
        'UNSUPPORTED_SAMPLE_RATE',
        `output sample rate must be an integer from ${MIN_RESAMPLE_RATE} to ${MAX_RESAMPLE_RATE} Hz, got ${outputRate}`,
      );
    }
    if (channels !== 1) {
      throw new AudioError(
        'BAD_CHANNEL_COUNT',
        `the resampler takes mono input (downmix first), got ${channels} channels`,
      );
    }
    if (quality !== 'medium' && quality !== 'fastest') {
      throw new AudioError('BAD_OPTIONS', `unknown resampler quality ${JSON.stringify(quality)}`);
    }
    let src: Src | null = null;
    if (inputRate !== outputRate) {
      const converterType =
        quality === 'fastest'
          ? LibSampleRate.ConverterType.SRC_SINC_FASTEST
          : LibSampleRate.ConverterType.SRC_SINC_MEDIUM_QUALITY;
      try {
        src = await LibSampleRate.create(1, inputRate, outputRate, { converterType });
      } catch (cause) {
        // libsamplerate-js throws strings, not Errors.
        throw new AudioError('BAD_OPTIONS', `cannot create resampler: ${String(cause)}`, { cause });
      }
    }
    return new StreamingResampler(inputRate, outputRate, quality, src);
  }

  /** Input samples pushed since creation or the last {@link reset}. */
  get inputSamples(): number {
    return this.inputCount;
  }

  /** Output samples returned since creation or the last {@link reset}; the index of the next one. */
  get outputSamples(): number {
    return this.outputCount;
  }

  /** Output samples the input so far accounts for but the converter still holds back; `flush()` releases them. */
  get pendingOutputSamples(): number {
    return resampledLength(this.inputCount, this.inputRate, this.outputRate) - this.outputCount;
  }

  /**
   * Feeds input and returns the output it completes. The result is a new array owned by the caller,
   * except in pass-through mode, where it is `samples` itself. An empty result is a shared empty array.
   *
   * @throws {Error} after {@link flush} (call {@link reset} first) or {@link destroy}.
   */
  push(samples: Float32Array): Float32Array {
    const src = this.live();
    this.inputCount += samples.length;
    if (!src) {
      this.outputCount += samples.length;
      return samples;
    }
    const block = this.blockSize;
    if (samples.length <= block) {
      const n = this.convert(src, samples);
      this.outputCount += n;
      return n === 0 ? EMPTY : this.scratch.slice(0, n);
    }
    const out = new Float32Array(Math.ceil((samples.length * this.outputRate) / this.inputRate) + 16);
    let n = 0;
    for (let i = 0; i < samples.length; i += block) {
      const got = this.convert(src, samples.subarray(i, i + block));
      out.set(this.scratch.subarray(0, got), n);
      n += got;
    }
    this.outputCount += n;
    return out.slice(0, n);
  }

  /**
   * Ends the stream: returns the output still held back, so that the total becomes
   * {@link resampledLength}(inputSamples, inputRate, outputRate). Further pushes throw until
   * {@link reset}.
   */
  flush(): Float32Array {
    const src = this.live();
    this.flushed = true;
    const want = this.pendingOutputSamples;
    if (!src || want <= 0) return EMPTY;
    const out = new Float32Array(want);
    const block = Math.min(
      this.blockSize,
      MAX_FLUSH_BLOCK,
      Math.ceil((want * this.inputRate) / this.outputRate) + 256,
    );
    let n = 0;
    // The bound only guards against a converter that stops producing; a few rounds always suffice.
    for (let round = 0; n < want && round < 64; round++) {
      const got = this.convert(src, ZEROS.subarray(0, block));
      out.set(this.scratch.subarray(0, Math.min(got, want - n)), n);
      n += Math.min(got, want - n);
    }
    if (n < want) throw new Error(`resampler flush produced ${n} of ${want} samples`);
    this.outputCount += n;
    return out;
  }

  /** Starts a new stream: clears the converter's history and the counters, keeping the instance. */
  reset(): void {
    if (this.destroyed) throw new Error('StreamingResampler used after destroy()');
    // Assigning any converter property makes libsamplerate-js delete and re-create its converter
    // state; that is 50x cheaper than create(), which builds a whole new 26 MB module.
    if (this.src) this.src.converterType = this.src.converterType;
    this.inputCount = 0;
    this.outputCount = 0;
    this.flushed = false;
  }

  /** Releases the converter. Idempotent; the instance cannot be used afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.src?.destroy();
    // Dropping the reference lets the module's 26 MB heap be collected.
    this.src = null;
  }

  private live(): Src | null {
    if (this.destroyed) throw new Error('StreamingResampler used after destroy()');
    if (this.flushed)
      throw new Error('StreamingResampler used after flush(); call reset() to start a new stream');
    return this.src;
  }

  private convert(src: Src, block: Float32Array): number {
    if (block.length === 0) return 0;
    this.frames.frames = -1;
    src.full(block, this.scratch, this.frames);
    const n = this.frames.frames;
    // libsamplerate-js reports converter errors as a frame count, leaves the counter alone on its
    // internal path and drops writes past the end of the output array: an impossible count is the
    // only sign of trouble.
    if (n < 0 || n > this.scratch.length) throw new Error(`libsamplerate returned ${n} frames`);
    return n;
  }
}

/**
 * Resamples a whole mono clip. Unlike {@link StreamingResampler.create}, any integer input rate from
 * {@link MIN_RESAMPLE_RATE} to {@link MAX_RESAMPLE_RATE} is accepted (files come at 12 or 96 kHz too).
 * The result equals streaming the clip through a {@link StreamingResampler} and flushing, so its
 * length is {@link resampledLength} of the input. Equal rates return `samples` itself.
 *
 * @throws {AudioError} `UNSUPPORTED_SAMPLE_RATE` for a rate out of range or not an integer.
 */
export async function resampleOffline(
  samples: Float32Array,
  inputRate: number,
  outputRate = 16000,
  quality: ResamplerQuality = 'medium',
): Promise<Float32Array> {
  if (!Number.isInteger(inputRate) || inputRate < MIN_RESAMPLE_RATE || inputRate > MAX_RESAMPLE_RATE) {
    throw new AudioError(
      'UNSUPPORTED_SAMPLE_RATE',
      `input sample rate must be an integer from ${MIN_RESAMPLE_RATE} to ${MAX_RESAMPLE_RATE} Hz, got ${inputRate}`,
    );
  }
  if (inputRate === outputRate) return samples;
  const rs = await StreamingResampler[openAnyRate]({ inputRate, outputRate, channels: 1, quality });
  try {
    const out = new Float32Array(resampledLength(samples.length, inputRate, outputRate));
    let n = 0;
    // Pushing a block at a time keeps the temporaries small for long files.
    for (let i = 0; i < samples.length; i += MAX_BLOCK) {
      const y = rs.push(samples.subarray(i, i + MAX_BLOCK));
      out.set(y, n);
      n += y.length;
    }
    out.set(rs.flush(), n);
    return out;
  } finally {
    rs.destroy();
  }
}
