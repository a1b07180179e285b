/**
 * Client-side audio preparation: samples in, wire bytes out, split into messages that each hold
 * whole frames (one sample per channel) and fit the server's `maxMessageBytes`.
 *
 * @example
 * ```ts
 * const bytes = encodeAudio(float32Samples, 'pcm_s16le', 1);
 * for (const message of chunkBytes(bytes, frameBytes('pcm_s16le', 1), ready.limits.maxMessageBytes)) socket.send(message);
 * ```
 */
import { bytesPerSample, encodePcm, type PcmEncoding } from '../audio/pcm.ts';
import { AudioError } from '../errors.ts';

/**
 * Audio accepted by the SDK, interleaved when multi-channel:
 * - `Float32Array`: samples in [-1, 1], encoded to the stream's encoding;
 * - `Int16Array`: 16-bit linear samples, written as is for `pcm_s16le`, converted otherwise;
 * - `Uint8Array` (and Node's `Buffer`): bytes already in the stream's encoding, sent unchanged.
 */
export type AudioSamples = Float32Array | Int16Array | Uint8Array;

/** Bytes per frame (one sample of every channel). */
export function frameBytes(encoding: PcmEncoding, channels: number): number {
  return bytesPerSample(encoding) * channels;
}

function checkWhole(length: number, unit: number, what: string): void {
  if (length % unit !== 0) {
    throw new AudioError(
      'ODD_BYTE_COUNT',
      `${what} of length ${length} is not a whole number of frames of ${unit}`,
    );
  }
}

function int16ToLe(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  for (let i = 0, j = 0; i < samples.length; i++, j += 2) {
    const s = samples[i]!;
    bytes[j] = s & 0xff;
    bytes[j + 1] = (s >> 8) & 0xff;
  }
  return bytes;
}

/**
 * Encodes samples for the wire. The result holds whole frames.
 *
 * @returns The input itself for a `Uint8Array`, otherwise a fresh array.
 * @throws {AudioError} `ODD_BYTE_COUNT` when the input is not a whole number of frames (the server would
 * close the stream for it), `NON_FINITE_SAMPLE` for NaN or infinite floats.
 */
export function encodeAudio(samples: AudioSamples, encoding: PcmEncoding, channels: number): Uint8Array {
  if (samples instanceof Uint8Array) {
    checkWhole(samples.length, frameBytes(encoding, channels), `${encoding} byte array`);
    return samples;
  }
  checkWhole(samples.length, channels, `${samples.constructor.name} of ${channels}-channel samples`);
  if (samples instanceof Int16Array) {
    if (encoding === 'pcm_s16le') return int16ToLe(samples);
    const floats = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) floats[i] = samples[i]! / 32768;
    return encodePcm(floats, encoding);
  }
  return encodePcm(samples, encoding);
}

/**
 * Splits encoded audio into messages of whole frames, each at most `maxMessageBytes` (views, no copy).
 * Concatenated, they equal `bytes`.
 *
 * @throws {RangeError} when one frame does not fit in `maxMessageBytes`, or `bytes` is not whole frames.
 */
export function* chunkBytes(
  bytes: Uint8Array,
  frameSize: number,
  maxMessageBytes: number,
): Generator<Uint8Array> {
  const step = Math.floor(maxMessageBytes / frameSize) * frameSize;
  if (!(step > 0))
    throw new RangeError(`a ${frameSize}-byte frame does not fit in ${maxMessageBytes}-byte messages`);
  if (bytes.length % frameSize !== 0) {
    throw new RangeError(`${bytes.length} bytes are not a whole number of ${frameSize}-byte frames`);
  }
  for (let offset = 0; offset < bytes.length; offset += step) {
    yield bytes.subarray(offset, Math.min(offset + step, bytes.length));
  }
}
