/**
 * What the VAD experiments of sessions 13 and 14 (`vad-narrowband.ts`, `vad-false-alarms.ts`) share:
 * the speech segments one Silero mode finds with the VAD's own state machine, and the two kinds of
 * narrowband audio they compare the modes on.
 */
import type { SileroVad, VadRate } from '@emostream/server/vad/silero';
import { VadStateMachine } from '@emostream/shared/analysis/vad';
import { resampleOffline } from '@emostream/shared/audio/resample';
import { applyChannel } from '../src/eval/channel.ts';

/** A speech segment [start, end) in s. */
export type Seg = [number, number];

/** Speech segments found by the VAD state machine (default options but the positive threshold). */
export async function segments(
  vad: SileroVad,
  x: Float32Array,
  rate: VadRate,
  positiveThreshold: number,
): Promise<Seg[]> {
  const sm = new VadStateMachine({ positiveThreshold });
  const out: Seg[] = [];
  const take = (evs: ReturnType<VadStateMachine['push']>) => {
    for (const e of evs) if (e.type === 'speechEnd') out.push([e.startSample / 16000, e.endSample / 16000]);
  };
  for (const p of await vad.clipProbabilities(x, rate)) take(sm.push(p));
  take(sm.flush());
  return out;
}

/** Total length of segments, s. */
export const seconds = (s: readonly Seg[]): number => s.reduce((a, [s0, s1]) => a + s1 - s0, 0);

/** 16 kHz audio as an 8 kHz call brings it: resampled to 8 kHz and back (the server's path). */
export const narrow = async (x: Float32Array): Promise<Float32Array> =>
  resampleOffline(await resampleOffline(x, 16000, 8000), 8000, 16000);

/**
 * The narrowband audio the experiments compare the modes on: an 8 kHz call (deterministic, one
 * draw), and the evaluation's telephone channel, whose spectral tilt is drawn per clip (three
 * independent draws, keyed by `key`).
 */
export const NARROWBAND_CHANNELS: ReadonlyArray<
  [name: string, apply: (x: Float32Array, key: string, draw: number) => Promise<Float32Array>, draws: number]
> = [
  ['8 kHz call', (x) => narrow(x), 1],
  ['telephone', (x, key, draw) => applyChannel(x, { kind: 'phone' }, key, draw), 3],
];
