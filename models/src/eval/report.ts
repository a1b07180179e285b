/**
 * Human-readable evaluation output: a console table and a Markdown report with the confusion matrix
 * and a reliability diagram as PNG.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { confusionMatrix, reliabilityDiagram } from '../report/charts.ts';
import { renderPng } from '../report/png.ts';
import type { EvaluationResult } from './evaluate.ts';
import type { Metrics } from './metrics.ts';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** A speaker's confidence - accuracy, signed: `+0.031`, `-0.012`. */
export const calibrationGap = (m: { confidence: number; wa: number }) =>
  `${m.confidence - m.wa >= 0 ? '+' : ''}${(m.confidence - m.wa).toFixed(3)}`;

function metricRows(name: string, m: Metrics): string {
  const u = m.uncertainty;
  const ci = u ? `${u.uaCi95[0].toFixed(3)}-${u.uaCi95[1].toFixed(3)}` : '-';
  const bySpeaker = u?.uaCi95BySpeaker
    ? `${u.uaCi95BySpeaker[0].toFixed(3)}-${u.uaCi95BySpeaker[1].toFixed(3)} (${u.speakers})`
    : '-';
  const floor = u ? `${u.eceIfCalibrated.mean.toFixed(3)} (p95 ${u.eceIfCalibrated.p95.toFixed(3)})` : '-';
  return `| ${name} | ${m.n} | ${m.ua.toFixed(3)} | ${ci} | ${bySpeaker} | ${m.wa.toFixed(3)} | ${m.macroF1.toFixed(3)} | ${m.ece.toFixed(3)} | ${floor} |`;
}

/** How band detection decided, when it found any clip to be telephone audio. */
function bandLine(r: EvaluationResult): string[] {
  const b = r.bandDetected;
  if (b === undefined || b.narrowband === 0) return [];
  return [
    `band detected from the audio: narrowband ${b.narrowband}, wideband ${b.wideband}, undecided ${b.undecided} (narrowband switches the VAD to its 8 kHz mode)`,
  ];
}

/** The console summary: overall and per-corpus metrics and per-class recall. */
export function formatTable(r: EvaluationResult, ctx: { split: string; sources: string[] }): string {
  const lines = [
    `model ${r.model}, split ${ctx.split}, adaptation ${r.adapt}, channel ${r.channel}${r.draws > 1 ? ` (${r.draws} draws per clip, pooled)` : ''}`,
    r.draws > 1
      ? `clips scored ${r.n / r.draws} x ${r.draws} draws = ${r.n}, skipped (label not in model) ${r.skipped}, no speech found ${r.noSpeech} of the ${r.n}`
      : `clips scored ${r.n}, skipped (label not in model) ${r.skipped}, no speech found ${r.noSpeech}`,
    ...bandLine(r),
    '',
    '| set | clips | UA | UA 95% CI | by speaker (speakers) | WA | macro-F1 | ECE | ECE if calibrated |',
    '|---|---|---|---|---|---|---|---|---|',
    metricRows('all', r),
    ...Object.entries(r.byCorpus).map(([c, m]) => metricRows(c, m)),
    '',
    'UA 95% CI: stratified bootstrap over clips; by speaker: speakers resampled (three or more), the',
    'wider and more honest interval for a test set of few speakers. ECE if calibrated: the ECE a',
    'perfectly calibrated model with these confidences shows on this many clips by chance (mean, 95th',
    'percentile); it counts clips only, and calibration also moves between speakers (table below).',
    '',
    '| speaker | clips | UA | accuracy | confidence | confidence - accuracy |',
    '|---|---|---|---|---|---|',
    ...Object.entries(r.bySpeaker).map(
      ([s, m]) =>
        `| ${s} | ${m.n} | ${m.ua.toFixed(3)} | ${m.wa.toFixed(3)} | ${m.confidence.toFixed(3)} | ${calibrationGap(m)} |`,
    ),
    '',
    '| class | support | recall | precision | F1 |',
    '|---|---|---|---|---|',
    ...r.classes.map((c) => {
      const m = r.perClass[c]!;
      return `| ${c} | ${m.support} | ${pct(m.recall)} | ${pct(m.precision)} | ${m.f1.toFixed(3)} |`;
    }),
  ];
  return lines.join('\n');
}

/** Writes report.md, confusion.png and reliability.png (plus per-corpus confusion matrices). */
export async function writeEvaluationReport(
  dir: string,
  r: EvaluationResult,
  ctx: { split: string; sources: string[] },
) {
  const pngs: string[] = [];
  const write = async (name: string, svg: string) => {
    await writeFile(join(dir, name), renderPng(svg));
    pngs.push(name);
  };
  await write(
    'confusion.png',
    confusionMatrix({
      title: `Confusion (${ctx.split}, all corpora)`,
      classes: r.classes,
      counts: r.confusion,
      normalise: 'row',
    }),
  );
  for (const [c, m] of Object.entries(r.byCorpus)) {
    await write(
      `confusion-${c}.png`,
      confusionMatrix({
        title: `Confusion (${ctx.split}, ${c})`,
        classes: r.classes,
        counts: m.confusion,
        normalise: 'row',
      }),
    );
  }
  await write(
    'reliability.png',
    reliabilityDiagram({
      title: `Reliability (${ctx.split})`,
      bins: r.reliability.map((b) => ({
        confidenceMean: b.confidenceMean,
        accuracy: b.accuracy,
        count: b.count,
      })),
      ece: r.ece,
    }),
  );
  const md = [
    `# Evaluation of ${r.model}`,
    '',
    `Split: ${ctx.split}. Adaptation: ${r.adapt}. Channel: ${r.channel}. Data: ${ctx.sources.join('; ')}.`,
    '',
    formatTable(r, ctx),
    '',
    '## Confusion matrices (rows: true class, normalised per row)',
    '',
    ...pngs.filter((p) => p.startsWith('confusion')).map((p) => `![${p}](${p})`),
    '',
    '## Reliability',
    '',
    '![reliability](reliability.png)',
    '',
  ].join('\n');
  await writeFile(join(dir, 'report.md'), md);
}
