/**
 * Confusion-matrix heatmap: rows are the true class, columns the predicted class.
 */

import { categoryLabelsHeight, chartSize, LABEL_SIZE, TICK_SIZE, title } from './layout.ts';
import { HEAT_ENDS, heatColour, INK, line, niceTicks, rect, svgDocument, text, textWidth } from './svg.ts';

export interface ConfusionMatrixOptions {
  title: string;
  classes: readonly string[];
  /** `counts[true][predicted]`; missing, negative or non-finite entries count as 0. */
  counts: readonly (readonly number[])[];
  /**
   * 'row': colour and percentage are the share of the true class (recall on the diagonal);
   * 'none': colour is the count relative to the largest cell and only counts are printed.
   */
  normalise?: 'row' | 'none';
  width?: number;
  height?: number;
}

function cleanCount(v: number | undefined): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : 0;
}

/** Percentage text that never rounds a non-zero share to "0%" or a partial one to "100%". */
export function percentLabel(share: number): string {
  if (!(share > 0)) return '0%';
  if (share < 0.005) return '<1%';
  if (share < 1 && share > 0.995) return '>99%';
  return `${Math.round(share * 100)}%`;
}

/**
 * A heatmap of `counts` with the percentage and count in every cell, readable up to about a dozen
 * classes at the default size.
 *
 * @example
 * confusionMatrix({ title: 'RAVDESS test', classes: metrics.classes, counts: metrics.confusion, normalise: 'row' });
 */
export function confusionMatrix(options: ConfusionMatrixOptions): string {
  const { w: width, h: height } = chartSize(options.width, options.height);
  const classes = options.classes;
  const n = classes.length;
  const mode = options.normalise ?? 'row';
  const counts = classes.map((_, r) => classes.map((_, c) => cleanCount(options.counts[r]?.[c])));
  const rowTotals = counts.map((row) => row.reduce((a, b) => a + b, 0));
  const maxCount = Math.max(0, ...counts.flat());
  const share = (r: number, c: number): number => {
    const v = counts[r]![c]!;
    if (mode === 'row') return rowTotals[r]! > 0 ? v / rowTotals[r]! : 0;
    return maxCount > 0 ? v / maxCount : 0;
  };

  const parts: string[] = [title(width, options.title)];
  if (n === 0) {
    parts.push(text(width / 2, height / 2, 'no classes', { size: 14, anchor: 'middle', fill: INK.muted }));
    return svgDocument(width, height, parts);
  }

  const rowLabels = classes.map((c, r) => `${c} (${rowTotals[r]})`);
  const rowLabelW = Math.max(...rowLabels.map((l) => textWidth(l, TICK_SIZE)));
  const top = 48;
  const barSpace = 80;
  const left = 28 + rowLabelW + 8;
  const availW = width - left - barSpace - 16;
  const plainBottom = 14 + 8 + 26;
  let cell = Math.min(availW / n, (height - top - plainBottom) / n);
  const bottom = 8 + categoryLabelsHeight(classes, cell) + 26;
  if (bottom > plainBottom) cell = Math.min(availW / n, (height - top - bottom) / n);
  cell = Math.max(4, Math.floor(cell));
  const size = cell * n;
  const x0 = Math.round(left + Math.max(0, (availW - size) / 2));
  const y0 = top;

  const pctSize = Math.max(7, Math.min(14, cell * 0.27));
  const countSize = Math.max(6, pctSize * 0.8);
  const twoLines = cell >= 30;
  const cells: string[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const s = share(r, c);
      const x = x0 + c * cell;
      const y = y0 + r * cell;
      cells.push(rect(x, y, cell, cell, heatColour(s), ' stroke="#ffffff" stroke-width="1"'));
      const fill = s > 0.5 ? '#ffffff' : INK.text;
      const count = String(counts[r]![c]);
      if (mode === 'none') {
        cells.push(
          text(x + cell / 2, y + cell / 2, count, {
            size: pctSize,
            anchor: 'middle',
            baseline: 'middle',
            fill,
          }),
        );
      } else if (twoLines) {
        const weight = r === c ? 'bold' : 'normal';
        cells.push(
          text(x + cell / 2, y + cell / 2 - 1, percentLabel(s), {
            size: pctSize,
            anchor: 'middle',
            weight,
            fill,
          }),
        );
        cells.push(
          text(x + cell / 2, y + cell / 2 + 2, count, {
            size: countSize,
            anchor: 'middle',
            baseline: 'hanging',
            fill,
          }),
        );
      } else {
        cells.push(
          text(x + cell / 2, y + cell / 2, percentLabel(s), {
            size: pctSize,
            anchor: 'middle',
            baseline: 'middle',
            fill,
          }),
        );
      }
    }
  }
  parts.push(...cells);
  // Diagonal outline: where the correct predictions are, whatever their colour.
  for (let i = 0; i < n; i++) {
    parts.push(
      rect(
        x0 + i * cell + 1,
        y0 + i * cell + 1,
        cell - 2,
        cell - 2,
        'none',
        ` stroke="${INK.axis}" stroke-width="1"`,
      ),
    );
  }

  for (let r = 0; r < n; r++) {
    parts.push(
      text(x0 - 8, y0 + r * cell + cell / 2, rowLabels[r]!, {
        size: TICK_SIZE,
        anchor: 'end',
        baseline: 'middle',
      }),
    );
  }
  const colLabelY = y0 + size + 8;
  const widest = Math.max(...classes.map((l) => textWidth(l, TICK_SIZE)));
  const rotate = widest > cell - 6;
  classes.forEach((cls, c) => {
    const cx = x0 + c * cell + cell / 2;
    parts.push(
      rotate
        ? text(cx + TICK_SIZE * 0.3, colLabelY + 2, cls, {
            size: TICK_SIZE,
            anchor: 'end',
            rotate: -40,
            baseline: 'hanging',
          })
        : text(cx, colLabelY, cls, { size: TICK_SIZE, anchor: 'middle', baseline: 'hanging' }),
    );
  });
  const labelsH = categoryLabelsHeight(classes, cell);
  parts.push(
    text(x0 + size / 2, colLabelY + labelsH + 18, 'predicted', {
      size: LABEL_SIZE,
      anchor: 'middle',
      weight: 'bold',
    }),
  );
  parts.push(
    text(x0 - 8 - rowLabelW - 14, y0 + size / 2, 'true (n)', {
      size: LABEL_SIZE,
      anchor: 'middle',
      rotate: -90,
      weight: 'bold',
    }),
  );
  parts.push(
    ...colourBar(x0 + size + 22, y0, Math.min(size, 300), mode === 'row' ? 'row %' : 'count', mode, maxCount),
  );
  return svgDocument(width, height, parts);
}

function colourBar(
  x: number,
  y: number,
  h: number,
  label: string,
  mode: 'row' | 'none',
  maxCount: number,
): string[] {
  const w = 14;
  const parts = [
    `<defs><linearGradient id="heat-ramp" x1="0" y1="1" x2="0" y2="0"><stop offset="0" stop-color="${HEAT_ENDS[0]}"/><stop offset="1" stop-color="${HEAT_ENDS[1]}"/></linearGradient></defs>`,
    rect(x, y, w, h, 'url(#heat-ramp)', ` stroke="${INK.axis}" stroke-width="0.5"`),
  ];
  // Count mode: round-number ticks up to the largest cell (the colour scale's top).
  const ticks =
    mode === 'row'
      ? [0, 0.25, 0.5, 0.75, 1].map((t) => ({ t, value: `${t * 100}%` }))
      : niceTicks(0, Math.max(1, maxCount), { exact: true, integer: true, target: 5 }).values.map((v) => ({
          t: v / Math.max(1, maxCount),
          value: String(v),
        }));
  for (const { t, value } of ticks) {
    const ty = y + h - t * h;
    parts.push(
      line(x + w, ty, x + w + 4, ty, INK.axis),
      text(x + w + 7, ty, value, { size: 11, baseline: 'middle', fill: INK.muted }),
    );
  }
  parts.push(text(x + w / 2, y + h + 16, label, { size: 11, anchor: 'middle', fill: INK.muted }));
  return parts;
}
