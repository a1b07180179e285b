/**
 * `npm run evaluate -- --model <dir> (--data <corpus folder> | --manifest <csv>) [--split test|val|train|all]
 *   [--corpus <name>] [--adapt session|none] [--json <file>] [--report <dir>]`
 *
 * Prints a table and writes JSON (ua, wa, macroF1, ece, perClass, confusion, ...) and a Markdown
 * report with the confusion matrix and a reliability diagram. See `eval/evaluate.ts` for how clips
 * are analysed (the server's own code path).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModelPackage } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import { Command, Option } from 'commander';
import { officialSplit, type SplitName } from '../corpora/split.ts';
import type { CorpusName } from '../corpora/types.ts';
import { CHANNEL_HELP, parseChannel } from '../eval/channel.ts';
import { evaluateModel } from '../eval/evaluate.ts';
import { formatTable, writeEvaluationReport } from '../eval/report.ts';
import {
  assertPositive,
  collect,
  loadCorpora,
  SPEAKER_OPTION_HELP,
  splitOptionsFromFlags,
  userPath,
} from './common.ts';

const program = new Command()
  .name('evaluate')
  .description('Evaluate a model package on a labelled corpus, clip by clip, through the server pipeline')
  .requiredOption('--model <dir>', 'model package folder')
  .option('--data <dir>', 'corpus folder (repeatable)', collect, [])
  .option('--manifest <csv>', 'CSV manifest path,label,speaker (repeatable)', collect, [])
  .option('--corpus <name>', 'corpus naming convention, when it cannot be recognised from file names')
  .option('--split <name>', 'test | val | train | all (default: test for corpora, all for manifests)')
  .option('--val-speakers <ids>', SPEAKER_OPTION_HELP.val, collect)
  .option('--test-speakers <ids>', SPEAKER_OPTION_HELP.test, collect)
  .option(
    '--adapt <mode>',
    "session: a speaker's clips share normalisation as in one call; none: every clip cold",
    'session',
  )
  .option('--seed <n>', 'order of clips within a session', Number, 1)
  .option('--channel <name>', `what the audio goes through first: ${CHANNEL_HELP}`, 'clean')
  .option(
    '--draws <n>',
    'independent draws of a random channel (randgain, phone, noise) per clip, pooled in the metrics',
    Number,
    1,
  )
  .addOption(
    new Option(
      '--bandwidth <band>',
      "the band the clips are analysed as, as a stream's options.bandwidth: narrowband runs the VAD in Silero's 8 kHz mode; auto = narrowband for the phone channel and for files at 8 kHz or less, otherwise found from the audio as a 16 kHz stream finds it; detect = always start wideband and find the band from the audio (a call bridged into a 16 kHz stream)",
    )
      .choices(['auto', 'narrowband', 'wideband', 'detect'])
      .default('auto'),
  )
  .option(
    '--temperature <t>',
    "evaluate with this softmax temperature instead of the package's (what-if calibration)",
    Number,
  )
  .option('--json <file>', 'write the metrics as JSON')
  .option('--report <dir>', 'write report.md, confusion.png and reliability.png here')
  .option('--limit <n>', 'evaluate at most n clips (smoke tests)', Number)
  .option('--quiet', 'no progress output')
  .action(async (opts) => {
    if (opts.data.length === 0 && opts.manifest.length === 0)
      throw new Error('give --data <corpus folder> or --manifest <csv>');
    if (opts.adapt !== 'session' && opts.adapt !== 'none')
      throw new Error(`--adapt must be session or none, got ${opts.adapt}`);
    const split: string = opts.split ?? (opts.data.length ? 'test' : 'all');
    if (!['test', 'val', 'train', 'all'].includes(split))
      throw new Error(`--split must be test, val, train or all, got ${split}`);
    const channel = parseChannel(opts.channel);
    assertPositive('--temperature', opts.temperature);
    if (!Number.isInteger(opts.draws) || opts.draws < 1 || opts.draws > 100)
      throw new Error(`--draws must be an integer from 1 to 100, got ${opts.draws}`);
    const loaded = await loadModelPackage(userPath(opts.model));
    // A what-if temperature: the package's calibration replaced for this evaluation only.
    const pkg =
      opts.temperature === undefined
        ? loaded
        : { ...loaded, config: { ...loaded.config, temperature: opts.temperature as number } };
    const corpora = await loadCorpora(opts.data, opts.manifest, opts.corpus as CorpusName | undefined);
    const splitOptions = splitOptionsFromFlags(corpora.items, opts, (l) => {
      if (!opts.quiet) process.stderr.write(`${l}\n`);
    });
    const inSplit =
      split === 'all'
        ? corpora.items
        : officialSplit(corpora.items, splitOptions.options)[split as SplitName];
    const items = opts.limit ? inSplit.slice(0, opts.limit) : inSplit;
    if (items.length === 0) throw new Error(`no clips in split '${split}'`);
    const vad = await SileroVad.load();
    const result = await evaluateModel(items, pkg, {
      vad,
      adapt: opts.adapt,
      seed: opts.seed,
      channel,
      draws: opts.draws,
      ...(opts.bandwidth === 'auto' ? {} : { bandwidth: opts.bandwidth }),
      quiet: opts.quiet,
    });
    process.stdout.write(`${formatTable(result, { split, sources: corpora.sources })}\n`);
    if (opts.json) {
      const { predictions, ...summary } = result;
      await writeFile(
        userPath(opts.json),
        `${JSON.stringify({ split, sources: corpora.sources, temperature: pkg.config.temperature, bandwidth: opts.bandwidth, ...summary, predictions }, null, 2)}\n`,
      );
    }
    if (opts.report) {
      const dir = userPath(opts.report);
      await mkdir(dir, { recursive: true });
      await writeEvaluationReport(dir, result, { split, sources: corpora.sources });
      process.stdout.write(`report: ${join(dir, 'report.md')}\n`);
    }
    await vad.release();
    await pkg.engine.release();
  });

await program.parseAsync();
