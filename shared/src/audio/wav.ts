import { AudioError } from '../errors.ts';

/** Sample encodings {@link encodeWav} writes: integer PCM at 8/16/24/32 bits or IEEE float at 32/64. */
export interface WavEncodeOptions {
  /** Bits per sample. 8-bit is unsigned (offset 128) as the format requires; wider integers are signed. */
  bitDepth: 8 | 16 | 24 | 32 | 64;
  /** Write IEEE float samples (bit depth 32 or 64) instead of integers. Default false. */
  float?: boolean;
  /** Channels interleaved in `samples`. Default 1. */
  channels?: number;
}

/** What {@link readWavHeader} learns from a WAV file's header. */
export interface WavHeader {
  /** `pcm` for integer samples, `float` for IEEE float, `other` for anything else (G.711, ADPCM, ...). */
  encoding: 'pcm' | 'float' | 'other';
  /** The WAVE format tag (1 PCM, 3 float, 6 A-law, 7 mu-law, ...), the sub-format's for EXTENSIBLE files. */
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitDepth: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /**
   * Bytes of audio the header declares, or `undefined` when it says "unknown" (0 or 0xFFFFFFFF, which
   * streaming writers leave behind) and the data runs to the end of the file.
   */
  dataBytes: number | undefined;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Encodes samples as a RIFF/WAVE file. Integers are quantised with the same asymmetric scale that
 * common decoders use to read them back (negative values times 2^(bits-1), positive values times
 * 2^(bits-1) - 1), so a decode of the result returns every sample within half a quantisation step,
 * and 16-bit values that are already on the grid come back exactly. Values outside [-1, 1] clip.
 *
 * Float files carry the `fact` chunk and the extended `fmt ` chunk that the format requires for
 * non-PCM data; integer files use the plain 16-byte `fmt ` chunk every reader accepts.
 *
 * @param samples - Interleaved samples in [-1, 1], `channels` per frame.
 * @param sampleRate - Samples per second per channel, a positive integer.
 * @param options - Bit depth, float or integer, channel count.
 * @returns The complete file.
 * @throws {AudioError} `BAD_OPTIONS` for an impossible depth/float combination or sample rate,
 * `BAD_CHANNEL_COUNT` when `samples` does not divide into whole frames, `NON_FINITE_SAMPLE` for NaN
 * or infinite samples.
 *
 * @example
 * ```ts
 * const bytes = encodeWav(tone, 48000, { bitDepth: 24, channels: 2 });
 * await writeFile('tone.wav', bytes);
 * ```
 */
export function encodeWav(samples: Float32Array, sampleRate: number, options: WavEncodeOptions): Uint8Array {
  const { bitDepth, float = false, channels = 1 } = options;
  const validDepth = float ? bitDepth === 32 || bitDepth === 64 : [8, 16, 24, 32].includes(bitDepth);
  if (!validDepth) {
    throw new AudioError(
      'BAD_OPTIONS',
      `cannot write ${float ? 'float' : 'integer'} WAV at ${bitDepth} bits`,
    );
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 0xffffffff) {
    throw new AudioError('BAD_OPTIONS', `sample rate must be a positive integer, got ${sampleRate}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff || samples.length % channels !== 0) {
    throw new AudioError(
      'BAD_CHANNEL_COUNT',
      `${samples.length} samples do not divide into whole frames of ${channels} channels`,
    );
  }
  const bytesPerSample = bitDepth / 8;
  const dataBytes = samples.length * bytesPerSample;
  const fmtBytes = float ? 18 : 16;
  const factBytes = float ? 12 : 0;
  const pad = dataBytes % 2; // RIFF chunks are word-aligned
  const headerBytes = 12 + 8 + fmtBytes + factBytes + 8;
  const out = new Uint8Array(headerBytes + dataBytes + pad);
  const view = new DataView(out.buffer);
  let p = 0;
  const tag = (s: string) => {
    for (let i = 0; i < 4; i++) out[p++] = s.charCodeAt(i);
  };
  const u32 = (v: number) => {
    view.setUint32(p, v, true);
    p += 4;
  };
  const u16 = (v: number) => {
    view.setUint16(p, v, true);
    p += 2;
  };
  tag('RIFF');
  u32(out.length - 8);
  tag('WAVE');
  tag('fmt ');
  u32(fmtBytes);
  u16(float ? FORMAT_FLOAT : FORMAT_PCM);
  u16(channels);
  u32(sampleRate);
  u32(sampleRate * channels * bytesPerSample);
  u16(channels * bytesPerSample);
  u16(bitDepth);
  if (float) {
    u16(0); // cbSize: no extension
    tag('fact');
    u32(4);
    u32(samples.length / channels);
  }
  tag('data');
  u32(dataBytes);
  writeSamples(samples, view, p, bitDepth, float);
  return out;
}

function writeSamples(x: Float32Array, view: DataView, offset: number, bits: number, float: boolean): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new AudioError('NON_FINITE_SAMPLE', `sample ${i} is ${x[i]}; WAV cannot hold non-finite values`);
    }
  }
  if (float) {
    for (let i = 0, p = offset; i < n; i++, p += bits / 8) {
      if (bits === 32) view.setFloat32(p, x[i]!, true);
      else view.setFloat64(p, x[i]!, true);
    }
    return;
  }
  const neg = 2 ** (bits - 1);
  const pos = neg - 1;
  for (let i = 0, p = offset; i < n; i++, p += bits / 8) {
    const v = Math.max(-1, Math.min(1, x[i]!));
    const q = Math.round(v < 0 ? v * neg : v * pos);
    if (bits === 8) view.setUint8(p, q + 128);
    else if (bits === 16) view.setInt16(p, q, true);
    else if (bits === 32) view.setInt32(p, q, true);
    else {
      view.setUint8(p, q & 0xff);
      view.setUint8(p + 1, (q >> 8) & 0xff);
      view.setUint8(p + 2, (q >> 16) & 0xff);
    }
  }
}

/**
 * Reads the header of a RIFF/WAVE file: format, layout, and where the samples are. It does not
 * decode samples; its job is to let callers reject a file before decoding, in particular one whose
 * header declares more audio than the file holds (a truncated upload), which decoders tend to accept
 * silently.
 *
 * @param bytes - The whole file, or at least everything up to the start of the `data` chunk.
 * @returns The header, or `undefined` when `bytes` is not a WAV file or its chunks are malformed
 * (no `fmt ` before `data`, a chunk running past the end).
 */
export function readWavHeader(bytes: Uint8Array): WavHeader | undefined {
  if (bytes.length < 12 || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: Omit<WavHeader, 'dataOffset' | 'dataBytes'> | undefined;
  for (let p = 12; p + 8 <= bytes.length; ) {
    const id = ascii(bytes, p);
    const size = view.getUint32(p + 4, true);
    if (id === 'fmt ') {
      if (size < 16 || p + 8 + size > bytes.length) return undefined;
      let format = view.getUint16(p + 8, true);
      if (format === FORMAT_EXTENSIBLE && size >= 40) format = view.getUint16(p + 32, true);
      fmt = {
        encoding: format === FORMAT_PCM ? 'pcm' : format === FORMAT_FLOAT ? 'float' : 'other',
        formatTag: format,
        channels: view.getUint16(p + 10, true),
        sampleRate: view.getUint32(p + 12, true),
        bitDepth: view.getUint16(p + 22, true),
      };
    } else if (id === 'data') {
      if (!fmt) return undefined;
      const unknown = size === 0 || size === 0xffffffff;
      return { ...fmt, dataOffset: p + 8, dataBytes: unknown ? undefined : size };
    }
    p += 8 + size + (size % 2);
  }
  return undefined;
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}
