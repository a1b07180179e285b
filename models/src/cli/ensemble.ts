/**
 * `npm run ensemble -- --model <dir> --model <dir>... --data <corpus folder>... --out <dir>`
 *
 * Merges trained model packages (same features, windows, normaliser and classes) into one package
 * whose ONNX graph averages their logits (frame models and statistics models together read the
 * window followed by its statistics, `inputTransform: frames+stats`), then fits its temperature on the validation speakers
 * through the server's pipeline: on their clean clips, or (`--calibration-channels`) on their clips
 * put through each of several channels, pooled, as `evaluate --channel` puts them. Members trained on the validation speakers too (`train
 * --include-val`) cannot be calibrated there: give `--temperature-from <package>`, an ensemble of
 * the same recipe trained without them (its temperature, held-out figures and commands are
 * recorded), or a bare `--temperature`.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { modelInputShape } from '@emostream/server/engine/model-package';
import { type FeatureOptions, resolveFeatureOptions } from '@emostream/shared/features/options';
import { ENSEMBLE_COMBINES, type EnsembleCombine, parseModelConfig } from '@emostream/shared/model/config';
import { EARLY_MS_RANGE, isEarlyMs } from '@emostream/shared/protocol/messages';
import { Command, Option } from 'commander';
import { CHANNEL_HELP, channelName } from '../eval/channel.ts';
import { fitClipTemperature, fitTemperature } from '../eval/metrics.ts';
import { readTemperatureSource } from '../eval/temperature-source.ts';
import {
  assertSameValidationSpeakers,
  figuresAt,
  parseChannelList,
  pooledLogits,
  validationLogitsOnChannels,
  validationSpeakers,
} from '../eval/validation.ts';
import { type EnsembleOptions, ensembleOnnx } from '../export/ensemble.ts';
import {
  assertPositive,
  collect,
  commandLine,
  loadCorpora,
  SPEAKER_OPTION_HELP,
  userPath,
} from './common.ts';

const program = new Command()
  .name('ensemble')
  .requiredOption('--model <dir>', 'member model package (repeatable, at least two)', collect, [])
  .option('--data <dir>', 'corpus folder with the validation speakers (repeatable)', collect, [])
  .option('--manifest <csv>', 'manifest with validation speakers (repeatable)', collect, [])
  .option('--val-speakers <ids>', SPEAKER_OPTION_HELP.val, collect)
  .option('--test-speakers <ids>', SPEAKER_OPTION_HELP.test, collect)
  .requiredOption('--out <dir>', 'ensemble package folder to write')
  .option('--name <id>', 'model id')
  .option('--seed <n>', 'session order seed', Number, 1)
  .addOption(
    new Option(
      '--combine <how>',
      "the members' logits averaged, or their probabilities (the output is then the log of that mean, and the temperature applies after it)",
    )
      .choices(ENSEMBLE_COMBINES)
      .default('mean-logit'),
  )
  .option(
    '--calibration-channels <list>',
    `the channels the temperature is fitted over, comma-separated (${CHANNEL_HELP}): the validation clips put through each, pooled; e.g. clean,peak,phone,noise:20,noise:10 for calls`,
    'clean',
  )
  .option(
    '--calibration-draws <n>',
    'independent draws per clip of each random calibration channel (phone, randgain, noise), as evaluate --draws: each draw is weighed 1/n, so a channel counts as much as with one draw and is measured better',
    Number,
    1,
  )
  .option(
    '--early-ms <ms>',
    "the early window (a stream's options.earlyMs) whose own temperature is fitted on the validation speakers' early windows; 0: none (early windows then use the full windows' temperature)",
    Number,
    1500,
  )
  .option(
    '--temperature <t>',
    'store this temperature instead of fitting one on the validation speakers',
    Number,
  )
  .option(
    '--early-temperature <t>',
    "with --temperature: the early windows' temperature to store (none: they use --temperature)",
    Number,
  )
  .option(
    '--temperature-from <dir>',
    'take the temperature of this package (same recipe, validation speakers held out) and record its figures',
  )
  .option(
    '--temperature-factor <f>',
    'with --temperature-from: multiply its temperature by f (members trained on more speakers are sharper than the held-out ones it was fitted on; see models/experiments/README.md, Session 8)',
    Number,
  )
  .option(
    '--temperature-factor-note <text>',
    'with --temperature-factor: where the factor comes from, recorded and stated in the card',
  )
  .action(async (opts) => {
    const dirs = (opts.model as string[]).map(userPath);
    if (dirs.length < 2) throw new Error('give at least two --model packages');
    const configs = await Promise.all(
      dirs.map(async (d) => parseModelConfig(JSON.parse(await readFile(join(d, 'config.json'), 'utf8')))),
    );
    const first = configs[0]!;
    // The validation speakers first: a temperature fitted on others would be wrong, found before any work.
    const corpora = await loadCorpora(opts.data, opts.manifest);
    assertSameValidationSpeakers(
      dirs.map((dir, i) => ({ dir, valSpeakers: configs[i]!.training?.valSpeakers as string[] | undefined })),
      validationSpeakers(corpora, opts),
    );
    const valInTraining = configs.some((c) => c.training?.valInTraining === true);
    if (opts.temperature !== undefined && opts.temperatureFrom !== undefined)
      throw new Error('give --temperature or --temperature-from, not both');
    assertPositive('--early-temperature', opts.earlyTemperature);
    if (
      opts.earlyTemperature !== undefined &&
      (opts.temperature === undefined || opts.temperatureFrom !== undefined)
    )
      throw new Error('--early-temperature goes with --temperature (--temperature-from brings its own)');
    if (opts.temperatureFactor !== undefined && opts.temperatureFrom === undefined)
      throw new Error('--temperature-factor scales the temperature of --temperature-from: give both');
    assertPositive('--temperature-factor', opts.temperatureFactor);
    const earlyMs = opts.earlyMs as number;
    const r = EARLY_MS_RANGE;
    if (!(earlyMs === 0 || isEarlyMs(earlyMs)))
      throw new Error(
        `--early-ms must be 0 or, as a stream's options.earlyMs, a multiple of ${r.step} from ${r.min} to ${r.max}; got ${opts.earlyMs}`,
      );
    const calibrationChannels = parseChannelList(opts.calibrationChannels);
    const calibrationDraws = opts.calibrationDraws as number;
    if (!Number.isInteger(calibrationDraws) || calibrationDraws < 1 || calibrationDraws > 20)
      throw new Error(`--calibration-draws must be an integer from 1 to 20, got ${opts.calibrationDraws}`);
    const fitsOverChannels = calibrationChannels.some((c) => c.kind !== 'clean');
    if (fitsOverChannels && (opts.temperature !== undefined || opts.temperatureFrom !== undefined))
      throw new Error(
        '--calibration-channels chooses what a fitted temperature is fitted on: with --temperature or --temperature-from nothing is fitted here (the channels of --temperature-from are recorded from its package)',
      );
    if (opts.temperatureFactorNote !== undefined && opts.temperatureFactor === undefined)
      throw new Error('--temperature-factor-note explains --temperature-factor: give both');
    let temperatureFrom: Record<string, unknown> | undefined;
    if (opts.temperatureFrom !== undefined) {
      const source = await readTemperatureSource(userPath(opts.temperatureFrom));
      temperatureFrom = {
        ...source,
        ...(opts.temperatureFactor !== undefined ? { factor: opts.temperatureFactor } : {}),
        ...(opts.temperatureFactorNote !== undefined ? { factorNote: opts.temperatureFactorNote } : {}),
      };
      opts.temperature = source.temperature * (opts.temperatureFactor ?? 1);
      if (source.earlyTemperature !== undefined)
        opts.earlyTemperature = source.earlyTemperature * (opts.temperatureFactor ?? 1);
    }
    assertPositive('--temperature', opts.temperature);
    if (valInTraining && opts.temperature === undefined)
      throw new Error(
        'members were trained on the validation speakers (--include-val): a temperature fitted there would be overconfident; give --temperature-from or --temperature',
      );
    const common = ['classes', 'features', 'window', 'normalizer', 'vad', 'labelSet'] as const;
    const statsKeys = ['statsGate', 'statsVoicing', 'statsContour', 'statsSpeechOnly'] as const;
    type Key = (typeof common)[number] | (typeof statsKeys)[number];
    // Features are compared resolved, so a package written before an option existed (which then
    // means its default) matches one that spells its default out.
    const canonical = (c: (typeof configs)[number], k: Key) =>
      JSON.stringify(k === 'features' ? resolveFeatureOptions(c.features as Partial<FeatureOptions>) : c[k]);
    const sameIn = (list: typeof configs, k: Key) =>
      list.every((c) => canonical(c, k) === canonical(list[0]!, k));
    for (const k of common) {
      if (!sameIn(configs, k))
        throw new Error(
          `members differ in '${k}': only models trained on the same inputs can be ensembled${
            k === 'normalizer'
              ? " (its prior is the training speakers' mean: train every member on the same speakers)"
              : ''
          }`,
        );
    }
    if (configs.some((c) => c.inputTransform === 'frames+stats'))
      throw new Error('a member reads frames+stats already: give its own members instead');
    // Frame models and statistics models together read the window followed by its statistics, each
    // member its own part; statistics members must agree on what the statistics are.
    const statsMembers = configs.filter((c) => c.inputTransform === 'stats');
    for (const k of statsKeys) {
      if (!sameIn(statsMembers, k))
        throw new Error(`members differ in '${k}': their window statistics differ`);
    }
    const hybrid = statsMembers.length > 0 && statsMembers.length < configs.length;
    const statsTemplate = statsMembers[0] ?? first;
    let slices: EnsembleOptions['slices'];
    if (hybrid) {
      const framesShape = modelInputShape({ ...first, inputTransform: 'none' });
      const statsShape = modelInputShape(statsTemplate);
      const framesSize = framesShape[0]! * framesShape[1]!;
      const size = framesSize + statsShape[0]!;
      slices = {
        size,
        members: configs.map((c) =>
          c.inputTransform === 'stats'
            ? { start: framesSize, end: size, shape: statsShape }
            : { start: 0, end: framesSize, shape: framesShape },
        ),
      };
    }
    const onnx = ensembleOnnx(
      await Promise.all(
        dirs.map(async (d, i) => new Uint8Array(await readFile(join(d, configs[i]!.onnx.file)))),
      ),
      { ...(slices ? { slices } : {}), combine: opts.combine as EnsembleCombine },
    );
    const out = userPath(opts.out);
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'model.onnx'), onnx);
    // Members' tfjs weights, so the ensemble can still be checked against tfjs (mean of members).
    for (const [i, d] of dirs.entries()) {
      await mkdir(join(out, 'members', String(i)), { recursive: true });
      for (const f of ['tfjs-model.json', 'tfjs-weights.bin'])
        await copyFile(join(d, f), join(out, 'members', String(i), f));
    }
    const config = {
      ...first,
      ...(hybrid
        ? {
            inputTransform: 'frames+stats' as const,
            ...Object.fromEntries(statsKeys.map((k) => [k, statsTemplate[k]])),
          }
        : {}),
      id: opts.name ?? `ensemble-${configs.map((c) => c.id).join('+')}`,
      createdAt: new Date().toISOString(),
      architecture: `ensemble(${configs.map((c) => c.architecture).join(', ')})`,
      ...(opts.combine === 'mean-prob' ? { ensembleCombine: 'mean-prob' as const } : {}),
      onnx: { ...first.onnx, file: 'model.onnx' },
      temperature: 1,
      training: {
        members: configs.map((c) => ({ id: c.id, training: c.training, metrics: c.metrics })),
        command: commandLine('ensemble'),
        ...(temperatureFrom ? { temperatureFrom } : {}),
      },
      metrics: {},
    };
    await writeFile(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

    // Temperature on the validation speakers, analysed as sessions like `evaluate` does; the clean
    // clips are always measured (they give the recorded validation figures).
    const measured = await validationLogitsOnChannels(
      out,
      corpora,
      opts,
      opts.seed,
      calibrationChannels[0]!.kind === 'clean'
        ? calibrationChannels
        : [{ kind: 'clean' }, ...calibrationChannels],
      opts.temperature === undefined ? earlyMs : 0,
      calibrationDraws,
    );
    const fitOn = measured.filter((m) => calibrationChannels.some((c) => channelName(c) === m.channel));
    const pooled = pooledLogits(fitOn);
    // Fitted on the clip probabilities evaluate scores (the mean of the windows' probabilities).
    const temperature = opts.temperature ?? fitClipTemperature(pooled.windows, pooled.truth, pooled.weights);
    const figures = figuresAt(measured[0]!.found, first.classes, temperature);
    config.temperature = temperature;
    // Early windows: their own temperature, fitted over the same channels (or the source's).
    const earlyPooled = pooledLogits(fitOn.map((m) => ({ found: m.found.early, draws: m.draws })));
    const earlyTemperature: number | undefined =
      opts.temperature !== undefined
        ? opts.earlyTemperature
        : earlyMs > 0 && earlyPooled.logits.length > 0
          ? fitTemperature(earlyPooled.logits, earlyPooled.truth, earlyPooled.weights)
          : undefined;
    const earlyFigures =
      opts.temperature === undefined && earlyTemperature !== undefined
        ? figuresAt(measured[0]!.found.early, first.classes, earlyTemperature)
        : undefined;
    if (earlyTemperature !== undefined)
      (config as Record<string, unknown>).earlyTemperature = earlyTemperature;
    if (earlyFigures) (config.training as Record<string, unknown>).earlyMs = earlyMs;
    // Figures on speakers the members trained on measure fit, not generalisation: named so.
    // Per channel, over the clips in which speech was found (`leftOut`: no speech, or a label the
    // model cannot output; `evaluate` instead counts no-speech clips as wrong, so its UA can be lower).
    const byChannel = fitsOverChannels
      ? Object.fromEntries(
          measured.map((m) => [
            m.channel,
            {
              ...figuresAt(m.found, first.classes, temperature),
              clips: m.found.logits.length,
              leftOut: m.found.skipped,
              ...(m.draws > 1 ? { draws: m.draws } : {}),
            },
          ]),
        )
      : undefined;
    config.metrics = valInTraining
      ? { valInTraining: figures, ...(byChannel ? { valInTrainingByChannel: byChannel } : {}) }
      : {
          val: figures,
          ...(byChannel ? { valByChannel: byChannel } : {}),
          ...(earlyFigures ? { valEarly: earlyFigures } : {}),
        };
    if (fitsOverChannels)
      (config.training as Record<string, unknown>).calibrationChannels = calibrationChannels.map(channelName);
    if (fitsOverChannels && calibrationDraws > 1)
      (config.training as Record<string, unknown>).calibrationDraws = calibrationDraws;
    await writeFile(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    const over = fitsOverChannels ? ` (fitted over ${calibrationChannels.map(channelName).join(', ')})` : '';
    process.stderr.write(
      `ensemble of ${dirs.length}: ${valInTraining ? 'val (trained on)' : 'val'} UA ${figures.ua.toFixed(3)}, ECE ${figures.ece.toFixed(3)}, T ${temperature.toFixed(3)}${opts.temperature === undefined ? over : ` (from ${opts.temperatureFrom ?? 'the command line'})`}\n`,
    );
    if (earlyTemperature !== undefined)
      process.stderr.write(
        `  early windows: T ${earlyTemperature.toFixed(3)}${earlyFigures ? ` (fitted at ${earlyMs} ms on ${earlyPooled.logits.length} windows; clean UA ${earlyFigures.ua.toFixed(3)}, ECE ${earlyFigures.ece.toFixed(3)})` : ''}\n`,
      );
    if (byChannel)
      for (const [name, f] of Object.entries(byChannel))
        process.stderr.write(
          `  ${name}: UA ${f.ua.toFixed(3)}, ECE ${f.ece.toFixed(3)} (${f.clips} clips, ${f.leftOut} left out)\n`,
        );
  });

await program.parseAsync();
