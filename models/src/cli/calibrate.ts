/**
 * `npm run calibrate -- --model <dir> (--manifest <csv> | --data <corpus folder>)... --out <dir>`
 *
 * Refits a package's temperature on labelled audio of your own and writes a copy of the package with
 * it. A temperature fitted on some speakers does not always carry over to others (the default's, fitted
 * on RAVDESS actors 15-18, leaves actors 19-24 over-confident), and calls are not acted studio speech:
 * when you act on confidences (the `uncertain` flag, alert thresholds), calibrate on your own audio.
 * The labels only choose the temperature; the network is unchanged, so the ranking of the classes and
 * the UA are too. Clips go through the server's pipeline, each speaker's clips as one session.
 *
 * With `--snr-temperature` it also fits how the temperature rises for noisy windows (`snrTemperature`:
 * a knee and a slope over each window's SNR estimate), kept only when it lowers the clips' NLL.
 *
 * Speakers outside `--test-speakers` (and the official test speakers of the research corpora) are
 * used; `--split val` uses only the validation speakers. Speakers the package was trained on are
 * refused: their confidences measure fit, not new voices.
 */
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadModelPackage } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import { parseModelConfig } from '@emostream/shared/model/config';
import { Command } from 'commander';
import { officialSplit } from '../corpora/split.ts';
import type { CorpusName } from '../corpora/types.ts';
import { clipLogits } from '../eval/clip-logits.ts';
import { clipProbs, computeMetrics, fitClipTemperature } from '../eval/metrics.ts';
import { fitSnrTemperature } from '../eval/snr-temperature.ts';
import {
  collect,
  commandLine,
  loadCorpora,
  SPEAKER_OPTION_HELP,
  sourcePaths,
  splitOptionsFromFlags,
  userPath,
} from './common.ts';

/** Files of a package that hold the model itself (its card and report describe the old temperature). */
const MODEL_FILES = new Set(['config.json', 'model.onnx', 'tfjs-model.json', 'tfjs-weights.bin', 'members']);

/** What a package (or any of its members) trained on: source paths, and whether validation speakers were in. */
function trainedOn(training: Record<string, unknown> | undefined): {
  paths: Set<string>;
  valInTraining: boolean;
} {
  const all = [
    training ?? {},
    ...((training?.members as Array<{ training?: Record<string, unknown> }> | undefined) ?? []).map(
      (m) => m.training ?? {},
    ),
  ];
  return {
    paths: new Set(all.flatMap((t) => sourcePaths(t.corpora))),
    valInTraining: all.some((t) => t.valInTraining === true),
  };
}

const program = new Command()
  .name('calibrate')
  .description("Refit a package's temperature on your own labelled audio; writes a calibrated copy")
  .requiredOption('--model <dir>', 'model package folder')
  .option('--manifest <csv>', 'CSV manifest path,label,speaker (repeatable)', collect, [])
  .option('--data <dir>', 'corpus folder (repeatable)', collect, [])
  .option('--corpus <name>', 'corpus naming convention, when it cannot be recognised from file names')
  .option(
    '--split <name>',
    'nontest: every speaker outside test (default); val: the validation speakers only',
    'nontest',
  )
  .option('--val-speakers <ids>', SPEAKER_OPTION_HELP.val, collect)
  .option('--test-speakers <ids>', `${SPEAKER_OPTION_HELP.test} (kept out of calibration)`, collect)
  .requiredOption('--out <dir>', 'folder of the calibrated package (a copy; the original is unchanged)')
  .option('--name <id>', 'model id of the copy (default: <id>-calibrated)')
  .option('--seed <n>', 'order of clips within a session', Number, 1)
  .option(
    '--snr-temperature',
    "also fit how the temperature rises in noise (snrTemperature: knee and slope over each window's SNR estimate, factor at most 2), when that lowers the clips' NLL; for audio whose noise varies from call to call",
  )
  .option('--quiet', 'no progress bar')
  .action(async (opts) => {
    if (!['nontest', 'val'].includes(opts.split))
      throw new Error(
        `--split must be nontest or val, got ${opts.split} (calibrating on test speakers would void their ECE)`,
      );
    const dir = userPath(opts.model);
    const out = userPath(opts.out);
    if (resolve(dir) === resolve(out))
      throw new Error('--out must differ from --model: calibrate writes a copy');
    const config = parseModelConfig(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')));
    const corpora = await loadCorpora(opts.data, opts.manifest, opts.corpus as CorpusName | undefined);
    const trained = trainedOn(config.training);
    for (const path of sourcePaths(corpora.sources)) {
      if (!trained.paths.has(path)) continue;
      if (opts.split !== 'val' || trained.valInTraining)
        throw new Error(
          `${config.id} was trained on ${path}${trained.valInTraining ? ', validation speakers included' : ''}: calibrate it on audio it never heard${trained.valInTraining ? '' : ' (or on its held-out validation speakers: --split val)'}`,
        );
    }
    const split = officialSplit(
      corpora.items,
      splitOptionsFromFlags(corpora.items, opts, (l) => process.stderr.write(`${l}\n`)).options,
    );
    const items = opts.split === 'val' ? split.val : [...split.train, ...split.val];
    if (items.length === 0) throw new Error(`no clips outside the test speakers in split '${opts.split}'`);

    const pkg = await loadModelPackage(dir);
    const vad = await SileroVad.load();
    const { logits, truth, skipped, windows, windowSnrDb } = await clipLogits(items, pkg, {
      vad,
      seed: opts.seed,
      label: 'calibrate',
      quiet: opts.quiet === true,
    });
    await vad.release();
    await pkg.engine.release();
    if (logits.length < 20)
      throw new Error(`only ${logits.length} usable clips: too few to fit a temperature (20 or more)`);
    const before = config.temperature;
    // Clip probabilities as evaluate computes them: the mean of the windows' probabilities.
    const after = fitClipTemperature(windows, truth);
    const figures = (t: number) => {
      const m = computeMetrics(
        windows.map((w) => clipProbs(w, t)),
        truth,
        config.classes,
      );
      return { temperature: t, ua: m.ua, ece: m.ece, nll: m.nll };
    };
    // With --snr-temperature: the knee and slope at the refitted temperature, on the same clips.
    const snrFit = opts.snrTemperature
      ? fitSnrTemperature(
          windows.map((w, i) => ({ windows: w, snrDb: windowSnrDb[i]!, truth: truth[i]! })),
          after,
          config.classes,
        )
      : undefined;
    const calibration = {
      from: config.id,
      sources: corpora.sources,
      split: opts.split,
      speakers: [...new Set(items.map((it) => it.speaker))].sort(),
      clips: logits.length,
      skipped,
      before: figures(before),
      after: figures(after),
      ...(snrFit
        ? {
            snrTemperature: {
              fitted: snrFit.snrTemperature ?? null,
              // Clip probabilities as evaluate computes them (the mean of the windows'), at the new T.
              nllBefore: snrFit.nllBefore,
              nllAfter: snrFit.nllAfter,
              eceBefore: snrFit.eceBefore,
              eceAfter: snrFit.eceAfter,
              windowsBelowKnee: snrFit.windowsBelowKnee,
            },
          }
        : {}),
      command: commandLine('calibrate'),
    };
    await mkdir(out, { recursive: true });
    for (const name of await readdir(dir)) {
      if (MODEL_FILES.has(name)) await cp(join(dir, name), join(out, name), { recursive: true });
    }
    const copy = {
      ...JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')),
      id: opts.name ?? `${config.id}-calibrated`,
      temperature: after,
      // Early windows keep their ratio to the full windows' temperature (fitted on the model's own
      // validation speakers): refitting them would need the early windows of your clips too.
      ...(config.earlyTemperature !== undefined
        ? { earlyTemperature: (config.earlyTemperature * after) / before }
        : {}),
      // A rule fitted here replaces the package's (none fitted: undefined, which JSON leaves out);
      // without --snr-temperature the package's is kept.
      ...(snrFit ? { snrTemperature: snrFit.snrTemperature } : {}),
      calibration,
    };
    await writeFile(join(out, 'config.json'), `${JSON.stringify(copy, null, 2)}\n`);
    const f = (x: { temperature: number; ece: number; nll: number }) =>
      `T ${x.temperature.toFixed(3)}: ECE ${x.ece.toFixed(3)}, NLL ${x.nll.toFixed(3)}`;
    if (snrFit) {
      const r = snrFit.snrTemperature;
      process.stderr.write(
        r
          ? `noise: T x min(${r.maxFactor}, 1 + ${r.slopePerDb.toFixed(4)} x (${r.kneeDb} dB - SNR)) below ${r.kneeDb} dB (${(100 * snrFit.windowsBelowKnee).toFixed(1)}% of windows): NLL ${snrFit.nllBefore.toFixed(4)} -> ${snrFit.nllAfter.toFixed(4)}, ECE ${snrFit.eceBefore.toFixed(3)} -> ${snrFit.eceAfter.toFixed(3)}\n`
          : `noise: no knee and slope lowered the NLL by 0.002 or more; one temperature for every SNR (NLL ${snrFit.nllBefore.toFixed(4)})\n`,
      );
    }
    process.stderr.write(
      `calibrated on ${logits.length} clips of ${calibration.speakers.length} speakers (${skipped} left out): ${f(calibration.before)} -> ${f(calibration.after)}\n` +
        `wrote ${out} (run \`npm run card\` or \`npm run evaluate\` on held-out speakers for its figures)\n`,
    );
  });

await program.parseAsync();
