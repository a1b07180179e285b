/**
 * Session 11: rule S10-1's temperature applied to an ensemble package whose member packages are gone.
 *
 * `npm run ensemble -- ... --temperature-from <held-out> --temperature-factor f --temperature-factor-note n`
 * writes T = T(held-out) x f into the package, records the factor and its note in
 * `training.temperatureFrom`, and measures the validation figures at T. The members it reads were
 * lost with /tmp when the machine restarted (session 10), so this script does the temperature part
 * on the package itself: the network (model.onnx, members/) is untouched, the held-out temperature
 * is the one the package recorded, and the figures are measured exactly as `ensemble` measures them
 * (validation speakers, each speaker one session, the same seed). The recorded command becomes the
 * ensemble command that, given the members, writes this package.
 *
 *   npx tsx models/experiments/retemperature.ts <package> --data <corpus>... \
 *     --factor <f> --note <text> [--from <held-out package>] [--check]
 *
 * --from (session 13) takes the held-out temperature, figures, channels and commands from another
 * held-out package of the same recipe (e.g. one whose temperature was fitted over channels), as
 * `ensemble --temperature-from` records them; the recorded command then names that package.
 *
 * --check writes nothing: it measures the figures at the package's current temperature and compares
 * them with the recorded ones (the proof that this measures what `ensemble` measured).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandLine, loadCorpora, withoutOptions } from '../src/cli/common.ts';
import { readTemperatureSource } from '../src/eval/temperature-source.ts';
import { figuresAt, validationLogits } from '../src/eval/validation.ts';

const [dir, ...rest] = process.argv.slice(2);
if (!dir) throw new Error('give the package folder');
const data: string[] = [];
let factor: number | undefined;
let note: string | undefined;
let fromDir: string | undefined;
let check = false;
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  if (a === '--check') {
    check = true;
    continue;
  }
  const v = rest[++i];
  if (v === undefined) throw new Error(`${a} needs a value`);
  if (a === '--data') data.push(v);
  else if (a === '--factor') factor = Number(v);
  else if (a === '--note') note = v;
  else if (a === '--from') fromDir = v;
  else throw new Error(`unknown argument ${a}`);
}
if (!check && (!(factor !== undefined && factor > 0) || !note))
  throw new Error('give --factor (> 0) and --note, or --check');

const configPath = join(dir, 'config.json');
const config = JSON.parse(await readFile(configPath, 'utf8'));
const from = fromDir ? await readTemperatureSource(fromDir) : config.training?.temperatureFrom;
if (check && fromDir) throw new Error('--check measures the package as it is: no --from');
if (typeof from?.temperature !== 'number')
  throw new Error(`${dir}: no held-out temperature recorded (training.temperatureFrom)`);
const temperature = check ? (config.temperature as number) : from.temperature * factor!;

// Exactly `ensemble`'s measurement: the validation speakers, each one session, seed 1.
const found = await validationLogits(dir, await loadCorpora(data, []), {}, 1);
const figures = figuresAt(found, config.classes, temperature);
const key = config.training?.members?.some(
  (x: { training?: { valInTraining?: boolean } }) => x.training?.valInTraining === true,
)
  ? 'valInTraining'
  : 'val';
if (check) {
  console.log(JSON.stringify({ temperature, recorded: config.metrics?.[key], measured: figures }, null, 2));
} else {
  const command = withoutOptions(config.training.command as string, [
    '--temperature-factor',
    '--temperature-factor-note',
  ]).replace(
    /( --temperature-from \S+)/,
    `$1${commandLine('x', ['--temperature-factor', String(factor), '--temperature-factor-note', note!]).replace(/^npm run x --/, '')}`,
  );
  config.temperature = temperature;
  if (typeof from.earlyTemperature === 'number') config.earlyTemperature = from.earlyTemperature * factor!;
  config.training.temperatureFrom = { ...from, factor, factorNote: note };
  config.training.command = fromDir
    ? command.replace(/ --temperature-from \S+/, ` --temperature-from ${fromDir}`)
    : command;
  config.metrics = { ...config.metrics, [key]: figures };
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  console.log(
    `T ${temperature} (${from.temperature} x ${factor}); ${key} ${JSON.stringify(figures)}\n${config.training.command}`,
  );
}
