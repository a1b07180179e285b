/**
 * Line charts, and the training-curve pair (loss, accuracy per epoch) built on them.
 */

import {
  type Box,
  chartSize,
  clipDef,
  DASH,
  type LegendItem,
  legend,
  noData,
  title,
  xAxis,
  yAxis,
  yAxisWidth,
} from './layout.ts';
import {
  attrs,
  finiteExtent,
  INK,
  line,
  linearScale,
  niceTicks,
  num,
  seriesColour,
  svgDocument,
  text,
  textWidth,
} from './svg.ts';

export interface LineSeries {
  /** Legend label. */
  name: string;
  /** One y value per x index; non-finite values are skipped and break the line. */
  values: readonly number[];
  /** Draw dashed, e.g. for validation curves, so series differ by more than colour. */
  dashed?: boolean;
  /** Overrides the palette colour. */
  colour?: string;
}

/** A labelled vertical line, e.g. the best epoch or a learning-rate cut. */
export interface ChartMarker {
  x: number;
  label: string;
  /** Defaults to a dark grey. */
  colour?: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** x of each index; defaults to the index itself (0, 1, 2, ...). */
  xValues?: readonly number[];
  /** Fixed y domain; values outside are clipped. Defaults to the data extent widened to nice ticks. */
  yRange?: readonly [number, number];
  markers?: readonly ChartMarker[];
  /** px; default 800. */
  width?: number;
  /** px; default 500. */
  height?: number;
}

/** Points are drawn as dots as well as lines when there are at most this many per series. */
const MAX_DOTTED_POINTS = 30;

interface Point {
  x: number;
  y: number;
}

/**
 * Y ticks for the data extent widened by a few percent, so that extreme points do not sit on the frame.
 * Non-negative data (losses, accuracies) is never widened below zero.
 */
function paddedTicks([lo, hi]: [number, number]) {
  const pad = (hi - lo) * 0.04;
  return niceTicks(lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad);
}

/** Splits a series into runs of consecutive finite points. */
function segments(values: readonly number[], xAt: (i: number) => number): Point[][] {
  const runs: Point[][] = [];
  let run: Point[] = [];
  values.forEach((y, i) => {
    const x = xAt(i);
    if (Number.isFinite(y) && Number.isFinite(x)) run.push({ x, y });
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * A line chart of one or more series over a shared x axis.
 *
 * @example
 * lineChart({ title: 'loss', xLabel: 'epoch', yLabel: 'loss', xValues: [1, 2, 3],
 *   series: [{ name: 'train', values: [1.2, 0.9, 0.7] }, { name: 'validation', values: [1.3, 1.1, 1.0], dashed: true }] });
 */
export function lineChart(options: LineChartOptions): string {
  const { w: width, h: height } = chartSize(options.width, options.height);
  const xAt = (i: number) => options.xValues?.[i] ?? i;
  const runs = options.series.map((s) => segments(s.values, xAt));
  const points = runs.flat(2);
  const markers = (options.markers ?? []).filter((m) => Number.isFinite(m.x));

  const xExtent = finiteExtent([...points.map((p) => p.x), ...markers.map((m) => m.x)]) ??
    finiteExtent(options.xValues ?? []) ?? [0, 1];
  const integerX = [...points.map((p) => p.x), ...markers.map((m) => m.x)].every(Number.isInteger);
  const xTicks = niceTicks(xExtent[0], xExtent[1], {
    exact: xExtent[0] !== xExtent[1],
    integer: integerX,
    target: 10,
  });
  const yr = options.yRange;
  const yTicks =
    yr && Number.isFinite(yr[0]) && Number.isFinite(yr[1]) && yr[0] !== yr[1]
      ? niceTicks(yr[0], yr[1], { exact: true })
      : paddedTicks(finiteExtent(points.map((p) => p.y)) ?? [0, 1]);

  const parts: string[] = [title(width, options.title)];
  let top = 44;
  if (options.series.length > 1) {
    const items: LegendItem[] = options.series.map((s, i) => ({
      label: s.name,
      colour: s.colour ?? seriesColour(i),
      kind: s.dashed ? 'dashed' : 'line',
    }));
    const lg = legend(items, width / 2, top + 6, width - 40);
    parts.push(lg.svg);
    top += lg.height + 8;
  }
  const left = yAxisWidth(yTicks) + 6;
  const plot: Box = { x: left, y: top + 6, w: width - left - 24, h: height - top - 6 - 62 };
  const sx = linearScale(xTicks.min, xTicks.max, plot.x, plot.x + plot.w);
  const sy = linearScale(yTicks.min, yTicks.max, plot.y + plot.h, plot.y);

  // A few px of slack so dots on the domain edges are not cut in half.
  parts.push(clipDef('plot-area', { x: plot.x - 6, y: plot.y - 6, w: plot.w + 12, h: plot.h + 12 }));
  parts.push(yAxis(plot, sy, yTicks, options.yLabel));
  parts.push(xAxis(plot, sx, xTicks, options.xLabel));
  parts.push(...markerLines(markers, plot, sx));

  const data: string[] = [];
  options.series.forEach((s, i) => {
    const colour = s.colour ?? seriesColour(i);
    const dash = s.dashed ? DASH : undefined;
    const seriesRuns = runs[i] ?? [];
    const count = seriesRuns.reduce((n, r) => n + r.length, 0);
    for (const run of seriesRuns) {
      if (run.length > 1) {
        const pts = run.map((p) => `${num(sx(p.x))},${num(sy(p.y))}`).join(' ');
        data.push(
          `<polyline${attrs({ points: pts, fill: 'none', stroke: colour, 'stroke-width': 2.5, 'stroke-linejoin': 'round', 'stroke-linecap': 'round', 'stroke-dasharray': dash })}/>`,
        );
      }
      if (run.length === 1 || count <= MAX_DOTTED_POINTS) {
        for (const p of run) {
          const fill = s.dashed ? '#ffffff' : colour;
          data.push(
            `<circle${attrs({ cx: sx(p.x), cy: sy(p.y), r: 3.5, fill, stroke: colour, 'stroke-width': 2 })}/>`,
          );
        }
      }
    }
  });
  parts.push(`<g clip-path="url(#plot-area)">\n${data.join('\n')}\n</g>`);
  parts.push(...markerLabels(markers, plot, sx));
  if (points.length === 0) parts.push(noData(plot));
  return svgDocument(width, height, parts);
}

function markerLines(markers: readonly ChartMarker[], plot: Box, sx: (v: number) => number): string[] {
  return markers.map((m) =>
    line(
      sx(m.x),
      plot.y,
      sx(m.x),
      plot.y + plot.h,
      m.colour ?? INK.muted,
      ` stroke-width="1.5" stroke-dasharray="3 3"`,
    ),
  );
}

/** Marker labels along the top of the plot, stacked into rows so that neighbours do not overlap. */
function markerLabels(markers: readonly ChartMarker[], plot: Box, sx: (v: number) => number): string[] {
  const size = 11;
  const rows: [number, number][][] = [];
  const sorted = [...markers].sort((a, b) => a.x - b.x || a.label.localeCompare(b.label));
  return sorted.map((m) => {
    const x = sx(m.x);
    const w = textWidth(m.label, size);
    const leftward = x + 4 + w > plot.x + plot.w;
    const span: [number, number] = leftward ? [x - 4 - w, x] : [x, x + 4 + w];
    let row = rows.findIndex((r) => r.every(([a, b]) => span[1] + 4 < a || span[0] > b + 4));
    if (row < 0) {
      rows.push([]);
      row = rows.length - 1;
    }
    rows[row]!.push(span);
    return text(leftward ? x - 4 : x + 4, plot.y + 12 + row * 15, m.label, {
      size,
      anchor: leftward ? 'end' : 'start',
      fill: m.colour ?? INK.text,
      halo: true,
    });
  });
}

/** One epoch of training history, as the trainer records it. */
export interface EpochPoint {
  epoch: number;
  loss: number;
  valLoss: number;
  acc: number;
  valAcc: number;
  lr: number;
  /** Validation unweighted accuracy; plotted when every epoch has it. */
  valUa?: number;
}

export interface TrainingCurvesOptions {
  /** Epoch to mark as best; defaults to the highest `valUa` if recorded, else the lowest `valLoss`. */
  bestEpoch?: number;
  width?: number;
  height?: number;
}

/** The epoch the trainer would keep: highest validation UA when recorded, otherwise lowest validation loss. */
export function pickBestEpoch(history: readonly EpochPoint[]): number | undefined {
  const useUa = history.length > 0 && history.every((h) => Number.isFinite(h.valUa));
  let best: EpochPoint | undefined;
  for (const h of history) {
    const score = useUa ? h.valUa! : -h.valLoss;
    if (!Number.isFinite(score)) continue;
    const bestScore = best === undefined ? undefined : useUa ? best.valUa! : -best.valLoss;
    if (bestScore === undefined || score > bestScore) best = h;
  }
  return best?.epoch;
}

function formatLr(lr: number): string {
  const [mantissa, exp] = lr.toExponential(2).split('e');
  return `${mantissa?.replace(/\.?0+$/, '')}e${exp}`;
}

/**
 * Loss and accuracy curves (train vs validation) per epoch, with the best epoch and every learning-rate
 * reduction marked.
 *
 * @example
 * const { loss, accuracy } = trainingCurves(result.history, { bestEpoch: result.bestEpoch });
 * await writeFile('loss.png', renderPng(loss));
 */
export function trainingCurves(
  history: readonly EpochPoint[],
  options: TrainingCurvesOptions = {},
): { loss: string; accuracy: string } {
  const epochs = history.map((h) => h.epoch);
  const markers: ChartMarker[] = [];
  for (let i = 1; i < history.length; i++) {
    const prev = history[i - 1]!.lr;
    const cur = history[i]!.lr;
    if (Number.isFinite(prev) && Number.isFinite(cur) && cur < prev) {
      markers.push({ x: history[i]!.epoch, label: `lr → ${formatLr(cur)}`, colour: INK.muted });
    }
  }
  const best = options.bestEpoch ?? pickBestEpoch(history);
  if (best !== undefined) markers.push({ x: best, label: `best (epoch ${best})`, colour: '#000000' });
  const size = { width: options.width, height: options.height };
  const loss = lineChart({
    title: 'Loss (train vs validation)',
    xLabel: 'epoch',
    yLabel: 'loss',
    xValues: epochs,
    series: [
      { name: 'train', values: history.map((h) => h.loss) },
      { name: 'validation', values: history.map((h) => h.valLoss), dashed: true },
    ],
    markers,
    ...size,
  });
  const accSeries: LineSeries[] = [
    { name: 'train', values: history.map((h) => h.acc) },
    { name: 'validation', values: history.map((h) => h.valAcc), dashed: true },
  ];
  if (history.length > 0 && history.every((h) => Number.isFinite(h.valUa))) {
    accSeries.push({ name: 'validation UA', values: history.map((h) => h.valUa!), dashed: true });
  }
  const accuracy = lineChart({
    title: 'Accuracy (train vs validation)',
    xLabel: 'epoch',
    yLabel: 'accuracy',
    xValues: epochs,
    yRange: [0, 1],
    series: accSeries,
    markers,
    ...size,
  });
  return { loss, accuracy };
}
