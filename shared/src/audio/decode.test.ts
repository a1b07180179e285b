import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import rawDecode from 'audio-decode';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioError, type AudioErrorCode } from '../errors.ts';
import { fitTone as fitToneAt } from '../testing/signals.ts';
import { decodeAudioFile } from './decode.ts';
import { resampledLength, resampleOffline } from './resample.ts';
import { encodeWav, type WavEncodeOptions } from './wav.ts';

// The corpora live beside the repository: /work/main/shared/src/audio -> /work/shared/data.
const DATA_DIR =
  process.env.EMOSTREAM_DATA ?? fileURLToPath(new URL('../../../../shared/data', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../testdata/audio', import.meta.url));

const flacFiles = (dir: string, count: number) =>
  readdirSync(join(DATA_DIR, dir))
    .filter((f) => f.endsWith('.flac'))
    .sort()
    .slice(0, count)
    .map((f) => join(DATA_DIR, dir, f));

/** `amp * sin(2 pi hz t)` per channel, interleaved, `seconds` long. */
function tones(rate: number, seconds: number, perChannel: { hz: number; amp: number }[]): Float32Array {
  const n = Math.round(rate * seconds);
  const ch = perChannel.length;
  const x = new Float32Array(n * ch);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < ch; c++) {
      const { hz, amp } = perChannel[c]!;
      x[i * ch + c] = amp * Math.sin((2 * Math.PI * hz * i) / rate);
    }
  }
  return x;
}

/** Least-squares amplitude and phase of a known frequency in a 16 kHz signal, over [from, to). */
const fitTone = (y: Float32Array, hz: number, from = 1600, to = y.length - 1600) =>
  fitToneAt(y, 16000, hz, from, to);

const db = (ratio: number) => 20 * Math.log10(ratio);

function rms(y: Float32Array): number {
  let s = 0;
  for (const v of y) s += v * v;
  return Math.sqrt(s / y.length);
}

/** 'ok' when decoding succeeds, else the AudioError code; anything else thrown fails the test. */
async function outcome(input: string | Uint8Array): Promise<'ok' | AudioErrorCode> {
  try {
    await decodeAudioFile(input);
    return 'ok';
  } catch (e) {
    if (!(e instanceof AudioError)) throw new Error(`expected an AudioError, got ${String(e)}`, { cause: e });
    return e.code;
  }
}

async function rejection(input: string | Uint8Array): Promise<AudioError> {
  const e = await decodeAudioFile(input).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(AudioError);
  return e as AudioError;
}

describe('decodeAudioFile on the speech corpora (16 kHz mono FLAC)', () => {
  it('finds the corpora beside the repository', () => {
    expect(readdirSync(join(DATA_DIR, 'ravdess', 'Actor_01')).length).toBeGreaterThan(0);
    expect(readdirSync(join(DATA_DIR, 'emodb', 'wav')).length).toBeGreaterThan(0);
  });

  it.each([
    ['ravdess/Actor_01', 1.5, 6],
    ['emodb/wav', 1, 9],
  ])('decodes %s clips to plausible, non-silent speech', async (dir, minS, maxS) => {
    for (const path of flacFiles(dir, 4)) {
      const clip = await decodeAudioFile(path);
      expect(clip.original).toEqual({ sampleRate: 16000, channels: 1, format: 'flac' });
      expect(clip.sampleRate).toBe(16000);
      expect(clip.durationS).toBeGreaterThan(minS);
      expect(clip.durationS).toBeLessThan(maxS);
      expect(clip.durationS).toBe(clip.samples.length / 16000);
      expect(rms(clip.samples)).toBeGreaterThan(1e-3);
      // 16 kHz needs no resampling, so the samples are the codec's own.
      const raw = await rawDecode(readFileSync(path));
      expect(clip.samples).toEqual(raw.channelData[0]);
    }
  });
});

describe('decodeAudioFile on generated WAV', () => {
  const formats: [string, WavEncodeOptions, number][] = [
    ['8-bit', { bitDepth: 8 }, 1 / 64],
    ['16-bit', { bitDepth: 16 }, 1e-4],
    ['24-bit', { bitDepth: 24 }, 1e-6],
    ['32-bit', { bitDepth: 32 }, 1e-6],
    ['32-bit float', { bitDepth: 32, float: true }, 1e-6],
    ['64-bit float', { bitDepth: 64, float: true }, 1e-6],
  ];
  const layouts = [
    { rate: 44100, channels: 1 },
    { rate: 48000, channels: 2 },
    { rate: 8000, channels: 2 },
    { rate: 16000, channels: 1 },
  ];

  describe.each(formats)('%s', (_name, format, tolerance) => {
    it.each(
      layouts,
    )('$rate Hz, $channels channel(s): 16 kHz mono matches the known signal', async (layout) => {
      const { rate, channels } = layout;
      // Channels differ in level, so a wrong downmix (sum, first channel only) changes the result.
      const levels =
        channels === 1
          ? [{ hz: 440, amp: 0.4 }]
          : [
              { hz: 440, amp: 0.5 },
              { hz: 440, amp: 0.3 },
            ];
      const bytes = encodeWav(tones(rate, 0.8, levels), rate, { ...format, channels });
      const clip = await decodeAudioFile(bytes);
      expect(clip.original).toEqual({ sampleRate: rate, channels, format: 'wav' });
      expect(clip.samples.length).toBe(Math.round(0.8 * 16000));
      const expected = await resampleOffline(tones(rate, 0.8, [{ hz: 440, amp: 0.4 }]), rate);
      let worst = 0;
      for (let i = 0; i < expected.length; i++)
        worst = Math.max(worst, Math.abs(clip.samples[i]! - expected[i]!));
      expect(worst).toBeLessThan(tolerance);
      const fit = fitTone(clip.samples, 440);
      expect(Math.abs(db(fit.amp / 0.4))).toBeLessThan(format.bitDepth === 8 ? 0.2 : 0.01);
      expect(Math.abs(fit.phase)).toBeLessThan(0.01);
    });
  });

  it.each([96000, 12000, 11127])('resamples an unusual rate (%i Hz) offline', async (rate) => {
    const clip = await decodeAudioFile(
      encodeWav(tones(rate, 0.5, [{ hz: 1000, amp: 0.5 }]), rate, { bitDepth: 24 }),
    );
    expect(clip.samples.length).toBe(resampledLength(Math.round(rate * 0.5), rate, 16000));
    expect(Math.abs(db(fitTone(clip.samples, 1000).amp / 0.5))).toBeLessThan(0.1);
  });

  it('honours targetRate', async () => {
    const clip = await decodeAudioFile(
      encodeWav(tones(44100, 0.5, [{ hz: 440, amp: 0.5 }]), 44100, { bitDepth: 16 }),
      {
        targetRate: 8000,
      },
    );
    expect(clip).toMatchObject({ sampleRate: 8000, durationS: 0.5 });
    expect(clip.samples.length).toBe(4000);
  });
});

describe('decodeAudioFile on lossy fixtures', () => {
  it('decodes MP3 (44.1 kHz mono): 1 s of 440 Hz at 0.5, time-aligned', async () => {
    const clip = await decodeAudioFile(join(FIXTURES, 'tone-440hz-44k1-mono.mp3'));
    expect(clip.original).toEqual({ sampleRate: 44100, channels: 1, format: 'mp3' });
    expect(Math.abs(clip.durationS - 1)).toBeLessThan(0.03);
    const fit = fitTone(clip.samples, 440);
    expect(Math.abs(db(fit.amp / 0.5))).toBeLessThan(1);
    expect(Math.abs(fit.phase)).toBeLessThan(0.05);
  });

  it.each([
    ['tone-440-660hz-48k-stereo.ogg', 'ogg-vorbis'],
    ['tone-440-660hz-48k-stereo.opus', 'ogg-opus'],
  ])('decodes %s: both channels averaged, time-aligned', async (file, format) => {
    const clip = await decodeAudioFile(join(FIXTURES, file));
    expect(clip.original).toEqual({ sampleRate: 48000, channels: 2, format });
    expect(Math.abs(clip.durationS - 1)).toBeLessThan(0.03);
    for (const hz of [440, 660]) {
      const fit = fitTone(clip.samples, hz);
      expect(Math.abs(db(fit.amp / 0.25))).toBeLessThan(1);
      expect(Math.abs(fit.phase)).toBeLessThan(0.05);
    }
  });
});

describe('decodeAudioFile on bad input', () => {
  const flac = () => new Uint8Array(readFileSync(flacFiles('ravdess/Actor_01', 1)[0]!));
  const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
  const wav = () => encodeWav(tones(16000, 0.5, [{ hz: 440, amp: 0.5 }]), 16000, { bitDepth: 16 });

  it('rejects empty and random bytes as UNSUPPORTED_FORMAT', async () => {
    const random = new Uint8Array(5000);
    let seed = 1;
    for (let i = 0; i < random.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      random[i] = seed >>> 24;
    }
    for (const bytes of [new Uint8Array(0), random]) {
      const e = await rejection(bytes);
      expect(e.code).toBe('UNSUPPORTED_FORMAT');
      expect(e.message).toContain('not a recognised audio file');
    }
    const empty = join(mkdtempSync(join(tmpdir(), 'decode-test-')), 'empty.wav');
    writeFileSync(empty, new Uint8Array(0));
    expect(await outcome(empty)).toBe('UNSUPPORTED_FORMAT');
  });

  it('rejects a missing path or a directory as DECODE_FAILED naming the path', async () => {
    const missing = join(tmpdir(), 'no-such-dir', 'clip.flac');
    const e = await rejection(missing);
    expect(e.code).toBe('DECODE_FAILED');
    expect(e.message).toContain(missing);
    expect(await outcome(tmpdir())).toBe('DECODE_FAILED');
  });

  it('rejects a FLAC cut after 1000 bytes, or with damaged frames, as DECODE_FAILED', async () => {
    const e = await rejection(flac().subarray(0, 1000));
    expect(e.code).toBe('DECODE_FAILED');
    expect(e.message).toMatch(/truncated or corrupt: decoded \d+ of the \d+ samples/);
    const damaged = flac();
    for (let i = 3000; i < damaged.length; i += 997) damaged[i]! ^= 0x21;
    expect(await outcome(damaged)).toBe('DECODE_FAILED');
  });

  it('rejects a WAV whose header declares more data than the file holds as DECODE_FAILED', async () => {
    const e = await rejection(wav().subarray(0, 5000));
    expect(e.code).toBe('DECODE_FAILED');
    expect(e.message).toContain('declares 16000 bytes of audio but only 4956 follow');
  });

  it('rejects a WAV in an encoding the decoder lacks (MP3-in-WAV, 12-bit) as UNSUPPORTED_FORMAT', async () => {
    const mp3InWav = wav();
    new DataView(mp3InWav.buffer).setUint16(20, 0x55, true);
    expect(await outcome(mp3InWav)).toBe('UNSUPPORTED_FORMAT');
    const twelveBit = wav();
    new DataView(twelveBit.buffer).setUint16(34, 12, true);
    expect(await outcome(twelveBit)).toBe('UNSUPPORTED_FORMAT');
  });

  it('rejects a well-formed WAV without samples as EMPTY_INPUT', async () => {
    expect(await outcome(encodeWav(new Float32Array(0), 16000, { bitDepth: 16 }))).toBe('EMPTY_INPUT');
  });

  it('rejects NaN in a float WAV as NON_FINITE_SAMPLE', async () => {
    const bytes = encodeWav(new Float32Array(100).fill(0.1), 16000, { bitDepth: 32, float: true });
    new DataView(bytes.buffer).setFloat32(bytes.length - 40, Number.NaN, true);
    expect(await outcome(bytes)).toBe('NON_FINITE_SAMPLE');
  });

  it('rejects truncated or damaged Ogg and MP3 data', async () => {
    for (const name of ['tone-440-660hz-48k-stereo.ogg', 'tone-440-660hz-48k-stereo.opus']) {
      const bytes = fixture(name);
      expect(await outcome(bytes.subarray(0, bytes.length - 100))).toBe('DECODE_FAILED');
      bytes[bytes.length - 50]! ^= 0xff; // inside the last page's body: caught by the page CRC
      expect(await outcome(bytes)).toBe('DECODE_FAILED');
    }
    expect(await outcome(fixture('tone-440hz-44k1-mono.mp3').subarray(0, 100))).toBe('DECODE_FAILED');
  });

  it('rejects an Ogg stream of another codec as UNSUPPORTED_FORMAT', async () => {
    const bytes = fixture('tone-440-660hz-48k-stereo.ogg');
    bytes.set([0x53, 0x70, 0x65, 0x65, 0x78], 28); // 'Speex' where the Vorbis header starts
    expect(await outcome(bytes)).toBe('UNSUPPORTED_FORMAT');
  });

  it('rejects a bad targetRate as BAD_OPTIONS', async () => {
    await expect(decodeAudioFile(wav(), { targetRate: 0 })).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
  });

  it('never throws anything but an AudioError on damaged files', async () => {
    const originals = [
      flac(),
      wav(),
      fixture('tone-440hz-44k1-mono.mp3'),
      fixture('tone-440-660hz-48k-stereo.ogg'),
      fixture('tone-440-660hz-48k-stereo.opus'),
    ];
    const damage = fc.record({
      file: fc.constantFrom(...originals),
      keep: fc.double({ min: 0, max: 1, noNaN: true }),
      // Header bytes are where parsers go wrong, so half the hits land in the first 64 bytes.
      hits: fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
    });
    await fc.assert(
      fc.asyncProperty(damage, async ({ file, keep, hits }) => {
        const bytes = file.slice(0, Math.max(1, Math.ceil(file.length * keep)));
        for (const [head, at, value] of hits)
          bytes[head ? at % Math.min(64, bytes.length) : at % bytes.length] = value;
        expect([
          'ok',
          'DECODE_FAILED',
          'UNSUPPORTED_FORMAT',
          'EMPTY_INPUT',
          'NON_FINITE_SAMPLE',
          'UNSUPPORTED_SAMPLE_RATE',
        ]).toContain(await outcome(bytes));
      }),
      { numRuns: 150 },
    );
  });
});
