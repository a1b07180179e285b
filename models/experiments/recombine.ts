/**
 * Session 12: an ensemble package's members combined another way (rule S12-1), for a package whose
 * member packages are gone (the default's were lost with /tmp in session 10; their weights live in
 * its graph and in `members/`).
 *
 * `npm run ensemble -- ... --combine <how> --temperature-from <held-out>` would write the graph with
 * the members combined `<how>`, take the held-out package's temperature and record it, and measure the
 * validation figures at it. This script does that on the package itself: the member subgraphs are
 * kept byte for byte and only the nodes after them change (`recombineEnsembleOnnx`); the temperature
 * and `training.temperatureFrom` come from the held-out package as `ensemble` takes them; the figures
 * are measured as `ensemble` measures them (validation speakers, each one session, seed 1); the
 * recorded command becomes the ensemble command that, given the members, writes this package.
 *
 *   npx tsx models/experiments/recombine.ts <package> --combine mean-prob --temperature-from <held-out> \
 *     --data <corpus>...
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseModelConfig } from '@emostream/shared/model/config';
import { loadCorpora, withoutOptions } from '../src/cli/common.ts';
import { figuresAt, validationLogits } from '../src/eval/validation.ts';
import { ENSEMBLE_COMBINES, type EnsembleCombine, recombineEnsembleOnnx } from '../src/export/ensemble.ts';

const [dir, ...rest] = process.argv.slice(2);
if (!dir) throw new Error('give the package folder');
const data: string[] = [];
let combine: EnsembleCombine | undefined;
let fromDir: string | undefined;
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  const v = rest[++i];
  if (v === undefined) throw new Error(`${a} needs a value`);
  if (a === '--data') data.push(v);
  else if (a === '--combine') combine = v as EnsembleCombine;
  else if (a === '--temperature-from') fromDir = v;
  else throw new Error(`unknown argument ${a}`);
}
if (!combine || !ENSEMBLE_COMBINES.includes(combine))
  throw new Error(`--combine ${ENSEMBLE_COMBINES.join(' or ')}`);
if (!fromDir) throw new Error('give --temperature-from <held-out package>');

const configPath = join(dir, 'config.json');
const config = JSON.parse(await readFile(configPath, 'utf8'));
const source = parseModelConfig(JSON.parse(await readFile(join(fromDir, 'config.json'), 'utf8')));
if (source.training?.valInTraining === true || source.metrics?.val === undefined)
  throw new Error(`${fromDir}: its temperature was not fitted on held-out speakers`);
if ((source.ensembleCombine ?? 'mean-logit') !== combine)
  throw new Error(
    `${fromDir} combines its members ${source.ensembleCombine ?? 'mean-logit'}, not ${combine}`,
  );

const onnxPath = join(dir, config.onnx.file);
await writeFile(onnxPath, recombineEnsembleOnnx(new Uint8Array(await readFile(onnxPath)), combine));
const members = (source.training?.members as Array<{ training?: { command?: unknown } }> | undefined) ?? [];
config.ensembleCombine = combine === 'mean-prob' ? 'mean-prob' : undefined;
config.temperature = source.temperature;
config.training.temperatureFrom = {
  id: source.id,
  temperature: source.temperature,
  val: source.metrics?.val,
  commands: [...members.map((m) => m.training?.command), source.training?.command].filter(
    (c) => typeof c === 'string',
  ),
};
config.training.command = withoutOptions(config.training.command as string, [
  '--temperature-factor',
  '--temperature-factor-note',
  '--temperature-from',
  '--combine',
]).replace(
  / --out /,
  ` --temperature-from ${fromDir}${combine === 'mean-logit' ? '' : ` --combine ${combine}`} --out `,
);
await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);

// Exactly `ensemble`'s measurement: the validation speakers, each one session, seed 1.
const found = await validationLogits(dir, await loadCorpora(data, []), {}, 1);
const figures = figuresAt(found, config.classes, config.temperature);
config.metrics = { valInTraining: figures };
await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
console.log(
  `${combine}, T ${config.temperature}; valInTraining ${JSON.stringify(figures)}\n${config.training.command}`,
);
