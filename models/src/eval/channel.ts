/**
 * Channels an evaluation can put the test audio through, to measure what a model does on audio that
 * does not sound like its corpus: recordings normalised per file (as EmoDB's are, and as automatic
 * gain control does on calls), a telephone line, other levels, background noise. Each is seeded per
 * clip (by `clipKey`: speaker and file name, not where the files sit), so a run is repeatable anywhere.
 *
 * - `clean`: the audio as it is.
 * - `peak`: every clip scaled so its peak is at -1 dBFS (per-file loudness normalisation).
 * - `phone`: the telephone channel of the training augmentation (300-3400 Hz, 8 kHz mu-law), analysed
 *   as an 8 kHz stream is (Silero's 8 kHz mode, see {@link channelBandwidth}).
 * - `gain:<dB>`: a fixed gain (soft-clipped like the augmentation's).
 * - `randgain:<dB>`: a gain drawn per clip, uniform in [-dB, +dB].
 * - `noise:<SNR dB>`: pink noise at that ratio to the active speech level.
 */
import { type Bandwidth, bandwidthOfRate } from '@emostream/shared/analysis/vad';
import { telephone } from '../augment/channel.ts';
import { applyGain, normalizePeak } from '../augment/gain.ts';
import { addNoise } from '../augment/noise.ts';
import { Rng } from '../augment/rng.ts';

export type Channel =
  | { kind: 'clean' }
  | { kind: 'peak' }
  | { kind: 'phone' }
  | { kind: 'gain'; db: number }
  | { kind: 'randgain'; db: number }
  | { kind: 'noise'; snrDb: number };

export const CHANNEL_HELP = 'clean | peak | phone | gain:<dB> | randgain:<dB> | noise:<SNR dB>';

/** Parses a channel name as the evaluate command takes it; throws a `TypeError` naming the forms. */
export function parseChannel(text: string): Channel {
  const [kind, arg, ...rest] = text.trim().split(':');
  const num = () => {
    const v = Number(arg);
    if (arg === undefined || arg === '' || !Number.isFinite(v) || rest.length > 0)
      throw new TypeError(`channel "${text}": ${kind} needs one number, e.g. ${kind}:10`);
    return v;
  };
  switch (kind) {
    case 'clean':
    case 'peak':
    case 'phone':
      if (arg !== undefined) throw new TypeError(`channel "${text}": ${kind} takes no argument`);
      return { kind };
    case 'gain':
      return { kind, db: num() };
    case 'randgain': {
      const db = num();
      if (db < 0) throw new TypeError(`channel "${text}": the range must be >= 0 dB`);
      return { kind, db };
    }
    case 'noise':
      return { kind, snrDb: num() };
    default:
      throw new TypeError(`unknown channel "${text}"; use ${CHANNEL_HELP}`);
  }
}

/** A readable name of the channel, as parsed. */
export function channelName(c: Channel): string {
  switch (c.kind) {
    case 'gain':
    case 'randgain':
      return `${c.kind}:${c.db}`;
    case 'noise':
      return `noise:${c.snrDb}`;
    default:
      return c.kind;
  }
}

/** Whether the channel draws something at random per clip (so that more draws measure it better). */
export function isRandomChannel(c: Channel): boolean {
  return c.kind === 'phone' || c.kind === 'randgain' || c.kind === 'noise';
}

/**
 * `x` (16 kHz) through the channel; `key` (the clip's `clipKey`) seeds the random ones, and `draw`
 * (0, 1, ...) picks another independent draw for the same clip.
 */
export async function applyChannel(
  x: Float32Array,
  c: Channel,
  key: string,
  draw = 0,
): Promise<Float32Array> {
  const rng = new Rng(`channel:${channelName(c)}`).fork(draw === 0 ? key : `${key}#${draw}`);
  switch (c.kind) {
    case 'clean':
      return x;
    case 'peak':
      return normalizePeak(x, -1);
    case 'phone':
      return telephone(x, rng);
    case 'gain':
      return applyGain(x, c.db);
    case 'randgain':
      return applyGain(x, rng.uniform(-c.db, c.db));
    case 'noise':
      return addNoise(x, rng, { snrDb: c.snrDb, kind: 'pink' });
  }
}

/**
 * The band of the audio after the channel, which picks the VAD's mode (`vadModeFor`) as a stream's
 * `options.bandwidth: "auto"` would: a telephone line brings narrowband audio; the other channels keep
 * the band of the file's own rate.
 */
export function channelBandwidth(c: Channel | undefined, fileRate: number): Bandwidth {
  return c?.kind === 'phone' ? 'narrowband' : bandwidthOfRate(fileRate);
}
