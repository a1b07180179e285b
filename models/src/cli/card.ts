/**
 * `npm run card -- --model <dir> --data <corpus folder>... [--manifest <csv> --test-speakers <ids>]`
 *
 * Evaluates a model package on the official test speakers of each corpus, and on the named test
 * speakers of each manifest (with and without session
 * adaptation), writes the reports into `<dir>/report/` and the model card `<dir>/MODEL_CARD.md`. The
 * card's numbers are exactly what `npm run evaluate -- --model <dir> --data <folder> --split test`
 * prints, so anyone can re-run them.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { loadModelPackage } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import type { ModelConfig } from '@emostream/shared/model/config';
import { Command } from 'commander';
import { officialSplit } from '../corpora/split.ts';
import { parseChannel } from '../eval/channel.ts';
import { type EvaluationResult, evaluateModel } from '../eval/evaluate.ts';
import { calibrationGap, writeEvaluationReport } from '../eval/report.ts';
import { collect, loadCorpora, SPEAKER_OPTION_HELP, splitOptionsFromFlags, userPath } from './common.ts';

const f3 = (x: number) => x.toFixed(3);

/**
 * Training facts of a model (of an ensemble's first member: members share data and variants), the
 * total training minutes, and the commands that built it, in order (members first).
 */
function trainingOf(training: Record<string, unknown> | undefined): {
  t: Record<string, unknown>;
  minutes: number;
  members: number;
  commands: string[];
  /** A timed full training run of the whole package as one job (`models/recipes/train-default.sh`). */
  fullRun?: { command?: string; minutes?: number; machine?: string; note?: string };
  temperatureFrom?: {
    id?: string;
    temperature?: number;
    /** The held-out temperature was multiplied by this (`ensemble --temperature-factor`). */
    factor?: number;
    /** Where the factor comes from (`ensemble --temperature-factor-note`). */
    factorNote?: string;
    val?: { ua?: number; ece?: number };
    /** The channels the held-out temperature was fitted over (absent: clean speech only). */
    calibrationChannels?: string[];
    /** The held-out temperature of early windows, the early point it was fitted at, and its figures. */
    earlyTemperature?: number;
    earlyMs?: number;
    valEarly?: { ua?: number; ece?: number };
    commands?: string[];
  };
  /** The channels this package's own temperature was fitted over (`ensemble --calibration-channels`). */
  calibrationChannels?: string[];
} {
  const own = training ?? {};
  const members = (own.members as Array<{ training?: Record<string, unknown> }> | undefined)?.map(
    (m) => m.training ?? {},
  );
  const all = members ?? [own];
  const commands = [...(members ?? []).map((m) => m.command), own.command].filter(
    (c): c is string => typeof c === 'string',
  );
  const minutes = all.reduce((a, m) => a + Number(m.minutes ?? 0), 0);
  const temperatureFrom = own.temperatureFrom as ReturnType<typeof trainingOf>['temperatureFrom'];
  const fullRun = own.fullRun as ReturnType<typeof trainingOf>['fullRun'];
  const calibrationChannels = own.calibrationChannels as string[] | undefined;
  return {
    t: all[0] ?? {},
    minutes,
    members: members?.length ?? 1,
    commands,
    ...(temperatureFrom ? { temperatureFrom } : {}),
    ...(fullRun ? { fullRun } : {}),
    ...(calibrationChannels ? { calibrationChannels } : {}),
  };
}

/** What the card says the temperature was fitted on. */
export function fittedOnWords(channels: readonly string[] | undefined): string {
  return channels?.some((c) => c !== 'clean')
    ? `The temperature was fitted on the validation speakers' clips put through each of ${channels.join(', ')}, pooled (\`ensemble --calibration-channels\`), not on clean speech alone.`
    : 'The temperature was fitted on clean speech.';
}

/** Session figures of one channel: UA, ECE, and mean confidence and accuracy. */
interface ChannelFigures {
  ua: number;
  ece: number;
  confidence: number;
  wa: number;
}

/** What the card reports per corpus: session and cold results, and session figures per channel. */
interface CardResult {
  corpus: string;
  folder: string;
  session: EvaluationResult;
  none: EvaluationResult;
  channels: Record<string, ChannelFigures>;
  /** A manifest's named test speakers (the official corpora's are in the card's prose). */
  manifestTestSpeakers?: string[];
}

/** The official validation speakers, in the words the card uses for them. */
const OFFICIAL_VAL = 'RAVDESS actors 15-18, EmoDB speakers 11 and 13';
const OFFICIAL_VAL_IDS = ['emodb:11', 'emodb:13', 'ravdess:15', 'ravdess:16', 'ravdess:17', 'ravdess:18'];
/** Source lines of `train`'s config that come from the public research corpora (not a manifest). */
const RESEARCH_SOURCE = /^(ravdess|emodb|cremad|savee|tess):/;

/** Channels the card measures besides clean audio (see `eval/channel.ts`). */
const CARD_CHANNELS = ['peak', 'randgain:10', 'phone', 'noise:20', 'noise:10'] as const;
/**
 * Independent draws per clip of the random channels (randgain, phone, noise), pooled: one draw moved
 * EmoDB's noise:10 UA by 4 points (session 14).
 */
const CARD_DRAWS = 3;

/** The per-speaker figures of one corpus's session evaluation. */
const speakersOf = (r: CardResult) => r.session.bySpeaker ?? {};

/** Mean confidence of an evaluation's clips (its reliability bins hold every clip). */
const meanConfidence = (r: EvaluationResult) => {
  const n = r.reliability.reduce((a, b) => a + b.count, 0);
  return n ? r.reliability.reduce((a, b) => a + b.count * b.confidenceMean, 0) / n : 0;
};

/** The failure-mode sentence on calibration in noise, with the measured gaps at 10 dB SNR. */
function noiseCalibration(results: readonly CardResult[]): string {
  const at10 = results.filter((r) => r.channels['noise:10'] !== undefined);
  const gaps = at10.map((r) => `${r.corpus} ${calibrationGap(r.channels['noise:10']!)}`).join(', ');
  const over = at10.some((r) => r.channels['noise:10']!.confidence > r.channels['noise:10']!.wa + 0.05);
  return at10.length === 0
    ? 'calibration in noise was not measured.'
    : `at 10 dB SNR its confidence - accuracy is ${gaps}${
        over
          ? ', so in heavy noise it is more confident than it is right: treat its confidence there with care, or refit the temperature on audio from your own channel (`npm run calibrate`).'
          : '.'
      }`;
}

/** Each test speaker's confidence - accuracy, e.g. `ravdess:19 +0.031, ravdess:20 -0.012`. */
const speakerGaps = (r: CardResult) =>
  Object.entries(speakersOf(r))
    .map(([s, m]) => `${s} ${calibrationGap(m)}`)
    .join(', ') || '-';

function card(
  dir: string,
  config: Awaited<ReturnType<typeof loadModelPackage>>['config'],
  results: CardResult[],
): string {
  const {
    t,
    minutes,
    members,
    commands: trainCommands,
    temperatureFrom,
    fullRun,
    calibrationChannels,
  } = trainingOf(config.training);
  const earlySource = temperatureFrom ?? {
    earlyMs: (config.training as Record<string, unknown> | undefined)?.earlyMs as number | undefined,
    valEarly: config.metrics?.valEarly as { ua?: number; ece?: number } | undefined,
  };
  const earlyNote =
    config.earlyTemperature === undefined
      ? ''
      : `
Early windows (a stream's \`options.earlyMs\`: a provisional emotion before a segment's first full
window) have their own temperature, ${config.earlyTemperature.toFixed(3)}, fitted like the one above on the
held-out validation speakers' early windows at ${earlySource.earlyMs ?? '?'} ms${
          earlySource.valEarly
            ? ` (there: UA ${earlySource.valEarly.ua?.toFixed(3) ?? '?'}, ECE ${earlySource.valEarly.ece?.toFixed(3) ?? '?'})`
            : ''
        }: they hear less speech, so they are less accurate and the full windows' temperature would make them over-confident.
`;
  const snr = config.snrTemperature;
  const snrNote = snr
    ? `
In noise the temperature rises (\`snrTemperature\`): for a window whose SNR estimate (its \`snrDb\`) is under
${snr.kneeDb} dB it is multiplied by 1 + ${snr.slopePerDb.toFixed(4)} x (${snr.kneeDb} - SNR), at most ${snr.maxFactor}; the figures above include it.
`
    : '';
  const fittedOn = config.calibration
    ? 'The temperature was refitted on the labelled audio named under "Recalibrated".'
    : fittedOnWords(temperatureFrom?.calibrationChannels ?? calibrationChannels);
  const held = temperatureFrom?.val;
  const fixedWords =
    temperatureFrom?.factor === undefined
      ? `The temperature (${temperatureFrom?.temperature?.toFixed(3) ?? '?'}) and the recipe were fixed`
      : `The recipe was fixed, and the temperature (${config.temperature.toFixed(3)} = ${temperatureFrom.temperature?.toFixed(3) ?? '?'} x ${temperatureFrom.factor}, ${
          temperatureFrom.factorNote ??
          `the factor
for members trained on more speakers than the held-out ones: models/experiments/README.md, Session 8`
        }) derived,`;
  const cal = config.calibration as
    | {
        from?: string;
        clips?: number;
        speakers?: string[];
        sources?: string[];
        before?: { temperature?: number; ece?: number };
        after?: { temperature?: number; ece?: number };
        snrTemperature?: { fitted?: { kneeDb: number } | null; nllBefore?: number; nllAfter?: number };
        command?: string;
      }
    | undefined;
  const calibrationNote = cal
    ? `
**Recalibrated:** the temperature (${cal.before?.temperature?.toFixed(3) ?? '?'} -> ${cal.after?.temperature?.toFixed(3) ?? '?'}) was refitted on
${cal.clips ?? '?'} clips of ${cal.speakers?.length ?? '?'} speaker${cal.speakers?.length === 1 ? '' : 's'} (${(cal.sources ?? []).join('; ')}), ECE there
${cal.before?.ece?.toFixed(3) ?? '?'} -> ${cal.after?.ece?.toFixed(3) ?? '?'}${
        cal.snrTemperature
          ? cal.snrTemperature.fitted
            ? `; the temperature's rise in noise was fitted there too (knee ${cal.snrTemperature.fitted.kneeDb} dB, NLL ${cal.snrTemperature.nllBefore?.toFixed(4) ?? '?'} -> ${cal.snrTemperature.nllAfter?.toFixed(4) ?? '?'})`
            : '; a rise of the temperature in noise was tried there and did not lower the NLL'
          : ''
      }; the network is \`${cal.from ?? '?'}\`, unchanged:

\`\`\`sh
${cal.command ?? ''}
\`\`\`
`
    : '';
  const temperatureNote = temperatureFrom
    ? `
${fixedWords} on \`${temperatureFrom.id ?? '?'}\`, the same
recipe trained without the validation speakers, whose held-out validation figures were UA
${held?.ua?.toFixed(3) ?? '?'}, ECE ${held?.ece?.toFixed(3) ?? '?'} (clip level, through the pipeline). Built with:

\`\`\`sh
${(temperatureFrom.commands ?? []).join('\n')}
\`\`\`
`
    : '';
  const rows = results.map(
    (r) =>
      `| ${r.corpus} | ${r.session.n} | ${f3(r.session.ua)} | ${f3(r.session.wa)} | ${f3(r.session.macroF1)} | ${f3(r.session.ece)} | ${f3(r.none.ua)} | ${f3(r.none.ece)} |`,
  );
  const noise = results.map((r) => {
    const u = r.session.uncertainty;
    return u
      ? `| ${r.corpus} | ${f3(u.uaCi95[0])}-${f3(u.uaCi95[1])} | ${u.uaCi95BySpeaker ? `${f3(u.uaCi95BySpeaker[0])}-${f3(u.uaCi95BySpeaker[1])}` : `- (${Object.keys(speakersOf(r)).length} speakers)`} | ${f3(u.eceIfCalibrated.mean)} (${f3(u.eceIfCalibrated.p95)}) | ${u.eceP.toFixed(2)} | ${speakerGaps(r)} |`
      : `| ${r.corpus} | - | - | - | - | - |`;
  });
  // Calibration the sampling noise cannot explain (a calibrated model does as badly in under 5% of draws).
  const miscalibrated = results.flatMap((r) => {
    const u = r.session.uncertainty;
    if (!u || u.eceP >= 0.05) return [];
    const confidence = meanConfidence(r.session);
    const way = confidence > r.session.wa ? 'over' : 'under';
    return [
      `- Calibration on ${r.corpus}: its ECE (${f3(r.session.ece)}) is beyond what chance gives a perfectly calibrated model on ${r.session.n} clips drawn independently (p95 ${f3(u.eceIfCalibrated.p95)}); mean confidence ${f3(confidence)} against an accuracy of ${f3(r.session.wa)}, so its probabilities there are ${way}-confident. Calibration also moves from speaker to speaker (confidence - accuracy per test speaker: ${speakerGaps(r)}), which that figure does not count, so a temperature fitted on other speakers can be off on a handful of new ones; \`npm run calibrate\` refits it on your own speakers.`,
    ];
  });
  const confusions = results.map((r) => {
    const m = r.session;
    const pairs: Array<[number, string]> = [];
    m.confusion.forEach((row, t) => {
      const support = row.reduce((a, b) => a + b, 0);
      row.forEach((count, p) => {
        if (p !== t && support > 0 && count > 0)
          pairs.push([
            count / support,
            `${m.classes[t]} heard as ${m.classes[p]} ${((100 * count) / support).toFixed(0)}%`,
          ]);
      });
    });
    pairs.sort((a, b) => b[0] - a[0]);
    return `- ${r.corpus}: ${pairs
      .slice(0, 4)
      .map((x) => x[1])
      .join('; ')}`;
  });
  const recall = results.map((r) => {
    const per = r.session.presentClasses.map(
      (c) => `${c} ${(100 * r.session.perClass[c]!.recall).toFixed(0)}%`,
    );
    return `- ${r.corpus}: ${per.join(', ')}`;
  });
  const commands = results.map(
    (r) =>
      `npm run evaluate -- --model ${relative(process.env.INIT_CWD ?? process.cwd(), dir) || '.'} ${
        r.manifestTestSpeakers
          ? `--manifest ${r.folder} --split test --test-speakers ${r.manifestTestSpeakers.join(',')}`
          : `--data ${r.folder} --split test`
      }`,
  );
  const sources = (t.corpora as string[] | undefined) ?? [];
  const research = sources.length === 0 || sources.some((c) => RESEARCH_SOURCE.test(c));
  const valIds = t.valSpeakers as string[] | undefined;
  const valWords =
    valIds === undefined || JSON.stringify(valIds) === JSON.stringify(OFFICIAL_VAL_IDS)
      ? OFFICIAL_VAL
      : valIds.join(', ');
  const official = results.filter((r) => !r.manifestTestSpeakers);
  const named = results.filter((r) => r.manifestTestSpeakers);
  const testWords = [
    ...(official.length ? ['RAVDESS actors 19-24 and EmoDB speakers 15\nand 16'] : []),
    ...named.map(
      (r) => `${r.corpus}'s ${r.manifestTestSpeakers?.join(', ')} (named with \`--test-speakers\`)`,
    ),
  ].join('; ');
  return `# Model card: ${config.id}

A speech emotion classifier for the emostream service: ${config.architecture} over
${config.features.features.join(' + ')} features (${config.features.nMels ?? 64} mel bands, 10 ms frames) in
windows of ${(config.window.windowFrames / 100).toFixed(1)} s cut over speech by the Silero VAD${
    config.inputTransform !== 'none'
      ? `, ${config.inputTransform === 'frames+stats' ? 'the frame models reading the window frame by frame and the statistics models the window ' : ''}summarised per dimension (mean, std, percentiles, mean change${
          config.statsVoicing ? '; F0 over voiced frames only' : ''
        }${config.statsSpeechOnly ? '; over the speech rows only, not the pause around them' : ''}${
          config.statsContour
            ? '; plus contour shape: F0 slope, end minus start, quarter means and peak position, energy and MFCC c0 slopes'
            : ''
        })`
      : ''
  }, normalised with the stream's own
running statistics (session normalisation with a training-set prior), calibrated by temperature
scaling (T = ${config.temperature.toFixed(3)}). Classes (${config.labelSet}): ${config.classes.join(', ')}.
Events below confidence ${config.uncertainThreshold} are flagged \`uncertain\`.

## Training data and licence

${((t.corpora as string[]) ?? []).map((c) => `- ${c.replace(/: \/\S+\/(\S+) \(/, ': $1 (')}`).join('\n')}

${
  research
    ? `Trained on RAVDESS (Livingstone & Russo 2018, CC BY-NC-SA 4.0) and the Berlin Database of Emotional
Speech (Burkhardt et al. 2005, research use). **Both are licensed for research and non-commercial
use only, and so is this model.** For commercial use, train your own model on data you may use:
put it in a CSV manifest (\`path,label,speaker\`, labels from neutral, calm, happy, sad, angry,
fearful, disgust, surprised, boredom) and run
\`npm run train -- --manifest my-data.csv --out models/my-model\`, then evaluate it as below.`
    : 'Trained only on the manifests above: the model may be used as far as the licence of that data allows.'
}

${
  t.valInTraining === true
    ? `Training: ${t.trainClips ?? '?'} clips of every non-test speaker, the validation speakers (${valWords.replace('actors 15-18, ', 'actors 15-18,\n')}; ${t.valClips ?? '?'} clips) included: the recipe (epochs, schedule, temperature) was fixed
beforehand on runs that held them out, so no figure of this package on them is a held-out figure;`
    : `Training: ${t.trainClips ?? '?'} clips of the training speakers, ${t.valClips ?? '?'} of the validation
speakers (${valWords}),`
} variants ${((t.variants as string[]) ?? []).join(', ')};
${
  members > 1
    ? `${members} members ${config.ensembleCombine === 'mean-prob' ? 'combined in one graph (their probabilities averaged, the temperature applied to the result)' : 'averaged in one graph'}, ${minutes.toFixed(0)} minutes of training in total on ${t.backend ?? '?'}${
        fullRun?.minutes === undefined
          ? '.'
          : ` (summed over members, some of which shared the cores with other runs). As one job, \`${fullRun.command ?? '?'}\`
(feature cache, then two members at a time, then the ensemble) took ${fullRun.minutes.toFixed(0)} minutes of wall time${fullRun.machine ? ` on ${fullRun.machine}` : ''}${fullRun.note ? `; ${fullRun.note}` : ''}.`
      }`
    : `best epoch ${t.bestEpoch ?? '?'} (${t.stoppedBy ?? '?'}), ${minutes.toFixed(0)} minutes on ${t.backend ?? '?'}.`
}
${
  trainCommands.length
    ? `
Built with (from the repository root; features are cached in \`.cache/windows\`):

\`\`\`sh
${trainCommands.join('\n')}
\`\`\`
`
    : ''
}${temperatureNote}${calibrationNote}
## Metrics on the ${named.length ? '' : 'official '}test speakers (clip level)

Test speakers are never seen in training or validation: ${testWords}. "Session" analyses each speaker's clips one after another as one call, so normalisation
learns that speaker's voice (unsupervised; no labels); "cold" analyses every clip as a new stream.

| corpus | clips | UA (session) | WA | macro-F1 | ECE | UA (cold) | ECE (cold) |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Sampling noise (session): how far these figures move by chance on test sets this small.

| corpus | UA 95% CI (clips resampled) | UA 95% CI (speakers resampled) | ECE of a perfectly calibrated model, same confidences: mean (p95) | share of those at or above the observed ECE | confidence - accuracy per speaker |
|---|---|---|---|---|---|
${noise.join('\n')}

UA (session) when the test audio goes through another channel first (\`--channel\` of evaluate):
peak-normalised per clip (as per-file normalised recordings and automatic gain control present
speech), a random level per clip within +-10 dB, a telephone line (300-3400 Hz, 8 kHz mu-law; analysed as a narrowband stream is, with the VAD in Silero's 8 kHz mode), pink
noise at 20 and 10 dB SNR (against the active speech level). The random channels (randgain, phone,
noise) pool ${CARD_DRAWS} independent draws per clip (\`--draws ${CARD_DRAWS}\`): a single draw moves a figure by several
points on a test set this small.

| corpus | clean | ${CARD_CHANNELS.join(' | ')} |
|---|---|${CARD_CHANNELS.map(() => '---|').join('')}
${results.map((r) => `| ${r.corpus} | ${f3(r.session.ua)} | ${CARD_CHANNELS.map((c) => (r.channels[c] === undefined ? '-' : f3(r.channels[c]!.ua))).join(' | ')} |`).join('\n')}

Calibration (session) on the same channels: ECE, and in brackets mean confidence - accuracy (positive:
more confident than right). ${fittedOn}

| corpus | clean | ${CARD_CHANNELS.join(' | ')} |
|---|---|${CARD_CHANNELS.map(() => '---|').join('')}
${results.map((r) => `| ${r.corpus} | ${f3(r.session.ece)} (${calibrationGap({ confidence: meanConfidence(r.session), wa: r.session.wa })}) | ${CARD_CHANNELS.map((c) => (r.channels[c] === undefined ? '-' : `${f3(r.channels[c]!.ece)} (${calibrationGap(r.channels[c]!)})`)).join(' | ')} |`).join('\n')}
${earlyNote}${snrNote}
Per-class recall (session):
${recall.join('\n')}

Reproduce:

\`\`\`sh
${commands.join('\n')}
\`\`\`

Reports with confusion matrices and reliability diagrams: \`report/\`.

## Known failure modes

${
  research
    ? `- Acted speech only: RAVDESS and EmoDB are actors reading fixed sentences in a studio. Spontaneous
  emotion in real calls is subtler, often mixed, and mostly neutral; expect lower accuracy there.`
    : '- Speakers, languages and recording conditions unlike those of the manifests above are untested; expect lower accuracy there.'
}
- The first seconds of a stream are normalised mostly by the training prior; accuracy improves as
  the session accumulates the speaker's speech (compare the session and cold columns).
${
  research
    ? `- Languages and recording styles: English and German only; other languages and accents are
  untested. Expect a large drop on a corpus unlike the training data: on this data, a model trained
  on one of the two corpora scores far lower on the other than within it (leave-one-corpus-out,
  \`models/experiments/loco.sh\`: UA 0.25 to 0.37 on the other corpus against 0.54 to 0.81 on unseen speakers of its own).
`
    : ''
}- Channels (see the channel table): ${levelNote(config)}
- Background noise: ${robustness(config)} Accuracy still falls with the signal-to-noise
  ratio (see the noise rows of the channel table), and calibration with it (the calibration table): ${noiseCalibration(results)}
${miscalibrated.map((l) => `${l}\n`).join('')}- The largest confusions measured on the test speakers (share of the true class, session mode):
${confusions.join('\n')}
- ${research ? `Surprise is absent from EmoDB and boredom is not a class of ${config.labelSet}; w` : 'W'}indows are 3 s, so an
  emotion shorter than about a second may be diluted.
- Children's and elderly voices, shouting beyond the training range, overlapping speakers and heavy
  noise are under-represented in training (noise, reverberation and telephone channels are simulated
  by augmentation only).
`;
}

/** The training variants (ids such as `clean`, `phone-nz-lvl`) of a package's first member. */
function variantsOf(config: ModelConfig): string[] {
  return (trainingOf(config.training).t.variants as string[] | undefined) ?? [];
}

/** What the package does about recording level, for the failure-mode list. */
function levelNote(config: ModelConfig): string {
  const variants = variantsOf(config);
  const cue =
    "level is an emotion cue in natural recordings (RAVDESS: angry ~14 dB above neutral) and inverted in per-file normalised ones (EmoDB's angry files are its quietest on average)";
  if (variants.some((v) => v.endsWith('-lvl')))
    return `${cue}. This model was trained with \`--level-robust\` (every training clip peak-normalised or re-levelled within +-10 dB), so it does not rely on level: per-clip normalised audio and gain control cost it little, and natural level differences between emotions are not used either, which costs it more in background noise than a level-aware model (level is the cue noise leaves intact). Telephone audio loses accuracy.`;
  return `${cue}, so audio whose level was normalised per clip or by gain control, and telephone audio, lose accuracy. \`train --level-robust\` trains on clips whose level was normalised or changed: leave-one-corpus-out it scored about 5 points higher, but it lost about 2 on this data's own channels, most in noise, where level is the cue that survives best (models/experiments/README.md, session 6).`;
}

/** What the package does against background noise, for the failure-mode list. */
function robustness(config: ModelConfig): string {
  const variants = variantsOf(config);
  const parts = [
    config.statsSpeechOnly
      ? config.inputTransform === 'frames+stats'
        ? "its statistics models' window statistics cover the speech only, not the pauses around it (its frame models read the whole window)"
        : 'its window statistics cover the speech only, not the pauses around it'
      : '',
    config.features.melFloorDb
      ? `its log-mel bands are floored ${config.features.melFloorDb} dB below each frame's loudest band`
      : '',
    config.features.pitchNoiseFloorMs
      ? `its pitch tracker follows the noise floor (over ${config.features.pitchNoiseFloorMs} ms) and discounts it when it decides whether a frame is voiced`
      : '',
    variants.some((v) => v.includes('-nz'))
      ? 'it was trained on noise-floor copies of its clips (10-40 dB SNR) beside the clean ones'
      : '',
  ].filter(Boolean);
  return parts.length
    ? `${parts.join('; ')}.`
    : 'the training corpora are studio recordings with almost no noise floor, and this model has none of the noise measures (`train --speech-only --mel-floor 35 --noisy-copies --pitch-noise-floor 1500`).';
}

const program = new Command()
  .name('card')
  .description('Evaluate a model package on the official test split and write its model card')
  .requiredOption('--model <dir>', 'model package folder')
  .option('--data <dir>', 'corpus folder (repeatable)', collect, [])
  .option(
    '--manifest <csv>',
    'CSV manifest whose test speakers (--test-speakers) to report (repeatable)',
    collect,
    [],
  )
  .option('--test-speakers <ids>', SPEAKER_OPTION_HELP.test, collect)
  .option('--seed <n>', 'session order seed', Number, 1)
  .action(async (opts) => {
    if (opts.data.length === 0 && opts.manifest.length === 0)
      throw new Error('give --data <corpus folder> or --manifest <csv>');
    const dir = userPath(opts.model);
    const pkg = await loadModelPackage(dir);
    const vad = await SileroVad.load();
    const results = [];
    const sources = [
      ...(opts.data as string[]).map((folder) => ({ folder, manifest: false })),
      ...(opts.manifest as string[]).map((folder) => ({ folder, manifest: true })),
    ];
    const loaded = [];
    for (const src of sources) {
      loaded.push({
        ...src,
        corpora: await loadCorpora(src.manifest ? [] : [src.folder], src.manifest ? [src.folder] : []),
      });
    }
    // Named test speakers are resolved against every source at once (an id names one corpus).
    const split = splitOptionsFromFlags(
      loaded.flatMap((l) => l.corpora.items),
      { testSpeakers: opts.testSpeakers },
      (l) => process.stderr.write(`${l}\n`),
    );
    for (const { folder, manifest, corpora } of loaded) {
      const items = officialSplit(corpora.items, split.options).test;
      if (items.length === 0)
        throw new Error(`${folder}: no test speakers${manifest ? '; name them with --test-speakers' : ''}`);
      // A manifest is reported under its file name (report/<name>/), a corpus under its own name.
      const corpus = manifest ? basename(folder, extname(folder)) : (items[0]?.corpus ?? 'unknown');
      const session = await evaluateModel(items, pkg, { vad, adapt: 'session', seed: opts.seed });
      const none = await evaluateModel(items, pkg, { vad, adapt: 'none', seed: opts.seed });
      const channels: Record<string, ChannelFigures> = {};
      for (const c of CARD_CHANNELS) {
        const r = await evaluateModel(items, pkg, {
          vad,
          adapt: 'session',
          seed: opts.seed,
          channel: parseChannel(c),
          draws: CARD_DRAWS,
          quiet: true,
        });
        channels[c] = { ua: r.ua, ece: r.ece, confidence: meanConfidence(r), wa: r.wa };
      }
      const out = join(dir, 'report', corpus);
      await mkdir(out, { recursive: true });
      await writeEvaluationReport(out, session, { split: 'test', sources: corpora.sources });
      const { predictions, ...summary } = session;
      await writeFile(
        join(out, 'metrics.json'),
        `${JSON.stringify({ session: summary, cold: { ...none, predictions: undefined } }, null, 2)}\n`,
      );
      await writeFile(join(out, 'predictions.json'), `${JSON.stringify(predictions)}\n`);
      results.push({
        corpus,
        folder,
        session,
        none,
        channels,
        ...(manifest
          ? {
              manifestTestSpeakers: [
                ...new Set(items.map((it) => it.speaker.replace(/^manifest:/, ''))),
              ].sort(),
            }
          : {}),
      });
      process.stderr.write(
        `${corpus}: UA ${f3(session.ua)} (session), ${f3(none.ua)} (cold); ECE ${f3(session.ece)}; ${Object.entries(
          channels,
        )
          .map(([c, m]) => `${c} ${f3(m.ua)}`)
          .join(', ')}\n`,
      );
    }
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    config.metrics = {
      ...(config.metrics ?? {}),
      test: Object.fromEntries(
        results.map((r) => [
          r.corpus,
          {
            ua: r.session.ua,
            wa: r.session.wa,
            macroF1: r.session.macroF1,
            ece: r.session.ece,
            ...(r.session.uncertainty ? { uncertainty: r.session.uncertainty } : {}),
            uaCold: r.none.ua,
            uaByChannel: Object.fromEntries(Object.entries(r.channels).map(([c, m]) => [c, m.ua])),
            eceByChannel: Object.fromEntries(Object.entries(r.channels).map(([c, m]) => [c, m.ece])),
            n: r.session.n,
          },
        ]),
      ),
    };
    await writeFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    await writeFile(join(dir, 'MODEL_CARD.md'), card(dir, pkg.config, results));
    await vad.release();
    await pkg.engine.release();
  });

await program.parseAsync();
