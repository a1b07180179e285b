import { AudioError } from '../errors.ts';

/**
 * Averages interleaved channels to mono. Features are computed on one channel, so this is the
 * point where stereo or multi-channel client audio joins the mono pipeline.
 *
 * Averaging (rather than summing) keeps the result inside the input range without clipping, at the
 * cost of halving a signal that is present on only one of two channels; speech streams carry the
 * same voice on every channel, and for them the average is exact. Samples are summed in double
 * precision, so identical channels come back bit for bit.
 *
 * One channel returns `interleaved` itself: no copy, and `out` is left untouched. Otherwise the
 * result is `out` (or a prefix view of it) when given. `out` may be `interleaved` itself for an
 * in-place downmix, because frame `i` is read before index `i` is written; any other overlap is
 * unsupported. Non-finite samples are not checked here: decoding already rejects them.
 * Empty input gives empty output.
 *
 * @param interleaved - Samples in frame order, `channels` per frame.
 * @param channels - Channels per frame, a positive integer.
 * @param out - Optional destination with room for `interleaved.length / channels` samples.
 * @returns One sample per frame.
 * @throws {AudioError} `BAD_CHANNEL_COUNT` when `channels` is not a positive integer or
 * `interleaved.length` is not a multiple of it.
 * @throws {RangeError} when `out` is too short.
 *
 * @example
 * ```ts
 * const mono = downmix(frame.data, frame.channels);
 * const monoFrame = { ...frame, data: mono, channels: 1 };
 * ```
 */
export function downmix(interleaved: Float32Array, channels: number, out?: Float32Array): Float32Array {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new AudioError('BAD_CHANNEL_COUNT', `channel count must be a positive integer, got ${channels}`);
  }
  if (channels === 1) return interleaved;
  if (interleaved.length % channels !== 0) {
    throw new AudioError(
      'BAD_CHANNEL_COUNT',
      `${interleaved.length} interleaved samples do not divide into whole ${channels}-channel frames`,
    );
  }
  const frames = interleaved.length / channels;
  const dst = outputBuffer(out, frames);
  if (channels === 2) {
    // Stereo is nearly every multi-channel stream, so it gets a loop without the inner one.
    for (let i = 0, j = 0; i < frames; i++, j += 2) {
      dst[i] = (interleaved[j]! + interleaved[j + 1]!) * 0.5;
    }
    return dst;
  }
  for (let i = 0, j = 0; i < frames; i++) {
    // Seeding with the first channel rather than 0 keeps -0 as the stereo path does.
    let sum = interleaved[j++]!;
    for (let c = 1; c < channels; c++, j++) sum += interleaved[j]!;
    dst[i] = sum / channels;
  }
  return dst;
}

function outputBuffer(out: Float32Array | undefined, length: number): Float32Array {
  if (out === undefined) return new Float32Array(length);
  // A short buffer is a caller bug, not bad client input, so it is not an AudioError.
  if (out.length < length) {
    throw new RangeError(`output buffer holds ${out.length} samples but ${length} are needed`);
  }
  return out.length === length ? out : out.subarray(0, length);
}
