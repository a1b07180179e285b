/**
 * Session 16: a temperature that follows each window's estimated signal-to-noise ratio (rule S16-1 in
 * `models/experiments/README.md`, written before any figure of this script existed).
 *
 * Step 1 (`--dump <file>`): a package's window logits and window SNR estimates (`SnrEstimator`, through
 * the server's pipeline) on the validation speakers, under the channels session 13 fitted the shipped
 * temperature over; one JSON file.
 * Step 2 (`--fit <file>`): from that file, the SNR estimates per channel, the knee H (the 1st
 * percentile of the clean windows' estimates, floored to a dB), the slope k that minimises the pooled
 * NLL of the clip probabilities with T(w) = T0 x min(cap, 1 + k x max(0, H - snr)), and each channel's
 * ECE with and without it.
 *
 *   npx tsx models/experiments/snr-temperature.ts --dump /tmp/val.json [package, default /tmp/s13/ho-ch]
 *   npx tsx models/experiments/snr-temperature.ts --fit /tmp/val.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { NOISY_SNR_DB } from '@emostream/shared/protocol/summary';
import { loadCorpora } from '../src/cli/common.ts';
import { clipKey } from '../src/corpora/types.ts';
import { parseChannel } from '../src/eval/channel.ts';
import { computeMetrics, goldenSectionMin } from '../src/eval/metrics.ts';
import { type SnrClip, snrClipProbs, snrNll } from '../src/eval/snr-temperature.ts';
import { validationLogitsOnChannels } from '../src/eval/validation.ts';

const CHANNELS = ['clean', 'peak', 'phone', 'noise:20', 'noise:10'];
/** The factor's cap (fixed by the rule, not fitted). */
const CAP = 2;

interface Dump {
  dir: string;
  temperature: number;
  classes: string[];
  channels: Array<{
    channel: string;
    clips: Array<{ key: string; truth: number; logits: number[][]; snrDb: number[] }>;
  }>;
}

const args = process.argv.slice(2);
const mode = args[0];
const file = args[1];
if ((mode !== '--dump' && mode !== '--fit') || !file) {
  console.error('usage: snr-temperature.ts --dump <file> [package] | --fit <file>');
  process.exit(2);
}

if (mode === '--dump') {
  const dir = args[2] ?? '/tmp/s13/ho-ch';
  const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as {
    temperature: number;
    classes: string[];
  };
  const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
  const sets = await validationLogitsOnChannels(dir, corpora, {}, 1, CHANNELS.map(parseChannel));
  const dump: Dump = {
    dir,
    temperature: config.temperature,
    classes: config.classes,
    channels: sets.map((s) => ({
      channel: s.channel,
      clips: s.found.items.map((item, i) => ({
        key: clipKey(item),
        truth: s.found.truth[i]!,
        logits: s.found.windows[i]!,
        snrDb: s.found.windowSnrDb[i]!,
      })),
    })),
  };
  writeFileSync(file, JSON.stringify(dump));
  console.log(
    `wrote ${file}: ${dump.channels.map((c) => `${c.channel} ${c.clips.length}`).join(', ')} clips`,
  );
  process.exit(0);
}

const dump = JSON.parse(readFileSync(file, 'utf8')) as Dump;
const T0 = dump.temperature;
const f1 = (x: number) => x.toFixed(1);
const f3 = (x: number) => x.toFixed(3);
const f4 = (x: number) => x.toFixed(4);
const pct = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

console.log(`${dump.dir}: T0 ${f4(T0)}; window SNR estimates (dB) per channel, validation speakers\n`);
console.log(
  `| channel | windows | no estimate | p1 | p5 | p25 | median | p75 | p95 | under ${NOISY_SNR_DB} dB ("noisy line") |`,
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const c of dump.channels) {
  const all = c.clips.flatMap((k) => k.snrDb);
  const v = all.filter((x) => Number.isFinite(x));
  console.log(
    `| ${c.channel} | ${all.length} | ${all.length - v.length} | ${[1, 5, 25, 50, 75, 95].map((p) => f1(pct(v, p))).join(' | ')} | ${((100 * v.filter((x) => x < NOISY_SNR_DB).length) / v.length).toFixed(1)}% |`,
  );
}

const clean = dump.channels.find((c) => c.channel === 'clean')!;
const knee = Math.floor(pct(clean.clips.flatMap((k) => k.snrDb).filter(Number.isFinite), 1));
console.log(`\nknee H = floor(p1 of clean windows) = ${knee} dB; cap ${CAP}`);

/** Clip probabilities (mean of the windows' calibrated probabilities, as `evaluate`) at slope k. */
const rule = (k: number) => ({ kneeDb: knee, slopePerDb: k, maxFactor: CAP });
const asClips = (clips: Dump['channels'][number]['clips']): SnrClip[] =>
  clips.map((c) => ({ windows: c.logits, snrDb: c.snrDb, truth: c.truth }));
const clipProbs = (clips: Dump['channels'][number]['clips'], k: number) =>
  asClips(clips).map((c) => snrClipProbs(c, T0, rule(k)));
/** Each channel weighted equally: the mean over channels of their mean NLL. */
const pooledNll = (k: number) =>
  dump.channels.reduce((s, c) => s + snrNll(asClips(c.clips), T0, rule(k)), 0) / dump.channels.length;
// Golden-section search for k on [0, 0.2] per dB.
const k = goldenSectionMin(pooledNll, 0, 0.2, 50);
console.log(
  `slope k = ${k.toFixed(5)} per dB (pooled NLL ${f4(pooledNll(0))} at k 0 -> ${f4(pooledNll(k))})\n`,
);

console.log(
  '| channel | UA | ECE, one T | ECE, SNR-following | change | conf - acc, one T | conf - acc, SNR-following |',
);
console.log('|---|---|---|---|---|---|---|');
const eces: Array<[number, number]> = [];
for (const c of dump.channels) {
  const truth = c.clips.map((x) => x.truth);
  const before = computeMetrics(clipProbs(c.clips, 0), truth, dump.classes);
  const after = computeMetrics(clipProbs(c.clips, k), truth, dump.classes);
  const gap = (m: typeof before) => {
    const n = m.reliability.reduce((s, r) => s + r.count, 0);
    return m.reliability.reduce((s, r) => s + r.count * r.confidenceMean, 0) / n - m.wa;
  };
  eces.push([before.ece, after.ece]);
  console.log(
    `| ${c.channel} | ${f3(before.ua)} | ${f4(before.ece)} | ${f4(after.ece)} | ${f4(after.ece - before.ece)} | ${f3(gap(before))} | ${f3(gap(after))} |`,
  );
}
const mean = (i: 0 | 1) => eces.reduce((s, e) => s + e[i], 0) / eces.length;
console.log(`| mean | | ${f4(mean(0))} | ${f4(mean(1))} | ${f4(mean(1) - mean(0))} | | |`);
