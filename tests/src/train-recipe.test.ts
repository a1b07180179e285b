/**
 * The default's training recipe on a user's own data, as the README gives it:
 * `DATA="--manifest my-calls.csv ..." bash models/recipes/train-default.sh <dir> held-out`, then the
 * same on every speaker with the held-out package's temperature (`HELD_OUT`). The real script, the
 * real `train` and `ensemble` commands, real speech; only the epochs and the width are tiny. The
 * held-out temperature is fitted over channels (`CALIBRATION_CHANNELS`), as the shipped default's is.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelConfig } from '@emostream/shared/model/config';
import { hasData, writeRavdessManifest } from '@emostream/shared/testing/corpus';
import { describe, expect, it } from 'vitest';
import { root, run } from './cli-harness.ts';

const script = join(root, 'models', 'recipes', 'train-default.sh');

describe.runIf(hasData)('models/recipes/train-default.sh on a manifest', () => {
  it('trains the eight members held out, then on every speaker with the held-out temperature', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'emostream-recipe-'));
    const { csv, rows } = writeRavdessManifest(tmp, 'my-calls', [1, 2, 3, 4, 5, 6], 'agent-');
    const base = {
      ...process.env,
      DATA: `--manifest ${csv} --test-speakers agent-6`,
      STATS_EPOCHS: '1',
      TDNN_EPOCHS: '1',
      TRAIN_EXTRA: `--width 0.25 --augment 0 --cache ${join(tmp, 'cache')} --quiet`,
    };
    const recipe = (dir: string, env: Record<string, string | undefined>, ...mode: string[]) =>
      run('bash', [script, dir, ...mode], { cwd: root, env, maxBuffer: 1 << 24 });
    const config = (dir: string) =>
      parseModelConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));

    const ho = join(tmp, 'ho');
    await recipe(
      ho,
      { ...base, CALIBRATION_CHANNELS: 'noise:10,clean,phone', CALIBRATION_DRAWS: '2' },
      'held-out',
    );
    const held = config(join(ho, 'package'));
    // Fitted over the three channels (clean first), with the figures of each at that temperature: the
    // clean ones are the package's validation figures, and the others really went through a channel.
    expect(held.training?.calibrationChannels).toEqual(['clean', 'noise:10', 'phone']);
    const byChannel = held.metrics?.valByChannel as Record<
      string,
      { ua: number; ece: number; clips: number; leftOut: number }
    >;
    expect(Object.keys(byChannel)).toEqual(['clean', 'noise:10', 'phone']);
    expect(byChannel.clean).toMatchObject(held.metrics?.val as object);
    expect(byChannel.clean).toMatchObject({ clips: expect.any(Number), leftOut: expect.any(Number) });
    expect(byChannel['noise:10']).not.toEqual(byChannel.clean);
    expect(byChannel.phone).not.toEqual(byChannel.clean);
    // The random channels were drawn twice per clip (CALIBRATION_DRAWS), clean once.
    expect(held.training?.calibrationDraws).toBe(2);
    const analysed = (c: { clips: number; leftOut: number }) => c.clips + c.leftOut;
    for (const name of ['noise:10', 'phone']) {
      expect(byChannel[name]).toMatchObject({ draws: 2 });
      expect(analysed(byChannel[name]!)).toBe(2 * analysed(byChannel.clean!));
    }
    // Early windows (a stream's options.earlyMs) get their own temperature, fitted at 1.5 s.
    expect(held.training?.earlyMs).toBe(1500);
    expect(held.earlyTemperature).toBeGreaterThan(0);
    expect(held.earlyTemperature).not.toBe(held.temperature);
    expect(held.metrics?.valEarly).toMatchObject({ ua: expect.any(Number), ece: expect.any(Number) });
    // One graph of the eight members, calibrated on the speaker they all held out.
    expect(held.inputTransform).toBe('frames+stats');
    const members = held.training?.members as Array<{
      training: { valSpeakers: string[]; valInTraining?: boolean };
    }>;
    expect(members).toHaveLength(8);
    const val = members[0]!.training.valSpeakers;
    expect(val).toHaveLength(1);
    expect(val[0]).toMatch(/^manifest:agent-[1-5]$/);
    for (const m of members) {
      expect(m.training.valSpeakers).toEqual(val);
      expect(m.training.valInTraining).toBeUndefined();
    }
    expect(held.metrics?.val).toBeDefined();
    expect(held.temperature).toBeGreaterThan(0);
    const timing = readFileSync(join(ho, 'timing.txt'), 'utf8');
    expect(timing).toMatch(/^stats-mlp seed 1: \d+ min$/m);
    expect(timing).toMatch(/^tdnn seed 4: \d+ min$/m);
    expect(timing).toMatch(/^full run \(held-out, stats-mlp 1 and tdnn 1 epochs\): \d+ min$/m);

    // Own data on every speaker without a held-out temperature: refused before any training.
    const all = join(tmp, 'all');
    await expect(recipe(all, base)).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('with DATA, give HELD_OUT='),
    });
    expect(existsSync(join(all, 'stats-mlp-s1'))).toBe(false);

    await recipe(all, { ...base, HELD_OUT: join(ho, 'package') });
    const every = config(join(all, 'package'));
    expect(every.temperature).toBe(held.temperature);
    expect(every.earlyTemperature).toBe(held.earlyTemperature);
    expect(every.training?.temperatureFrom).toMatchObject({
      id: held.id,
      temperature: held.temperature,
      calibrationChannels: ['clean', 'noise:10', 'phone'],
      valByChannel: byChannel,
      earlyTemperature: held.earlyTemperature,
      earlyMs: 1500,
    });
    expect(every.training?.calibrationChannels).toBeUndefined();
    expect(every.metrics?.valInTraining).toBeDefined();
    for (const m of every.training?.members as Array<{ training: { valInTraining?: boolean } }>)
      expect(m.training.valInTraining).toBe(true);
    // The test speaker stayed out of both runs: held out, the members trained on four speakers' clips
    // (the fifth was validation); on every speaker, on five.
    const clipsOf = (n: number) => rows.filter((r) => r.endsWith(`,agent-${n}`)).length;
    const spoken = [1, 2, 3, 4, 5].map(clipsOf);
    const valClips = clipsOf(Number(val[0]!.slice('manifest:agent-'.length)));
    const sum = spoken.reduce((a, b) => a + b, 0);
    for (const m of members) expect(m.training).toMatchObject({ trainClips: sum - valClips, valClips });
    for (const m of every.training?.members as Array<{ training: unknown }>)
      expect(m.training).toMatchObject({ trainClips: sum, valClips });
  }, 900_000);
});
