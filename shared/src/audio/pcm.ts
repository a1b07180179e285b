import { AudioError } from '../errors.ts';

/**
 * Every PCM sample encoding the service accepts on the wire. Exported as a tuple so that boundary
 * validation (e.g. `z.enum(PCM_ENCODINGS)`) and the {@link PcmEncoding} type cannot drift apart.
 */
export const PCM_ENCODINGS = ['pcm_s16le', 'pcm_f32le', 'mulaw', 'alaw'] as const;

/**
 * A PCM sample encoding: signed 16-bit little-endian, IEEE 754 32-bit float little-endian, or 8-bit
 * ITU-T G.711 mu-law / A-law (the telephony encodings, normally at 8 kHz).
 */
export type PcmEncoding = (typeof PCM_ENCODINGS)[number];

/**
 * Largest channel count a client may declare. Speech never needs more, and a bound keeps a hostile
 * or buggy client from making the server size buffers from an absurd number.
 */
export const MAX_PCM_CHANNELS = 8;

/** Type guard for values coming from untyped sources (JSON messages, query strings). */
export function isPcmEncoding(value: unknown): value is PcmEncoding {
  return typeof value === 'string' && (PCM_ENCODINGS as readonly string[]).includes(value);
}

/**
 * Size in bytes of one sample (one channel) in `encoding`.
 *
 * @throws {AudioError} `UNSUPPORTED_ENCODING` when `encoding` is not a {@link PcmEncoding}; the type
 * system cannot stop a string that came off the wire unchecked.
 */
export function bytesPerSample(encoding: PcmEncoding): 1 | 2 | 4 {
  switch (encoding) {
    case 'pcm_s16le':
      return 2;
    case 'pcm_f32le':
      return 4;
    case 'mulaw':
    case 'alaw':
      return 1;
    default:
      throw new AudioError('UNSUPPORTED_ENCODING', `unsupported PCM encoding ${JSON.stringify(encoding)}`);
  }
}

// Multiplying by an exact power of two gives bit-identical results to dividing, and is cheaper.
const INV_INT16_SCALE = 1 / 32768;

/*
 * G.711 arithmetic follows the ITU-T G.191 reference implementation (g711.c, ulaw_expand /
 * ulaw_compress / alaw_expand / alaw_compress), scaled to 16-bit linear: mu-law works on 14 bits
 * (<< 2) and A-law on 13 bits (<< 3). The widely copied Sun Microsystems g711.c decodes identically,
 * but its mu-law encoder negates negative input after an arithmetic shift; G.191 takes the one's
 * complement, which makes negative input the exact mirror of positive input, so we follow G.191.
 */

function mulawToLinear16(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  // `| 0` turns the -0 that code 0x7F would produce into the integer 0 that G.711 specifies, so both
  // zero codes decode to the same float bits.
  return u & 0x80 ? -magnitude | 0 : magnitude;
}

function alawToLinear16(code: number): number {
  const a = code ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : (((mantissa + 16) << 4) + 8) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

function linear16ToMulaw(sample: number): number {
  // Clamping to 0x1FFF is the G.711 overload rule: everything above the top decision value maps to
  // the largest code of its sign.
  const biased = Math.min(((sample < 0 ? ~sample : sample) >> 2) + 33, 0x1fff);
  // biased is in [33, 8191]; a 6-bit value is segment 0, a 13-bit value is segment 7.
  const segment = 26 - Math.clz32(biased);
  const code = (segment << 4) | ((biased >> (segment + 1)) & 0x0f);
  return sample < 0 ? code ^ 0x7f : code ^ 0xff;
}

function linear16ToAlaw(sample: number): number {
  const magnitude = (sample < 0 ? ~sample : sample) >> 4;
  // Segments 0 and 1 share the same step, which is why segment 0 stores the magnitude as is.
  let code = magnitude;
  if (magnitude >= 16) {
    const segment = 28 - Math.clz32(magnitude);
    code = (segment << 4) | ((magnitude >> (segment - 1)) & 0x0f);
  }
  return sample < 0 ? code ^ 0x55 : code ^ 0xd5;
}

function buildDecodeTable(toLinear16: (code: number) => number): Float32Array {
  const table = new Float32Array(256);
  for (let code = 0; code < 256; code++) table[code] = toLinear16(code) * INV_INT16_SCALE;
  return table;
}

// Built once at load: a 1 KiB table lookup is the cheapest possible G.711 decode on the hot path.
const MULAW_DECODE = buildDecodeTable(mulawToLinear16);
const ALAW_DECODE = buildDecodeTable(alawToLinear16);

/** Rounds half up and saturates, so full-scale +1.0 encodes as 32767 instead of wrapping. */
function floatToInt16(value: number): number {
  const scaled = Math.round(value * 32768);
  return Math.min(32767, Math.max(-32768, scaled));
}

function checkByteCount(byteCount: number, blockBytes: number, what: string): void {
  if (byteCount === 0) throw new AudioError('EMPTY_INPUT', 'PCM input is empty');
  if (byteCount % blockBytes !== 0) {
    throw new AudioError(
      'ODD_BYTE_COUNT',
      `PCM input of ${byteCount} bytes is not a whole number of ${what} (${blockBytes} bytes each)`,
    );
  }
}

function outputBuffer(out: Float32Array | undefined, length: number): Float32Array {
  if (out === undefined) return new Float32Array(length);
  // A short buffer is a caller bug, not bad client input, so it is not an AudioError.
  if (out.length < length) {
    throw new RangeError(`output buffer holds ${out.length} samples but ${length} are needed`);
  }
  return out.length === length ? out : out.subarray(0, length);
}

function decodeChecked(
  bytes: Uint8Array,
  encoding: PcmEncoding,
  sampleCount: number,
  out: Float32Array | undefined,
): Float32Array {
  const dst = outputBuffer(out, sampleCount);
  switch (encoding) {
    case 'pcm_s16le':
      // Assembling from bytes instead of an Int16Array view works at any byteOffset and on any host
      // endianness.
      for (let i = 0, j = 0; i < sampleCount; i++, j += 2) {
        dst[i] = (((bytes[j + 1]! << 24) >> 16) | bytes[j]!) * INV_INT16_SCALE;
      }
      break;
    case 'pcm_f32le': {
      // A Float32Array view would throw on the odd offsets that ws hands out; DataView does not care.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < sampleCount; i++) {
        const value = view.getFloat32(i * 4, true);
        if (!Number.isFinite(value)) {
          throw new AudioError('NON_FINITE_SAMPLE', `pcm_f32le sample ${i} is ${value}`);
        }
        dst[i] = value;
      }
      break;
    }
    case 'mulaw':
      for (let i = 0; i < sampleCount; i++) dst[i] = MULAW_DECODE[bytes[i]!]!;
      break;
    case 'alaw':
      for (let i = 0; i < sampleCount; i++) dst[i] = ALAW_DECODE[bytes[i]!]!;
      break;
  }
  return dst;
}

/**
 * Decodes little-endian or G.711 PCM bytes to float samples. Integer encodings land in [-1, 1):
 * s16 as `v / 32768`, mu-law and A-law as their G.711 16-bit linear value `/ 32768`. Float input is
 * passed through unchanged, including finite values outside [-1, 1]: clipping here would hide a gain
 * bug upstream, and every later stage copes with over-range samples.
 *
 * `bytes` may start at any byteOffset (Node Buffers sliced from a pool usually do). The result is
 * `out` (or a prefix view of it) when given, so a long-lived stream can decode without allocating;
 * its contents are unspecified if decoding throws.
 *
 * @param bytes - Raw sample bytes; must not overlap `out`.
 * @param encoding - How the bytes encode each sample.
 * @param out - Optional destination with room for at least `bytes.length / bytesPerSample` samples.
 * @returns One float per encoded sample, interleaved exactly as the input was.
 * @throws {AudioError} `UNSUPPORTED_ENCODING`, `EMPTY_INPUT`, `ODD_BYTE_COUNT` (length not a multiple
 * of the sample size) or `NON_FINITE_SAMPLE` (NaN or ±Infinity in f32 input; the message gives the
 * sample index).
 * @throws {RangeError} when `out` is too short.
 *
 * @example
 * ```ts
 * const samples = decodePcm(message, 'mulaw'); // 8 kHz telephony payload, one byte per sample
 * ```
 */
export function decodePcm(bytes: Uint8Array, encoding: PcmEncoding, out?: Float32Array): Float32Array {
  const size = bytesPerSample(encoding);
  checkByteCount(bytes.length, size, 'samples');
  return decodeChecked(bytes, encoding, bytes.length / size, out);
}

/**
 * Decodes one binary stream message holding whole interleaved frames (one sample per channel). The
 * protocol forbids splitting a frame across messages, so a partial trailing frame is rejected
 * rather than carried over: carrying state would let a client silently shift every later sample
 * into the wrong channel.
 *
 * @param bytes - One message payload, at any byteOffset.
 * @param encoding - How the bytes encode each sample.
 * @param channels - Interleaved channel count declared by the client, an integer in
 * 1..{@link MAX_PCM_CHANNELS}.
 * @param out - Optional destination, as for {@link decodePcm}.
 * @returns Interleaved float samples; pass to `downmix` for mono.
 * @throws {AudioError} `BAD_CHANNEL_COUNT` for an invalid `channels`, `ODD_BYTE_COUNT` when the
 * length is not a multiple of `bytesPerSample(encoding) * channels`, and everything
 * {@link decodePcm} throws.
 *
 * @example
 * ```ts
 * const mono = downmix(decodePcmFrame(message, 'pcm_s16le', 2), 2);
 * ```
 */
export function decodePcmFrame(
  bytes: Uint8Array,
  encoding: PcmEncoding,
  channels: number,
  out?: Float32Array,
): Float32Array {
  const size = bytesPerSample(encoding);
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_PCM_CHANNELS) {
    throw new AudioError(
      'BAD_CHANNEL_COUNT',
      `channel count must be an integer from 1 to ${MAX_PCM_CHANNELS}, got ${channels}`,
    );
  }
  checkByteCount(bytes.length, size * channels, `${channels}-channel ${encoding} frames`);
  return decodeChecked(bytes, encoding, bytes.length / size, out);
}

/**
 * Encodes float samples, the inverse of {@link decodePcm}, for tests, the client SDK and load
 * generators. Integer encodings first map to 16-bit linear by `round(v * 32768)` (halves round up)
 * saturated to [-32768, 32767]; mu-law and A-law then apply the G.711 encoder, whose overload rule
 * maps anything beyond the top decision value to the largest code. f32 is written bit for bit, so
 * over-range finite values survive a round trip. Empty input gives empty output.
 *
 * Mu-law has two codes for zero: 0xFF (+0) and 0x7F (-0). Both decode to 0, and 0 encodes to 0xFF,
 * so 0x7F is the one code that does not survive decode-then-encode; G.711 specifies it this way.
 *
 * @param samples - Float samples, interleaved if multi-channel.
 * @param encoding - Target encoding.
 * @returns A fresh, aligned byte array of `samples.length * bytesPerSample(encoding)` bytes.
 * @throws {AudioError} `NON_FINITE_SAMPLE` for NaN or ±Infinity (the receiving side would reject them
 * anyway), `UNSUPPORTED_ENCODING` for an unknown encoding.
 *
 * @example
 * ```ts
 * socket.send(encodePcm(chunk, 'mulaw'));
 * ```
 */
export function encodePcm(samples: Float32Array, encoding: PcmEncoding): Uint8Array {
  const size = bytesPerSample(encoding);
  const n = samples.length;
  const bytes = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(samples[i]!)) {
      throw new AudioError('NON_FINITE_SAMPLE', `cannot encode sample ${i}: it is ${samples[i]}`);
    }
  }
  switch (encoding) {
    case 'pcm_s16le':
      for (let i = 0, j = 0; i < n; i++, j += 2) {
        const s = floatToInt16(samples[i]!);
        bytes[j] = s & 0xff;
        bytes[j + 1] = (s >> 8) & 0xff;
      }
      break;
    case 'pcm_f32le': {
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < n; i++) view.setFloat32(i * 4, samples[i]!, true);
      break;
    }
    case 'mulaw':
      for (let i = 0; i < n; i++) bytes[i] = linear16ToMulaw(floatToInt16(samples[i]!));
      break;
    case 'alaw':
      for (let i = 0; i < n; i++) bytes[i] = linear16ToAlaw(floatToInt16(samples[i]!));
      break;
  }
  return bytes;
}
