/**
 * Vertical bar chart of one value per category, e.g. per-class recall.
 */

import {
  type Box,
  categoryLabels,
  categoryLabelsHeight,
  chartSize,
  LABEL_SIZE,
  noData,
  title,
  yAxis,
  yAxisWidth,
} from './layout.ts';
import {
  finiteExtent,
  fixed,
  INK,
  line,
  linearScale,
  niceTicks,
  PALETTE,
  rect,
  svgDocument,
  text,
} from './svg.ts';

/** A labelled horizontal reference line, e.g. chance level or the unweighted average. */
export interface ReferenceLine {
  y: number;
  label: string;
}

export interface BarChartOptions {
  title: string;
  categories: readonly string[];
  /** One value per category; missing or non-finite values get no bar and an "n/a" label. */
  values: readonly number[];
  yLabel: string;
  /** Title under the category labels; none by default. */
  xLabel?: string;
  /** Fixed y domain; defaults to the data extent (always including 0) widened to nice ticks. */
  yRange?: readonly [number, number];
  /** Decimals of the value printed above each bar; default 2. */
  decimals?: number;
  references?: readonly ReferenceLine[];
  colour?: string;
  width?: number;
  height?: number;
}

/**
 * A bar chart with the value printed on each bar.
 *
 * @example
 * barChart({ title: 'Per-class recall', categories: m.classes, values: m.classes.map((c) => m.perClass[c]!.recall),
 *   yLabel: 'recall', yRange: [0, 1], references: [{ y: m.ua, label: `UA ${m.ua.toFixed(2)}` }] });
 */
export function barChart(options: BarChartOptions): string {
  const { w: width, h: height } = chartSize(options.width, options.height);
  const n = options.categories.length;
  const values = options.categories.map((_, i) => options.values[i] ?? Number.NaN);
  const references = (options.references ?? []).filter((r) => Number.isFinite(r.y));
  const decimals = options.decimals ?? 2;
  const yr = options.yRange;
  const yTicks =
    yr && Number.isFinite(yr[0]) && Number.isFinite(yr[1]) && yr[0] !== yr[1]
      ? niceTicks(yr[0], yr[1], { exact: true })
      : (() => {
          const e = finiteExtent([0, ...values, ...references.map((r) => r.y)]) ?? [0, 1];
          return niceTicks(e[0], e[1] === e[0] ? e[0] + 1 : e[1]);
        })();

  const left = yAxisWidth(yTicks) + 6;
  const plotW = width - left - 24;
  const slot = n > 0 ? plotW / n : plotW;
  const labelsH = categoryLabelsHeight(options.categories, slot);
  const top = 50;
  const xLabelH = options.xLabel ? 26 : 0;
  const plot: Box = { x: left, y: top, w: plotW, h: height - top - 8 - labelsH - xLabelH - 12 };
  const sy = linearScale(yTicks.min, yTicks.max, plot.y + plot.h, plot.y);
  const clampY = (y: number) => Math.min(plot.y + plot.h, Math.max(plot.y, y));

  const parts: string[] = [title(width, options.title), yAxis(plot, sy, yTicks, options.yLabel)];
  const base = clampY(sy(Math.min(Math.max(0, yTicks.min), yTicks.max)));
  const barW = Math.min(slot * 0.7, 90);
  const valueSize = Math.max(8, Math.min(12, slot * 0.3));
  const colour = options.colour ?? PALETTE.blue;
  const centres: number[] = [];
  values.forEach((v, i) => {
    const cx = plot.x + slot * (i + 0.5);
    centres.push(cx);
    if (!Number.isFinite(v)) {
      parts.push(text(cx, base - 6, 'n/a', { size: valueSize, anchor: 'middle', fill: INK.muted }));
      return;
    }
    const y = clampY(sy(v));
    parts.push(rect(cx - barW / 2, Math.min(y, base), barW, Math.abs(base - y), colour));
    const above = v >= 0;
    const ly = above ? Math.max(y - 5, plot.y + valueSize) : Math.min(y + 5, plot.y + plot.h - valueSize);
    parts.push(
      text(cx, ly, fixed(v, decimals), {
        size: valueSize,
        anchor: 'middle',
        baseline: above ? 'alphabetic' : 'hanging',
        halo: true,
      }),
    );
  });
  parts.push(line(plot.x, base, plot.x + plot.w, base, INK.axis));
  for (const r of references) {
    const y = sy(r.y);
    if (y < plot.y || y > plot.y + plot.h) continue;
    parts.push(
      line(plot.x, y, plot.x + plot.w, y, PALETTE.vermillion, ' stroke-width="1.5" stroke-dasharray="6 4"'),
    );
    parts.push(
      text(plot.x + plot.w - 4, y - 5, r.label, {
        size: 11,
        anchor: 'end',
        fill: PALETTE.vermillion,
        halo: true,
      }),
    );
  }
  const bottom = plot.y + plot.h;
  parts.push(line(plot.x, bottom, plot.x + plot.w, bottom, INK.axis));
  parts.push(categoryLabels(options.categories, centres, slot, bottom + 8).svg);
  if (options.xLabel) {
    parts.push(
      text(plot.x + plot.w / 2, bottom + 8 + labelsH + 18, options.xLabel, {
        size: LABEL_SIZE,
        anchor: 'middle',
      }),
    );
  }
  if (n === 0 || values.every((v) => !Number.isFinite(v))) parts.push(noData(plot));
  return svgDocument(width, height, parts);
}
