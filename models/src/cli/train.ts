/**
 * `npm run train -- --data <corpus folder>... [--manifest <csv>...] --out <package dir> [options]`
 *
 * Trains an emotion model the way the seed documents describe (features, speaker-independent split,
 * augmentation, class weighting, LR reduction on plateau, early stopping, best checkpoint), fits
 * temperature scaling on the validation speakers and writes a model package: ONNX model, config,
 * tfjs weights, training history and curves. Evaluate it afterwards with `npm run evaluate`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SileroVad } from '@emostream/server/vad/silero';
import { defaultVadOptions } from '@emostream/shared/analysis/vad';
import { defaultWindowerOptions } from '@emostream/shared/analysis/windower';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import {
  defaultFeatureOptions,
  type FeatureName,
  featureLayout,
  resolveFeatureOptions,
} from '@emostream/shared/features/options';
import type { ModelConfig } from '@emostream/shared/model/config';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { classesPresent, getLabelSet } from '../corpora/labels.ts';
import { officialSplit } from '../corpora/split.ts';
import { priorFromClips, type SessionOptions } from '../data/sessions.ts';
import { buildWindowCache, type Variant } from '../data/window-cache.ts';
import { computeMetrics, fitTemperature, softmax } from '../eval/metrics.ts';
import { trainingCurves } from '../report/charts.ts';
import { renderPng } from '../report/png.ts';
import { ARCHITECTURES, type ArchitectureName } from '../train/architectures.ts';
import { initTrainingBackend } from '../train/backend.ts';
import { defaultTrainOptions, train } from '../train/trainer.ts';
import { trainingVariants } from '../train/variants.ts';
import {
  assertPositive,
  collect,
  commandLine,
  loadCorpora,
  SPEAKER_OPTION_HELP,
  splitOptionsFromFlags,
  userPath,
} from './common.ts';

const program = new Command()
  .name('train')
  .description('Train a speech emotion model and write a model package')
  .option('--data <dir>', 'corpus folder (repeatable; corpus recognised from file names)', collect, [])
  .option('--manifest <csv>', 'CSV manifest path,label,speaker (repeatable)', collect, [])
  .requiredOption('--out <dir>', 'model package folder to write')
  .option('--name <id>', 'model id reported in events')
  .option('--val-speakers <ids>', SPEAKER_OPTION_HELP.val, collect)
  .option('--test-speakers <ids>', SPEAKER_OPTION_HELP.test, collect)
  .option('--label-set <name>', 'ekman7 | ravdess8 | valence3', 'ekman7')
  .option('--arch <name>', `architecture: ${ARCHITECTURES.join(' | ')}`, 'vgg2d')
  .option('--width <x>', 'width multiplier', Number, defaultTrainOptions.width)
  .option('--epochs <n>', 'maximum epochs', Number, defaultTrainOptions.maxEpochs)
  .option('--batch <n>', 'batch size', Number, defaultTrainOptions.batchSize)
  .option('--lr <x>', 'initial learning rate', Number, defaultTrainOptions.learningRate)
  .option('--loss <kind>', 'ce | focal', defaultTrainOptions.loss)
  .option('--dropout <x>', 'dropout rate', Number, defaultTrainOptions.dropout)
  .option('--l2 <x>', 'L2 weight decay', Number, defaultTrainOptions.l2)
  .option('--label-smoothing <x>', 'label smoothing', Number, defaultTrainOptions.labelSmoothing)
  .option(
    '--lr-patience <n>',
    'epochs without improvement before halving the learning rate',
    Number,
    defaultTrainOptions.lrPatience,
  )
  .option(
    '--patience <n>',
    'epochs without improvement before stopping',
    Number,
    defaultTrainOptions.earlyStopPatience,
  )
  .option(
    '--checkpoint <kind>',
    'best (best validation UA, early stopping) | last (final epoch of a fixed-length recipe)',
    defaultTrainOptions.checkpoint,
  )
  .option(
    '--include-val',
    'also train on the validation speakers (needs --checkpoint last; validation figures are then not held out and the temperature is --temperature, not fitted)',
  )
  .option(
    '--temperature <t>',
    'with --include-val: the temperature to store (fitted beforehand on held-out speakers)',
    Number,
  )
  .option('--no-specaugment', 'disable SpecAugment masks')
  .option(
    '--stats-gate <units>',
    'stats-mlp: leave out frames this far (normalised log-mel units) below the loudest',
    Number,
  )
  .option(
    '--features <list>',
    'frame features of the windows, e.g. logmel, logmel,mfcc or logmel,mfcc,rms,pitch',
    'logmel',
  )
  .option(
    '--f0-stats <mode>',
    'stats-mlp with pitch: summarise F0 over voiced frames only (voiced) or every frame (all)',
    'voiced',
  )
  .option(
    '--contour',
    'stats-mlp: add contour descriptors (F0 slope, end minus start, quarter means, peak position; RMS and MFCC c0 slopes)',
  )
  .option(
    '--mel-floor <dB>',
    "floor the log-mel bands this many dB below each frame's loudest band (MFCCs follow), so silence, band limits and noise far below the voice read alike",
    Number,
  )
  .option(
    '--pitch-noise-floor <ms>',
    'pitch: follow the noise floor over this many ms and discount it in the voicing decision, so voiced frames in noise stay voiced (e.g. 1500)',
    Number,
  )
  .option(
    '--pitch-octave-check',
    "pitch: double the period of frames whose spectrum shows the odd harmonics of a missing fundamental (a phone line's octave-up errors)",
  )
  .option(
    '--speech-only',
    "stats-mlp: summarise each window's speech rows only, not the pause around a short utterance (whose level is the room's)",
  )
  .option(
    '--noise-robust',
    'every training variant, the clean one too, gets background noise with p 0.8 at 10-40 dB SNR, so pauses stop being a cue',
  )
  .option(
    '--noisy-copies',
    'add a copy of every training variant with that background noise (clean-nz, phone-nz, ...) beside the originals',
  )
  .option(
    '--level-robust',
    'every training variant gets a per-clip level policy (half peak-normalised, half +-10 dB), so the model cannot lean on absolute level',
  )
  .option('--schedule <kind>', 'learning rate: plateau (halve on plateau) | cosine', 'plateau')
  .option('--mixup <alpha>', 'mixup of training examples, Beta(alpha, alpha); 0 disables', Number, 0)
  .option('--augment <n>', 'augmented copies of each training clip (plus clean and telephone)', Number, 4)
  .option('--max-minutes <n>', 'time budget for the training loop', Number, defaultTrainOptions.maxMinutes)
  .option('--seed <n>', 'random seed', Number, 1)
  .option(
    '--augment-seed <n>',
    'seed of the augmented copies (default: --seed); fix it to reuse cached features across seeds',
    Number,
  )
  .option('--cache <dir>', 'feature cache folder', '.cache/windows')
  .option('--backend <name>', 'auto | wasm | cpu | node | node-gpu', 'auto')
  .option('--limit <n>', 'use at most n clips per split (smoke tests)', Number)
  .option('--quiet', 'no progress output')
  .action(async (opts) => {
    const started = Date.now();
    const backend = await initTrainingBackend(opts.backend);
    const log = (s: string) => {
      if (!opts.quiet) process.stderr.write(`${s}\n`);
    };
    log(`backend: ${backend.backend}`);
    const corpora = await loadCorpora(opts.data, opts.manifest);
    for (const s of corpora.sources) log(s);
    const labelSet = getLabelSet(opts.labelSet);
    if (opts.checkpoint !== 'best' && opts.checkpoint !== 'last')
      throw new Error(`--checkpoint must be best or last, got ${opts.checkpoint}`);
    if (opts.includeVal && opts.checkpoint !== 'last')
      throw new Error(
        '--include-val needs --checkpoint last: validation speakers in training cannot choose a checkpoint',
      );
    assertPositive('--temperature', opts.temperature);
    const split = officialSplit(corpora.items, splitOptionsFromFlags(corpora.items, opts, log).options);
    const limit = (xs: typeof split.train) => (opts.limit ? xs.slice(0, opts.limit) : xs);
    // With --include-val the validation speakers are trained on too; they are still scored each
    // epoch (a training-fit figure, not a held-out one), and test speakers are never touched.
    const trainItems = limit(opts.includeVal ? [...split.train, ...split.val] : split.train);
    const valItems = limit(split.val);
    if (valItems.length === 0)
      throw new Error(
        'no validation speakers: the split needs val speakers to choose checkpoints and fit temperature; name some with --val-speakers (a manifest needs at least 2 speakers)',
      );
    const classes = classesPresent(trainItems, labelSet);
    const labelIndex = (label: string) => {
      const m = labelSet.map(label as never);
      return m === null ? -1 : classes.indexOf(m);
    };
    log(
      `split: train ${trainItems.length}, val ${valItems.length}, test ${split.test.length} clips; classes ${classes.join(', ')}`,
    );

    const analyzer = {
      features: {
        features: String(opts.features).split(',') as FeatureName[],
        nMels: 64,
        ...(opts.melFloor === undefined ? {} : { melFloorDb: opts.melFloor }),
        ...(opts.pitchNoiseFloor === undefined ? {} : { pitchNoiseFloorMs: opts.pitchNoiseFloor }),
        ...(opts.pitchOctaveCheck ? { pitchOctaveCheck: true } : {}),
      },
      vad: {},
      window: { windowFrames: 300, hopFrames: 100 },
    };
    const layout = featureLayout(resolveFeatureOptions(analyzer.features)).layout;
    const isStats = opts.arch === 'stats-mlp';
    const statsGate =
      isStats && opts.statsGate ? { dims: 64, below: opts.statsGate, minFrames: 20 } : undefined;
    const statsVoicing =
      isStats && layout.pitch && opts.f0Stats === 'voiced' ? { f0: layout.pitch.offset } : undefined;
    // Contour: F0 shape when the frames carry pitch; trends of RMS energy and MFCC c0 when present.
    const contourDims = [layout.rms?.offset, layout.mfcc?.offset].filter((d): d is number => d !== undefined);
    const statsContour =
      isStats && opts.contour
        ? { ...(layout.pitch ? { f0: layout.pitch.offset } : {}), dims: contourDims }
        : undefined;
    if (opts.contour && !isStats) throw new Error('--contour needs --arch stats-mlp');
    if (opts.speechOnly && !isStats) throw new Error('--speech-only needs --arch stats-mlp');
    const speechOnly = isStats && opts.speechOnly === true;
    const vad = await SileroVad.load();
    const cacheDir = userPath(opts.cache);
    // Babble noise: speech of 32 training clips spread over the speakers, loaded once.
    const babble = async () => {
      const step = Math.max(1, Math.floor(trainItems.length / 32));
      const picks = trainItems.filter((_, i) => i % step === 0).slice(0, 32);
      return Promise.all(picks.map(async (it) => (await decodeAudioFile(it.path)).samples));
    };
    const variants: Variant[] = trainingVariants(opts.augment, babble, {
      levelRobust: opts.levelRobust === true,
      noiseRobust: opts.noiseRobust === true,
      noisyCopies: opts.noisyCopies === true,
    });
    const trainCaches = [];
    for (const v of variants) {
      trainCaches.push(
        await buildWindowCache(trainItems, {
          analyzer,
          variant: v,
          cacheDir,
          seed: opts.augmentSeed ?? opts.seed,
          vad,
          quiet: opts.quiet,
        }),
      );
    }
    // Validation hears the clean audio whatever the training variants do to theirs.
    const valCache = await buildWindowCache(valItems, {
      analyzer,
      variant: trainingVariants(0)[0]!,
      cacheDir,
      seed: opts.seed,
      vad,
      quiet: opts.quiet,
    });
    const dim = trainCaches[0]!.dim;
    const prior = priorFromClips(trainCaches[0]!.clips, dim);
    const session: SessionOptions = { ...prior, priorFrames: 300, padValue: defaultWindowerOptions.padValue };

    const result = await train(
      { classes, labelIndex, train: trainCaches, val: valCache, session },
      {
        architecture: opts.arch as ArchitectureName,
        width: opts.width,
        maxEpochs: opts.epochs,
        batchSize: opts.batch,
        learningRate: opts.lr,
        loss: opts.loss,
        dropout: opts.dropout,
        l2: opts.l2,
        labelSmoothing: opts.labelSmoothing,
        lrPatience: opts.lrPatience,
        earlyStopPatience: opts.patience,
        checkpoint: opts.checkpoint,
        ...(opts.specaugment ? {} : { specAugment: null }),
        stats: { gate: statsGate, voicing: statsVoicing, contour: statsContour, speechOnly },
        schedule: opts.schedule,
        mixupAlpha: opts.mixup,
        maxMinutes: opts.maxMinutes,
        seed: opts.seed,
        quiet: opts.quiet,
      },
    );
    const temperature =
      opts.temperature ?? (opts.includeVal ? 1 : fitTemperature(result.valLogits, result.valTruth));
    const calibrated = computeMetrics(
      result.valLogits.map((l) => softmax(l, temperature)),
      result.valTruth,
      classes,
    );
    if (opts.includeVal && opts.temperature === undefined)
      log('warning: --include-val without --temperature stores temperature 1 (uncalibrated)');
    log(
      `${opts.checkpoint === 'best' ? 'best' : 'last'} epoch ${result.bestEpoch}: val UA ${result.valMetrics.ua.toFixed(3)}; temperature ${temperature.toFixed(3)}, val ECE ${result.valMetrics.ece.toFixed(3)} -> ${calibrated.ece.toFixed(3)}`,
    );

    const out = userPath(opts.out);
    await mkdir(join(out, 'report'), { recursive: true });
    // The tfjs weights are written first so that an export problem never loses a trained model.
    await result.model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        await writeFile(
          join(out, 'tfjs-model.json'),
          JSON.stringify({ ...artifacts, weightData: undefined }),
        );
        await writeFile(join(out, 'tfjs-weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const id = opts.name ?? `${opts.arch}-${opts.labelSet}-${new Date().toISOString().slice(0, 10)}`;
    const config: ModelConfig = {
      id,
      createdAt: new Date().toISOString(),
      labelSet: labelSet.name,
      classes,
      architecture: opts.arch,
      onnx: { file: 'model.onnx', input: 'features', output: 'logits' },
      inputTransform: opts.arch === 'stats-mlp' ? 'stats' : 'none',
      ...(statsGate ? { statsGate } : {}),
      ...(statsVoicing ? { statsVoicing } : {}),
      ...(statsContour ? { statsContour } : {}),
      ...(speechOnly ? { statsSpeechOnly: true } : {}),
      features: { ...defaultFeatureOptions, ...analyzer.features, sampleRate: 16000 },
      vad: { ...defaultVadOptions },
      window: {
        windowFrames: analyzer.window.windowFrames,
        hopFrames: analyzer.window.hopFrames,
        padValue: defaultWindowerOptions.padValue,
        tailPadFrames: defaultWindowerOptions.tailPadFrames,
      },
      normalizer: { ...prior, priorFrames: session.priorFrames },
      temperature,
      uncertainThreshold: 0.55,
      clipAggregation: 'mean-prob',
      training: {
        corpora: corpora.sources,
        trainClips: trainItems.length,
        valClips: valItems.length,
        valSpeakers: [...new Set(valItems.map((it) => it.speaker))].sort(),
        ...(opts.includeVal ? { valInTraining: true } : {}),
        variants: variants.map((v) => v.id),
        options: {
          arch: opts.arch,
          width: opts.width,
          epochs: opts.epochs,
          batch: opts.batch,
          lr: opts.lr,
          loss: opts.loss,
          dropout: opts.dropout,
          l2: opts.l2,
          labelSmoothing: opts.labelSmoothing,
          schedule: opts.schedule,
          checkpoint: opts.checkpoint,
          mixup: opts.mixup,
          contour: opts.contour === true,
          speechOnly,
          augment: opts.augment,
          features: analyzer.features.features,
          seed: opts.seed,
          augmentSeed: opts.augmentSeed ?? opts.seed,
        },
        command: commandLine('train'),
        backend: backend.backend,
        bestEpoch: result.bestEpoch,
        stoppedBy: result.stoppedBy,
        minutes: (Date.now() - started) / 60000,
      },
      metrics: {
        // With --include-val these speakers were trained on: the figures measure fit, not generalisation.
        [opts.includeVal ? 'valInTraining' : 'val']: {
          ua: calibrated.ua,
          wa: calibrated.wa,
          macroF1: calibrated.macroF1,
          ece: calibrated.ece,
          eceBeforeScaling: result.valMetrics.ece,
        },
      },
    };
    await writeFile(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    await writeFile(join(out, 'report', 'history.json'), `${JSON.stringify(result.history, null, 2)}\n`);
    const curves = trainingCurves(result.history);
    await writeFile(join(out, 'report', 'loss.png'), renderPng(curves.loss));
    await writeFile(join(out, 'report', 'accuracy.png'), renderPng(curves.accuracy));
    const { exportOnnx } = await import('../export/onnx.ts');
    await writeFile(join(out, 'model.onnx'), exportOnnx(result.model, { producer: 'emostream' }));
    log(`wrote ${out} in ${((Date.now() - started) / 60000).toFixed(1)} min`);
    await vad.release();
  });

await program.parseAsync();
