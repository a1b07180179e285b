/**
 * Session 17: a temperature that follows the ensemble members' disagreement (rule S17-1 in
 * `models/experiments/README.md`, committed before any figure of this script existed).
 *
 * Step 1 (`--dump <file> <member dir>...`): each member's window logits on the validation speakers,
 * through the server's pipeline, under the channels session 13 fitted the shipped temperature over; one
 * JSON file (two processes can dump half the members each).
 * Step 2 (`--fit <file>...`): the members merged per window (their mean logits are the ensemble's
 * `mean-logit` output), each window's disagreement d (the members' mutual information), then the
 * baseline (one temperature) and the rule T(window) = T0 x (1 + k d), both fitted on the pooled NLL of
 * the clip probabilities with each channel weighted equally, judged leave one speaker out.
 *
 *   npx tsx models/experiments/disagreement-temperature.ts --dump /tmp/s17/a.json /tmp/s13/ho/stats-mlp-s{1,2,3,4}
 *   npx tsx models/experiments/disagreement-temperature.ts --dump /tmp/s17/b.json /tmp/s13/ho/tdnn-s{1,2,3,4}
 *   npx tsx models/experiments/disagreement-temperature.ts --fit /tmp/s17/a.json /tmp/s17/b.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadCorpora } from '../src/cli/common.ts';
import { clipKey } from '../src/corpora/types.ts';
import { parseChannel } from '../src/eval/channel.ts';
import {
  computeMetrics,
  fitClipTemperature,
  fitTemperature,
  goldenSectionMin,
  softmax,
} from '../src/eval/metrics.ts';
import { validationLogitsOnChannels } from '../src/eval/validation.ts';

const CHANNELS = ['clean', 'peak', 'phone', 'noise:20', 'noise:10'];

interface MemberDump {
  dir: string;
  channels: Array<{
    channel: string;
    clips: Array<{ key: string; speaker: string; truth: number; logits: number[][] }>;
  }>;
}
interface Dump {
  classes: string[];
  members: MemberDump[];
}

const args = process.argv.slice(2);
const mode = args[0];
if ((mode !== '--dump' && mode !== '--fit') || args.length < 2) {
  console.error('usage: disagreement-temperature.ts --dump <file> <member dir>... | --fit <file>...');
  process.exit(2);
}

if (mode === '--dump') {
  const [file, ...dirs] = args.slice(1);
  if (!file || dirs.length === 0) throw new Error('give the output file and at least one member');
  const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
  const dump: Dump = { classes: [], members: [] };
  for (const dir of dirs) {
    const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as { classes: string[] };
    dump.classes = config.classes;
    const sets = await validationLogitsOnChannels(dir, corpora, {}, 1, CHANNELS.map(parseChannel));
    dump.members.push({
      dir,
      channels: sets.map((s) => ({
        channel: s.channel,
        clips: s.found.items.map((item, i) => ({
          key: clipKey(item),
          speaker: item.speaker,
          truth: s.found.truth[i]!,
          logits: s.found.windows[i]!,
        })),
      })),
    });
    console.log(`${dir}: ${sets.map((s) => `${s.channel} ${s.found.items.length}`).join(', ')} clips`);
  }
  writeFileSync(file, JSON.stringify(dump));
  console.log(`wrote ${file}`);
  process.exit(0);
}

// ---- fit ----
const dumps = args.slice(1).map((f) => JSON.parse(readFileSync(f, 'utf8')) as Dump);
const classes = dumps[0]!.classes;
const members = dumps.flatMap((d) => d.members);
const M = members.length;

interface Clip {
  key: string;
  speaker: string;
  truth: number;
  /** Per window, the members' mean logits (the `mean-logit` ensemble). */
  windows: number[][];
  /** Per window, the members' mutual information (nats). */
  d: number[];
}

const entropy = (p: ArrayLike<number>) => {
  let h = 0;
  for (let j = 0; j < p.length; j++) if (p[j]! > 0) h -= p[j]! * Math.log(p[j]!);
  return h;
};

/** The members' mutual information for one window: H(mean p_m) - mean H(p_m), p_m at temperature 1. */
function mutualInformation(rows: readonly (readonly number[])[]): number {
  const ps = rows.map((z) => softmax(z, 1));
  const mean = ps[0]!.map((_, j) => ps.reduce((s, p) => s + p[j]!, 0) / ps.length);
  return entropy(mean) - ps.reduce((s, p) => s + entropy(p), 0) / ps.length;
}

const channels = CHANNELS.map((name) => {
  const per = members.map((m) => {
    const c = m.channels.find((x) => x.channel === name);
    if (!c) throw new Error(`${m.dir} has no ${name}`);
    return new Map(c.clips.map((k) => [k.key, k]));
  });
  const keys = [...per[0]!.keys()].filter((k) => per.every((p) => p.has(k)));
  const dropped = per.map((p) => p.size - keys.length);
  const clips: Clip[] = [];
  let windowMismatch = 0;
  for (const key of keys) {
    const all = per.map((p) => p.get(key)!);
    const n = all[0]!.logits.length;
    if (all.some((c) => c.logits.length !== n || c.truth !== all[0]!.truth)) {
      windowMismatch++;
      continue;
    }
    const windows: number[][] = [];
    const d: number[] = [];
    for (let w = 0; w < n; w++) {
      const rows = all.map((c) => c.logits[w]!);
      windows.push(rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / M));
      d.push(mutualInformation(rows));
    }
    clips.push({ key, speaker: all[0]!.speaker, truth: all[0]!.truth, windows, d });
  }
  if (windowMismatch > 0 || dropped.some((x) => x > 0))
    console.log(
      `${name}: ${windowMismatch} clips whose members' windows differ, dropped per member ${dropped}`,
    );
  return { name, clips };
});

/** A clip's probabilities: the mean of its windows' probabilities at T0 x (1 + k d). */
function clipProbs(c: Clip, t0: number, k: number): number[] {
  const out = new Array<number>(classes.length).fill(0);
  c.windows.forEach((z, w) => {
    const p = softmax(z, t0 * (1 + k * c.d[w]!));
    for (let j = 0; j < out.length; j++) out[j]! += p[j]! / c.windows.length;
  });
  return out;
}
const nll = (clips: readonly Clip[], t0: number, k: number) =>
  clips.reduce((s, c) => s - Math.log(Math.max(clipProbs(c, t0, k)[c.truth]!, 1e-12)), 0) /
  Math.max(1, clips.length);

type Sets = Array<{ name: string; clips: Clip[] }>;
/** Each channel weighted equally: the mean over channels of their mean NLL. */
const pooledNll = (sets: Sets, t0: number, k: number) =>
  sets.reduce((s, c) => s + nll(c.clips, t0, k), 0) / sets.length;

const bestT = (sets: Sets, k: number) => goldenSectionMin((t) => pooledNll(sets, t, k), 0.2, 3, 50);
/** (T0, k): golden section on k in [0, 20], T0 refitted at each k; k = 0 kept unless it is beaten. */
function fitRule(sets: Sets): { t0: number; k: number } {
  const at = (k: number) => pooledNll(sets, bestT(sets, k), k);
  const k = goldenSectionMin(at, 0, 20, 40);
  return at(k) < at(0) ? { t0: bestT(sets, k), k } : { t0: bestT(sets, 0), k: 0 };
}

const f3 = (x: number) => x.toFixed(3);
const f4 = (x: number) => x.toFixed(4);
const quant = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

console.log(`${M} members: ${members.map((m) => m.dir).join(', ')}\n`);
console.log('| channel | clips | windows | d p10 | d median | d p90 | UA |');
console.log('|---|---|---|---|---|---|---|');
for (const c of channels) {
  const d = c.clips.flatMap((x) => x.d);
  const m = computeMetrics(
    c.clips.map((x) => clipProbs(x, 1, 0)),
    c.clips.map((x) => x.truth),
    classes,
  );
  console.log(
    `| ${c.name} | ${c.clips.length} | ${d.length} | ${f3(quant(d, 0.1))} | ${f3(quant(d, 0.5))} | ${f3(quant(d, 0.9))} | ${f3(m.ua)} |`,
  );
}

// S17-2: on these windows, the temperature fitted on clip mean logits (the old fit) and on the mean
// of the windows' probabilities (what evaluate scores), every clip of every channel pooled.
{
  const clips = channels.flatMap((c) => c.clips);
  const meanLogits = clips.map((c) =>
    c.windows[0]!.map((_, j) => c.windows.reduce((s, w) => s + w[j]!, 0) / c.windows.length),
  );
  const truth = clips.map((c) => c.truth);
  console.log(
    `\nS17-2, all clips pooled (${clips.length}, ${clips.filter((c) => c.windows.length > 1).length} of several windows): T fitted on clip mean logits ${fitTemperature(meanLogits, truth)}, on the mean of the windows' probabilities ${fitClipTemperature(
      clips.map((c) => c.windows),
      truth,
    )}`,
  );
}

const all = fitRule(channels);
const allBase = bestT(channels, 0);
console.log(
  `\nall six speakers: one T ${f4(allBase)} (pooled NLL ${f4(pooledNll(channels, allBase, 0))}); rule T0 ${f4(all.t0)}, k ${f4(all.k)} (pooled NLL ${f4(pooledNll(channels, all.t0, all.k))})`,
);

// Leave one speaker out.
const speakers = [...new Set(channels.flatMap((c) => c.clips.map((x) => x.speaker)))].sort();
const oos = new Map<string, { base: number[][]; rule: number[][]; truth: number[]; speakerOf: string[] }>();
for (const c of channels) oos.set(c.name, { base: [], rule: [], truth: [], speakerOf: [] });
console.log('\n| held-out speaker | one T (others) | rule T0, k (others) |');
console.log('|---|---|---|');
for (const s of speakers) {
  const train = channels.map((c) => ({ name: c.name, clips: c.clips.filter((x) => x.speaker !== s) }));
  const tb = bestT(train, 0);
  const r = fitRule(train);
  console.log(`| ${s} | ${f4(tb)} | ${f4(r.t0)}, ${f4(r.k)} |`);
  for (const c of channels) {
    const o = oos.get(c.name)!;
    for (const x of c.clips.filter((y) => y.speaker === s)) {
      o.base.push(clipProbs(x, tb, 0));
      o.rule.push(clipProbs(x, r.t0, r.k));
      o.truth.push(x.truth);
      o.speakerOf.push(s);
    }
  }
}

const gap = (m: ReturnType<typeof computeMetrics>) => {
  const n = m.reliability.reduce((s, r) => s + r.count, 0);
  return m.reliability.reduce((s, r) => s + r.count * r.confidenceMean, 0) / n - m.wa;
};
const meanNll = (probs: number[][], truth: number[]) =>
  probs.reduce((s, p, i) => s - Math.log(Math.max(p[truth[i]!]!, 1e-12)), 0) / probs.length;
const uncertain = (probs: number[][]) => probs.filter((p) => Math.max(...p) < 0.55).length / probs.length;

console.log('\nOut of speaker (each speaker calibrated by a fit on the other five):\n');
console.log(
  '| channel | ECE, one T | ECE, rule | change | conf - acc, one T | rule | NLL, one T | rule | uncertain, one T | rule |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
const eces: Array<[number, number]> = [];
const nlls: Array<[number, number]> = [];
for (const c of channels) {
  const o = oos.get(c.name)!;
  const b = computeMetrics(o.base, o.truth, classes);
  const r = computeMetrics(o.rule, o.truth, classes);
  eces.push([b.ece, r.ece]);
  nlls.push([meanNll(o.base, o.truth), meanNll(o.rule, o.truth)]);
  console.log(
    `| ${c.name} | ${f4(b.ece)} | ${f4(r.ece)} | ${f4(r.ece - b.ece)} | ${f3(gap(b))} | ${f3(gap(r))} | ${f4(nlls.at(-1)![0])} | ${f4(nlls.at(-1)![1])} | ${(100 * uncertain(o.base)).toFixed(1)}% | ${(100 * uncertain(o.rule)).toFixed(1)}% |`,
  );
}
const mean = (v: Array<[number, number]>, i: 0 | 1) => v.reduce((s, e) => s + e[i], 0) / v.length;
console.log(
  `| mean | ${f4(mean(eces, 0))} | ${f4(mean(eces, 1))} | ${f4(mean(eces, 1) - mean(eces, 0))} | | | ${f4(mean(nlls, 0))} | ${f4(mean(nlls, 1))} | | |`,
);

// Per speaker, clean channel: the calibration gap with each.
console.log('\nPer held-out speaker, all channels pooled: confidence - accuracy, one T -> rule\n');
for (const s of speakers) {
  const base: number[][] = [];
  const rule: number[][] = [];
  const truth: number[] = [];
  for (const c of channels) {
    const o = oos.get(c.name)!;
    o.speakerOf.forEach((sp, i) => {
      if (sp !== s) return;
      base.push(o.base[i]!);
      rule.push(o.rule[i]!);
      truth.push(o.truth[i]!);
    });
  }
  const b = computeMetrics(base, truth, classes);
  const r = computeMetrics(rule, truth, classes);
  console.log(`- ${s}: accuracy ${f3(b.wa)}, ${f3(gap(b))} -> ${f3(gap(r))}`);
}

const drop = mean(eces, 0) - mean(eces, 1);
const worst = Math.max(...eces.map(([b, r]) => r - b));
const checks = [
  [`mean ECE falls by >= 0.005 (${f4(drop)})`, drop >= 0.005],
  [`no channel's ECE rises by > 0.005 (largest rise ${f4(worst)})`, worst <= 0.005],
  [`pooled NLL falls (${f4(mean(nlls, 0))} -> ${f4(mean(nlls, 1))})`, mean(nlls, 1) < mean(nlls, 0)],
  [`k on all six > 0 (${f4(all.k)})`, all.k > 0],
] as const;
console.log('\nS17-1:');
for (const [text, ok] of checks) console.log(`- ${ok ? 'holds' : 'FAILS'}: ${text}`);
console.log(checks.every(([, ok]) => ok) ? 'adopt' : 'do not adopt');
