import decode, { type AudioData } from 'audio-decode';
import { AudioError } from '../errors.ts';
import { resampleOffline } from './resample.ts';
import { readWavHeader } from './wav.ts';

/** Container and codec of a file {@link decodeAudioFile} accepts. */
export type AudioFileFormat = 'wav' | 'flac' | 'mp3' | 'ogg-vorbis' | 'ogg-opus';

/** Options of {@link decodeAudioFile}. */
export interface DecodeOptions {
  /** Rate of the returned samples in Hz, from 1000 to 192000. */
  targetRate: number;
}

/** Defaults merged under the options given to {@link decodeAudioFile}. */
export const defaultDecodeOptions: DecodeOptions = { targetRate: 16000 };

/** A decoded file: mono samples at the target rate, and what the file held before conversion. */
export interface DecodedAudio {
  /** Mono samples (channels averaged) at `sampleRate`. */
  samples: Float32Array;
  /** The target rate. */
  sampleRate: number;
  /** `samples.length / sampleRate`. */
  durationS: number;
  original: {
    /** Rate the codec decoded at (always 48000 for Opus). */
    sampleRate: number;
    /** Channels the file declares. */
    channels: number;
    format: AudioFileFormat;
  };
}

/**
 * Decodes a WAV (integer PCM 8/16/24/32-bit, float 32/64-bit, G.711, ADPCM), FLAC, MP3, Ogg Vorbis or
 * Ogg Opus file to mono at `targetRate` (default 16 kHz). Channels are averaged; any input rate from
 * 1 to 192 kHz is converted with {@link resampleOffline}, so sample `i` sits at time `i / targetRate`
 * of the file and the length is round(frames * targetRate / fileRate).
 *
 * Decoders skip damaged frames silently, so the file's own bookkeeping is checked: a WAV whose `data`
 * chunk declares more bytes than the file holds, a FLAC that yields fewer samples than its STREAMINFO
 * declares, and an Ogg stream with a missing, cut or CRC-failing page or no end-of-stream page all
 * count as truncated or corrupt. MP3 has no such bookkeeping (only an optional Xing frame count), so a
 * damaged MP3 decodes to the frames that survive.
 *
 * Reading a path needs Node (`node:fs` is loaded only then); bytes work everywhere.
 *
 * @param pathOrBytes - A file path, or the whole file's bytes.
 * @param options - Overrides of {@link defaultDecodeOptions}.
 * @throws {AudioError} Every failure is an `AudioError`:
 * - `DECODE_FAILED`: the path cannot be read (the message names it), or the file is truncated or
 *   corrupt (the decoder's error, if any, is the `cause`);
 * - `UNSUPPORTED_FORMAT`: empty or unrecognised bytes ("not a recognised audio file"), a WAV encoding
 *   or bit depth other than those above, or an Ogg codec other than Vorbis and Opus;
 * - `EMPTY_INPUT`: a well-formed file with no samples;
 * - `NON_FINITE_SAMPLE`: a float file holding NaN or infinity;
 * - `UNSUPPORTED_SAMPLE_RATE`: a file rate outside 1 to 192 kHz;
 * - `BAD_OPTIONS`: a bad `targetRate`.
 *
 * @example
 * ```ts
 * const { samples, durationS } = await decodeAudioFile('clip.flac');
 * ```
 */
export async function decodeAudioFile(
  pathOrBytes: string | Uint8Array,
  options: Partial<DecodeOptions> = {},
): Promise<DecodedAudio> {
  const { targetRate } = { ...defaultDecodeOptions, ...options };
  if (!Number.isInteger(targetRate) || targetRate < 1000 || targetRate > 192_000) {
    throw new AudioError(
      'BAD_OPTIONS',
      `targetRate must be an integer from 1000 to 192000 Hz, got ${targetRate}`,
    );
  }
  const bytes = typeof pathOrBytes === 'string' ? await readBytes(pathOrBytes) : pathOrBytes;
  const what = typeof pathOrBytes === 'string' ? `'${pathOrBytes}'` : 'audio data';
  const file = inspect(bytes, what);
  const decoded = await runDecoder(file, what);
  const frames = decoded.reduce((n, part) => n + (part.channelData[0]?.length ?? 0), 0);
  if (file.declaredFrames !== undefined && frames < file.declaredFrames - file.slackFrames) {
    throw new AudioError(
      'DECODE_FAILED',
      `${what} is truncated or corrupt: decoded ${frames} of the ${file.declaredFrames} samples it declares`,
    );
  }
  const sampleRate = decoded[0]?.sampleRate ?? 0;
  if (frames === 0) throw new AudioError('EMPTY_INPUT', `${what} holds no audio samples`);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new AudioError('DECODE_FAILED', `${what} decoded at an invalid sample rate ${sampleRate}`);
  }
  const mono = monoOf(decoded, frames, what);
  const samples = await resampleOffline(mono, sampleRate, targetRate);
  return {
    samples,
    sampleRate: targetRate,
    durationS: samples.length / targetRate,
    original: {
      sampleRate,
      channels: file.channels ?? decoded[0]?.channelData.length ?? 1,
      format: file.format,
    },
  };
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const { readFile } = await import('node:fs/promises');
    return await readFile(path);
  } catch (cause) {
    const reason = (cause as { code?: string }).code ?? String(cause);
    throw new AudioError('DECODE_FAILED', `cannot read audio file '${path}': ${reason}`, { cause });
  }
}

/** What the container says before any decoding. */
interface FileInfo {
  format: AudioFileFormat;
  decoder: 'wav' | 'flac' | 'mp3' | 'oga' | 'opus';
  /** The bytes to decode: the input without a leading ID3 tag. */
  bytes: Uint8Array;
  channels: number | undefined;
  /** Samples per channel the header promises, when it does. */
  declaredFrames: number | undefined;
  /** How many fewer samples than declared a healthy decode may still return. */
  slackFrames: number;
}

// WAVE format tags the decoder reads: PCM, MS ADPCM, IEEE float, A-law, mu-law, IMA ADPCM.
const WAV_CODECS = new Set([1, 2, 3, 6, 7, 0x11]);

function inspect(bytes: Uint8Array, what: string): FileInfo {
  const corrupt = (why: string) => new AudioError('DECODE_FAILED', `${what} is corrupt: ${why}`);
  if (isAscii(bytes, 0, 'RIFF') && isAscii(bytes, 8, 'WAVE')) {
    const h = readWavHeader(bytes);
    if (!h) throw corrupt('no readable fmt and data chunks');
    if (h.channels === 0 || h.sampleRate === 0) throw corrupt('header declares zero channels or zero rate');
    const depths = h.encoding === 'pcm' ? [8, 16, 24, 32] : h.encoding === 'float' ? [32, 64] : undefined;
    if (!WAV_CODECS.has(h.formatTag) || (depths && !depths.includes(h.bitDepth))) {
      throw new AudioError(
        'UNSUPPORTED_FORMAT',
        `${what} is a WAV file in an unsupported encoding (format 0x${h.formatTag.toString(16)}, ${h.bitDepth} bits)`,
      );
    }
    if (h.dataBytes !== undefined && h.dataOffset + h.dataBytes > bytes.length) {
      throw new AudioError(
        'DECODE_FAILED',
        `${what} is truncated: its header declares ${h.dataBytes} bytes of audio but only ` +
          `${Math.max(0, bytes.length - h.dataOffset)} follow`,
      );
    }
    return {
      format: 'wav',
      decoder: 'wav',
      bytes,
      channels: h.channels,
      declaredFrames: undefined,
      slackFrames: 0,
    };
  }
  if (isAscii(bytes, 0, 'OggS')) return inspectOgg(bytes, what);
  // FLAC and MP3 files may start with an ID3v2 tag, which the decoders need not understand.
  const body = bytes.subarray(id3v2Length(bytes));
  if (isAscii(body, 0, 'fLaC')) {
    // STREAMINFO must be the first metadata block: type 0, at least 34 bytes.
    if (body.length < 42 || (body[4]! & 0x7f) !== 0) throw corrupt('no FLAC STREAMINFO block');
    const channels = ((body[20]! >> 1) & 7) + 1;
    const total = (body[21]! & 0x0f) * 2 ** 32 + new DataView(body.buffer, body.byteOffset).getUint32(22);
    // A total of 0 means "unknown", which encoders of live streams write.
    return {
      format: 'flac',
      decoder: 'flac',
      bytes: body,
      channels,
      declaredFrames: total || undefined,
      slackFrames: 0,
    };
  }
  const mp3 = mp3Start(body);
  if (mp3) {
    if (mp3.firstFrameEnd > body.length) throw corrupt('truncated inside its first MPEG frame');
    return {
      format: 'mp3',
      decoder: 'mp3',
      bytes: body,
      channels: mp3.channels,
      declaredFrames: undefined,
      slackFrames: 0,
    };
  }
  throw new AudioError(
    'UNSUPPORTED_FORMAT',
    `${what} is not a recognised audio file (${bytes.length} bytes; expected WAV, FLAC, MP3, Ogg Vorbis or Ogg Opus)`,
  );
}

function inspectOgg(bytes: Uint8Array, what: string): FileInfo {
  // The first page carries only the codec's identification packet.
  const packet = 27 + (bytes[26] ?? 0);
  const opus = isAscii(bytes, packet, 'OpusHead');
  if (!opus && !(bytes[packet] === 1 && isAscii(bytes, packet + 1, 'vorbis'))) {
    throw new AudioError(
      'UNSUPPORTED_FORMAT',
      `${what} is an Ogg file with a codec other than Vorbis or Opus`,
    );
  }
  const pages = walkOggPages(bytes);
  if (typeof pages === 'string')
    throw new AudioError('DECODE_FAILED', `${what} is truncated or corrupt: ${pages}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The last granule position counts the stream's samples (at 48 kHz for Opus, which also counts the
  // pre-skip the decoder drops). Decoders may trim a little more at the edges, hence a 0.1 s slack.
  const rate = opus ? 48000 : view.getUint32(packet + 12, true);
  const preSkip = opus ? view.getUint16(packet + 10, true) : 0;
  return {
    format: opus ? 'ogg-opus' : 'ogg-vorbis',
    decoder: opus ? 'opus' : 'oga',
    bytes,
    channels: bytes[packet + (opus ? 9 : 11)],
    declaredFrames: pages.lastGranule === undefined ? undefined : pages.lastGranule - preSkip,
    slackFrames: Math.round(rate / 10),
  };
}

/**
 * Walks every Ogg page and returns the last granule position (`undefined` if unset), or what is
 * wrong: pages must follow each other without gaps, be complete, pass their CRC, and the last must
 * close the stream. The decoders skip bad pages without a word, so this is the only way to notice.
 */
function walkOggPages(b: Uint8Array): { lastGranule: number | undefined } | string {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let flags = 0;
  let granule: number | undefined;
  for (let p = 0; p < b.length; ) {
    if (!isAscii(b, p, 'OggS') || p + 27 > b.length) return `no Ogg page where one should start (byte ${p})`;
    const segments = b[p + 26]!;
    let end = p + 27 + segments;
    if (end > b.length) return `the page at byte ${p} is cut short`;
    for (let i = p + 27; i < p + 27 + segments; i++) end += b[i]!;
    if (end > b.length) return `the page at byte ${p} is cut short`;
    if (oggCrc(b, p, end) !== view.getUint32(p + 22, true)) return `the page at byte ${p} fails its CRC`;
    flags = b[p + 5]!;
    const high = view.getUint32(p + 10, true);
    // All ones means "no packet ends on this page"; beyond 2^53 is corrupt, not a real count.
    granule = high >= 0x200000 ? undefined : high * 2 ** 32 + view.getUint32(p + 6, true);
    p = end;
  }
  return flags & 4 ? { lastGranule: granule } : 'the stream has no end-of-stream page';
}

const OGG_CRC_TABLE = Uint32Array.from({ length: 256 }, (_, i) => {
  let r = i << 24;
  for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  return r >>> 0;
});

/** CRC-32 of an Ogg page (polynomial 0x04C11DB7, unreflected) with its own CRC field read as zero. */
function oggCrc(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const byte = i >= start + 22 && i < start + 26 ? 0 : b[i]!;
    crc = ((crc << 8) ^ OGG_CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  }
  return crc;
}

async function runDecoder(file: FileInfo, what: string): Promise<AudioData[]> {
  try {
    const dec = await decode[file.decoder]();
    const first = await dec(file.bytes);
    // Calling with no chunk ends the stream: it returns the decoder's tail and frees it.
    const tail = await dec();
    return [first, tail].filter((part) => (part.channelData[0]?.length ?? 0) > 0);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AudioError('DECODE_FAILED', `cannot decode ${what} as ${file.format}: ${reason}`, { cause });
  }
}

/** Averages the channels of every decoded part into one mono buffer, rejecting non-finite samples. */
function monoOf(parts: AudioData[], frames: number, what: string): Float32Array {
  const single = parts.length === 1 ? parts[0]!.channelData : undefined;
  // A single mono part is already the answer; copying it would double peak memory for long files.
  const mono = single?.length === 1 ? single[0]! : new Float32Array(frames);
  let at = 0;
  for (const { channelData: chs } of parts) {
    const n = chs[0]!.length;
    if (chs.length === 1) {
      if (chs[0] !== mono) mono.set(chs[0]!, at);
    } else if (chs.length === 2) {
      const [l, r] = chs as [Float32Array, Float32Array];
      for (let i = 0; i < n; i++) mono[at + i] = (l[i]! + r[i]!) * 0.5;
    } else {
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let c = 0; c < chs.length; c++) sum += chs[c]![i]!;
        mono[at + i] = sum / chs.length;
      }
    }
    at += n;
  }
  for (let i = 0; i < frames; i++) {
    if (!Number.isFinite(mono[i]!)) {
      throw new AudioError(
        'NON_FINITE_SAMPLE',
        `${what} holds a non-finite sample (${mono[i]}) at frame ${i}`,
      );
    }
  }
  return mono;
}

function isAscii(b: Uint8Array, at: number, s: string): boolean {
  if (at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** Length of a leading ID3v2 tag (header, synchsafe size, optional footer), or 0. */
function id3v2Length(b: Uint8Array): number {
  if (b.length < 10 || !isAscii(b, 0, 'ID3')) return 0;
  const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
  return Math.min(b.length, 10 + size + (b[5]! & 0x10 ? 10 : 0));
}

const MP3_KBPS = {
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] } as const;

/**
 * The first frame of an MPEG layer III stream starting at (or, after zero padding, near) the start of
 * `b`, or `undefined` if there is none. A lone sync word is too likely in random bytes, so the frame
 * that follows must be valid too when the data reaches that far.
 */
function mp3Start(b: Uint8Array): { channels: number; firstFrameEnd: number } | undefined {
  let p = 0;
  while (p < b.length && p < 4096 && b[p] === 0) p++;
  const first = mp3Frame(b, p);
  if (!first) return undefined;
  if (p + first.bytes + 4 <= b.length && !mp3Frame(b, p + first.bytes)) return undefined;
  return { channels: first.channels, firstFrameEnd: p + first.bytes };
}

function mp3Frame(b: Uint8Array, p: number): { bytes: number; channels: number } | undefined {
  if (p + 4 > b.length || b[p] !== 0xff || (b[p + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (b[p + 1]! >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5, 1 reserved
  const layer = (b[p + 1]! >> 1) & 3; // 1 = layer III
  const bitrateIndex = b[p + 2]! >> 4;
  const rateIndex = (b[p + 2]! >> 2) & 3;
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3)
    return undefined;
  const rate = MP3_RATES[version as 0 | 2 | 3][rateIndex]!;
  const kbps = (version === 3 ? MP3_KBPS.v1 : MP3_KBPS.v2)[bitrateIndex]!;
  const padding = (b[p + 2]! >> 1) & 1;
  const bytes = Math.floor(((version === 3 ? 144 : 72) * kbps * 1000) / rate) + padding;
  return { bytes, channels: b[p + 3]! >> 6 === 3 ? 1 : 2 };
}
