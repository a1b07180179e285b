/**
 * The model workflow end to end, as a user runs it: `npm run train` on real corpora writes a model
 * package (a tiny smoke model here: one speaker's clips, one epoch, a quarter-width network), and
 * `npm run evaluate` scores it through the server's pipeline and writes JSON and a report. And the
 * README's own-data route: a CSV manifest with no validation speakers named trains too.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelConfig } from '@emostream/shared/model/config';
import { hasData, writeRavdessManifest } from '@emostream/shared/testing/corpus';
import { describe, expect, it } from 'vitest';
import { ensembleCombineOf } from '../../models/src/export/ensemble.ts';
import { root, run, tsx } from './cli-harness.ts';

describe.runIf(hasData)('train and evaluate commands', () => {
  it('trains a smoke model into a valid package and evaluates it', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'emostream-smoke-'));
    const out = join(tmp, 'pkg');
    const env = { ...process.env, INIT_CWD: root };
    await run(
      tsx,
      [
        'models/src/cli/train.ts',
        '--data',
        '../shared/data/ravdess',
        '--data',
        '../shared/data/emodb',
        '--out',
        out,
        '--limit',
        '48',
        '--epochs',
        '1',
        '--width',
        '0.25',
        '--augment',
        '1',
        '--backend',
        'wasm',
        '--cache',
        join(tmp, 'cache'),
        '--quiet',
      ],
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    const config = parseModelConfig(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')));
    expect(config.classes.length).toBeGreaterThanOrEqual(2);
    expect(config.temperature).toBeGreaterThan(0);
    expect(config.normalizer.priorMean).toHaveLength(64);
    for (const f of [
      'model.onnx',
      'tfjs-model.json',
      'tfjs-weights.bin',
      'report/loss.png',
      'report/accuracy.png',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const json = join(tmp, 'eval.json');
    const { stdout } = await run(
      tsx,
      [
        'models/src/cli/evaluate.ts',
        '--model',
        out,
        '--data',
        '../shared/data/ravdess',
        '--split',
        'test',
        '--limit',
        '12',
        '--json',
        json,
        '--report',
        join(tmp, 'report'),
        '--quiet',
      ],
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    expect(stdout).toMatch(/\| all \| 12 \|/);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    for (const k of ['ua', 'wa', 'macroF1', 'ece']) expect(result[k]).toBeGreaterThanOrEqual(0);
    expect(result.confusion).toHaveLength(config.classes.length);
    expect(Object.keys(result.perClass)).toEqual(config.classes);
    expect(result.predictions).toHaveLength(12);
    // Per speaker: the clips, accuracy and mean confidence of that speaker's predictions.
    type Prediction = { speaker: string; truth: string; predicted: string; confidence: number };
    const predictions = result.predictions as Prediction[];
    const speakers = [...new Set(predictions.map((p) => p.speaker))].sort();
    expect(Object.keys(result.bySpeaker)).toEqual(speakers);
    for (const s of speakers) {
      const own = predictions.filter((p) => p.speaker === s);
      const m = result.bySpeaker[s];
      expect(m.n).toBe(own.length);
      expect(m.wa).toBeCloseTo(own.filter((p) => p.truth === p.predicted).length / own.length, 12);
      expect(m.confidence).toBeCloseTo(own.reduce((a, p) => a + p.confidence, 0) / own.length, 12);
    }
    expect(result.uncertainty.speakers === undefined).toBe(speakers.length < 3);
    expect(readFileSync(join(tmp, 'report', 'report.md'), 'utf8')).toContain('| speaker | clips |');
    expect(existsSync(join(tmp, 'report', 'confusion.png'))).toBe(true);
    expect(existsSync(join(tmp, 'report', 'reliability.png'))).toBe(true);
    // A random channel measured over two independent draws per clip, pooled.
    const noisy = join(tmp, 'noisy.json');
    await run(
      tsx,
      [
        'models/src/cli/evaluate.ts',
        ...['--model', out, '--data', '../shared/data/ravdess', '--split', 'test', '--limit', '6'],
        ...['--channel', 'noise:10', '--draws', '2', '--json', noisy, '--quiet'],
      ],
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    const two = JSON.parse(readFileSync(noisy, 'utf8'));
    type Drawn = { path: string; draw?: number; probs: number[] };
    const drawn = two.predictions as Drawn[];
    expect(two.draws).toBe(2);
    expect(drawn).toHaveLength(12);
    expect(drawn.filter((p) => p.draw === undefined)).toHaveLength(6);
    expect(drawn.filter((p) => p.draw === 1)).toHaveLength(6);
    // The second draw is other noise: the same clips score differently.
    const again = drawn.filter((p) => p.draw === 1);
    expect(
      drawn
        .filter((p) => p.draw === undefined)
        .some((p) => JSON.stringify(p.probs) !== JSON.stringify(again.find((q) => q.path === p.path)!.probs)),
    ).toBe(true);
    await expect(
      run(
        tsx,
        ['models/src/cli/evaluate.ts', '--model', out, '--data', '../shared/data/ravdess', '--draws', '0'],
        {
          cwd: root,
          env,
        },
      ),
    ).rejects.toThrow(/--draws must be an integer from 1 to 100/);
  }, 600_000);

  it('trains on a CSV manifest as the README shows, holding out validation speakers automatically', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'emostream-manifest-'));
    const out = join(tmp, 'pkg');
    const env = { ...process.env, INIT_CWD: root };
    // Five RAVDESS actors as "my data": speaker names of the user's choosing, paths relative to the CSV.
    const writeManifest = (name: string, actors: number[], prefix: string) =>
      writeRavdessManifest(tmp, name, actors, prefix);
    const { csv, rows } = writeManifest('my-calls', [1, 2, 3, 4, 5], 'agent-');
    /** `train` on that manifest: valence3, one epoch of stats-mlp, agent-5 as test speaker. */
    const trainArgs = (dir: string, ...extra: string[]) => [
      'models/src/cli/train.ts',
      '--manifest',
      csv,
      '--label-set',
      'valence3',
      '--out',
      dir,
      '--epochs',
      '1',
      '--arch',
      'stats-mlp',
      '--augment',
      '0',
      '--backend',
      'wasm',
      '--cache',
      join(tmp, 'cache'),
      '--test-speakers',
      'agent-5',
      ...extra,
    ];
    const train = await run(tsx, trainArgs(out), { cwd: root, env, maxBuffer: 1 << 24 });
    // 4 speakers outside test: one (20%, rounded up) is held out for validation, and the log names it.
    const named =
      /validation speakers chosen automatically \(20% of speakers\): (manifest:agent-[1-4])\b/.exec(
        train.stderr,
      );
    expect(named, train.stderr).not.toBeNull();
    const config = parseModelConfig(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')));
    expect(config.classes).toEqual(['negative', 'neutral', 'positive']);
    expect(config.training?.valSpeakers).toEqual([named?.[1]]);
    const json = join(tmp, 'val.json');
    await run(
      tsx,
      [
        'models/src/cli/evaluate.ts',
        '--model',
        out,
        '--manifest',
        csv,
        '--split',
        'val',
        '--json',
        json,
        '--quiet',
      ],
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    const result = JSON.parse(readFileSync(json, 'utf8'));
    // `evaluate --split val` picks the same speaker as training did.
    const speakers = new Set(result.predictions.map((p: { speaker: string }) => p.speaker));
    expect([...speakers]).toEqual([named?.[1]]);
    expect(result.temperature).toBe(config.temperature);
    // A what-if temperature replaces the package's for one evaluation: at T = 1000 every clip is a near tie.
    const hot = join(tmp, 'hot.json');
    await run(
      tsx,
      [
        'models/src/cli/evaluate.ts',
        '--model',
        out,
        '--manifest',
        csv,
        '--split',
        'val',
        '--temperature',
        '1000',
        '--json',
        hot,
        '--quiet',
      ],
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    const whatIf = JSON.parse(readFileSync(hot, 'utf8'));
    expect(whatIf.temperature).toBe(1000);
    for (const p of whatIf.predictions as { confidence: number }[]) expect(p.confidence).toBeLessThan(0.36);
    // The model card of the manifest's test speaker, as for the official corpora.
    await run(
      tsx,
      ['models/src/cli/card.ts', '--model', out, '--manifest', csv, '--test-speakers', 'agent-5'],
      {
        cwd: root,
        env,
        maxBuffer: 1 << 24,
      },
    );
    const metrics = JSON.parse(readFileSync(join(out, 'report', 'my-calls', 'metrics.json'), 'utf8'));
    expect(metrics.session.n).toBe(rows.filter((r) => r.endsWith(',agent-5')).length);
    const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toMatch(/\| my-calls \| \d+ \| 0\.\d{3} \|/);
    // It describes this data, not the bundled corpora: its own speakers and licence.
    expect(card).toContain("my-calls's agent-5 (named with `--test-speakers`)");
    expect(card).toContain(`validation\nspeakers (${named?.[1]})`);
    expect(card).toContain('licence of that data');
    expect(card).not.toMatch(/Trained on RAVDESS|non-commercial|Acted speech only|actors 15-18|actors 19-24/);
    expect(card).toContain(`--manifest ${csv} --split test --test-speakers agent-5`);

    // Calibration on audio of one's own: a sixth actor the package never heard, as a new manifest.
    const { csv: csv6, rows: rows6 } = writeManifest('new-calls', [6], 'caller-');
    const calibrated = join(tmp, 'pkg-calibrated');
    await expect(
      run(tsx, ['models/src/cli/calibrate.ts', '--model', out, '--manifest', csv, '--out', calibrated], {
        cwd: root,
        env,
      }),
    ).rejects.toThrow(/was trained on .*my-calls\.csv: calibrate it on audio it never heard/);
    await run(
      tsx,
      ['models/src/cli/calibrate.ts', '--model', out, '--manifest', csv6, '--out', calibrated, '--quiet'],
      {
        cwd: root,
        env,
        maxBuffer: 1 << 24,
      },
    );
    const cal = parseModelConfig(JSON.parse(readFileSync(join(calibrated, 'config.json'), 'utf8')));
    const record = cal.calibration as {
      clips: number;
      speakers: string[];
      before: { temperature: number; nll: number };
      after: { temperature: number; nll: number };
    };
    expect(record.speakers).toEqual(['manifest:caller-6']);
    expect(record.clips).toBe(rows6.length - 1);
    expect(record.before.temperature).toBe(config.temperature);
    expect(cal.temperature).toBe(record.after.temperature);
    expect(record.after.nll).toBeLessThanOrEqual(record.before.nll + 1e-9);
    expect(cal.id).toBe(`${config.id}-calibrated`);
    // The model is copied, not its card and report (they describe the old temperature); the original is untouched.
    expect(readFileSync(join(calibrated, 'model.onnx'))).toEqual(readFileSync(join(out, 'model.onnx')));
    expect(existsSync(join(calibrated, 'MODEL_CARD.md'))).toBe(false);
    expect(parseModelConfig(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).temperature).toBe(
      config.temperature,
    );
    // With --snr-temperature it also fits (or declines) a rule for noisy windows, on the same clips.
    const calibratedSnr = join(tmp, 'pkg-calibrated-snr');
    await run(
      tsx,
      [
        'models/src/cli/calibrate.ts',
        '--model',
        out,
        '--manifest',
        csv6,
        '--out',
        calibratedSnr,
        '--snr-temperature',
        '--quiet',
      ],
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    const calSnr = parseModelConfig(JSON.parse(readFileSync(join(calibratedSnr, 'config.json'), 'utf8')));
    const snrRecord = (
      calSnr.calibration as {
        snrTemperature: { fitted: unknown; nllBefore: number; nllAfter: number; windowsBelowKnee: number };
      }
    ).snrTemperature;
    expect(calSnr.temperature).toBe(cal.temperature);
    expect(snrRecord.nllAfter).toBeLessThanOrEqual(snrRecord.nllBefore);
    if (snrRecord.fitted === null) {
      expect(calSnr.snrTemperature).toBeUndefined();
      expect(snrRecord.nllAfter).toBe(snrRecord.nllBefore);
    } else {
      expect(calSnr.snrTemperature).toEqual(snrRecord.fitted);
      expect(snrRecord.nllAfter).toBeLessThan(snrRecord.nllBefore - 0.002);
    }
    expect(cal).not.toHaveProperty('snrTemperature');
    // Its card says what was tried; and a package with a rule describes it (the rule set by hand here
    // when this audio, clean studio speech, fitted none).
    if (snrRecord.fitted === null) {
      const raw = JSON.parse(readFileSync(join(calibratedSnr, 'config.json'), 'utf8'));
      raw.snrTemperature = { kneeDb: 18, slopePerDb: 0.05, maxFactor: 1.8 };
      writeFileSync(join(calibratedSnr, 'config.json'), JSON.stringify(raw));
    }
    await run(
      tsx,
      ['models/src/cli/card.ts', '--model', calibratedSnr, '--manifest', csv, '--test-speakers', 'agent-5'],
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    const snrCard = readFileSync(join(calibratedSnr, 'MODEL_CARD.md'), 'utf8');
    const rule = parseModelConfig(JSON.parse(readFileSync(join(calibratedSnr, 'config.json'), 'utf8')))
      .snrTemperature!;
    expect(snrCard).toContain(
      `under\n${rule.kneeDb} dB it is multiplied by 1 + ${rule.slopePerDb.toFixed(4)}`,
    );
    expect(snrCard).toMatch(
      snrRecord.fitted === null
        ? /a rise of the temperature in noise was tried there and did not lower the NLL/
        : /the temperature's rise in noise was fitted there too \(knee \d+ dB/,
    );

    // Its card says so.
    await run(
      tsx,
      ['models/src/cli/card.ts', '--model', calibrated, '--manifest', csv, '--test-speakers', 'agent-5'],
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    expect(readFileSync(join(calibrated, 'MODEL_CARD.md'), 'utf8')).toContain(
      `was refitted on\n${record.clips} clips of 1 speaker (manifest: ${csv6} (`,
    );

    // The README's retrain-on-every-speaker route: a member trained on the validation speakers too
    // cannot have its temperature fitted there, so the ensemble takes the held-out package's, scaled.
    const all = [join(tmp, 'pkg-all-2'), join(tmp, 'pkg-all-3')];
    for (const [n, dir] of all.entries()) {
      await run(
        tsx,
        trainArgs(dir, '--include-val', '--checkpoint', 'last', '--seed', String(n + 2), '--quiet'),
        { cwd: root, env, maxBuffer: 1 << 24 },
      );
    }
    const ensembleArgs = (...extra: string[]) => [
      'models/src/cli/ensemble.ts',
      '--model',
      all[0]!,
      '--model',
      all[1]!,
      '--manifest',
      csv,
      '--test-speakers',
      'agent-5',
      '--out',
      join(tmp, 'ens'),
      ...extra,
    ];
    await expect(
      run(tsx, [...ensembleArgs('--temperature-from', out), '--model', out], { cwd: root, env }),
    ).rejects.toThrow(/differ in 'normalizer'.*same speakers/);
    await expect(run(tsx, ensembleArgs(), { cwd: root, env })).rejects.toThrow(
      /trained on the validation speakers \(--include-val\)/,
    );
    // Other validation speakers than the members held out: refused before anything is written.
    const other = ['manifest:agent-1', 'manifest:agent-2'].find((s) => s !== named?.[1])!;
    await expect(
      run(tsx, ensembleArgs('--temperature-from', out, '--val-speakers', other), { cwd: root, env }),
    ).rejects.toThrow(
      new RegExp(
        `held out validation speakers ${named?.[1]}, but the data and speaker flags given here make them ${other}:`,
      ),
    );
    expect(existsSync(join(tmp, 'ens'))).toBe(false);
    await expect(run(tsx, ensembleArgs('--temperature-factor', '1.5'), { cwd: root, env })).rejects.toThrow(
      /give both/,
    );
    await expect(
      run(tsx, ensembleArgs('--temperature-from', out, '--temperature-factor-note', 'why'), {
        cwd: root,
        env,
      }),
    ).rejects.toThrow(/explains --temperature-factor/);
    // Channels choose what a temperature is fitted on: with a temperature taken from elsewhere, refused.
    await expect(
      run(tsx, ensembleArgs('--temperature-from', out, '--calibration-channels', 'clean,phone'), {
        cwd: root,
        env,
      }),
    ).rejects.toThrow(/nothing is fitted here/);
    await expect(
      run(tsx, ensembleArgs('--calibration-channels', 'clean,radio'), { cwd: root, env }),
    ).rejects.toThrow(/unknown channel "radio"/);
    expect(existsSync(join(tmp, 'ens'))).toBe(false);
    const note = 'the factor measured on out-of-fold speakers';
    await run(
      tsx,
      ensembleArgs(
        '--temperature-from',
        out,
        '--temperature-factor',
        '1.5',
        '--temperature-factor-note',
        note,
      ),
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    const ens = parseModelConfig(JSON.parse(readFileSync(join(tmp, 'ens', 'config.json'), 'utf8')));
    expect(ens.temperature).toBeCloseTo(config.temperature * 1.5, 12);
    expect(ens.training?.temperatureFrom).toMatchObject({
      temperature: config.temperature,
      factor: 1.5,
      factorNote: note,
    });
    expect(ens.classes).toEqual(config.classes);
    expect(ens.ensembleCombine).toBeUndefined();
    // Probabilities averaged instead of logits: recorded, and the graph says so too.
    const probDir = join(tmp, 'ens-prob');
    await run(
      tsx,
      // the last --out given wins
      [...ensembleArgs('--temperature-from', out, '--combine', 'mean-prob'), '--out', probDir],
      { cwd: root, env, maxBuffer: 1 << 24 },
    );
    const prob = parseModelConfig(JSON.parse(readFileSync(join(probDir, 'config.json'), 'utf8')));
    expect(prob.ensembleCombine).toBe('mean-prob');
    expect(ensembleCombineOf(readFileSync(join(probDir, 'model.onnx')))).toBe('mean-prob');
    expect(ensembleCombineOf(readFileSync(join(tmp, 'ens', 'model.onnx')))).toBe('mean-logit');
    await expect(run(tsx, ensembleArgs('--early-ms', '1234'), { cwd: root, env })).rejects.toThrow(
      /--early-ms must be 0 or.*multiple of 10 from 300 to 2990; got 1234/,
    );
    // Bare temperatures, early windows' included (the recipe's every-speaker run on the shipped ones).
    await expect(run(tsx, ensembleArgs('--early-temperature', '1.2'), { cwd: root, env })).rejects.toThrow(
      /--early-temperature goes with --temperature/,
    );
    const bareDir = join(tmp, 'ens-bare');
    await run(
      tsx,
      [...ensembleArgs('--temperature', '0.9', '--early-temperature', '1.2'), '--out', bareDir],
      {
        cwd: root,
        env,
        maxBuffer: 1 << 24,
      },
    );
    const bare = parseModelConfig(JSON.parse(readFileSync(join(bareDir, 'config.json'), 'utf8')));
    expect([bare.temperature, bare.earlyTemperature]).toEqual([0.9, 1.2]);
  }, 600_000);
});
