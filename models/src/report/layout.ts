/**
 * Shared chart furniture: title, legend and numeric axes with grid lines. Charts compute their plot
 * rectangle from the margins these pieces need, then draw the data inside it.
 */

import { fixed, INK, line, num, rect, type Ticks, text, textWidth } from './svg.ts';

/** A rectangle in SVG pixel coordinates. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Default chart size in px. */
export const DEFAULT_SIZE = { width: 800, height: 500 } as const;

export const TITLE_SIZE = 17;
export const LABEL_SIZE = 13;
export const TICK_SIZE = 12;

/** Width given by the caller, or the default when missing or unusable. */
export function chartSize(width: number | undefined, height: number | undefined): { w: number; h: number } {
  const ok = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v >= 100;
  return { w: ok(width) ? width : DEFAULT_SIZE.width, h: ok(height) ? height : DEFAULT_SIZE.height };
}

/** The chart title, centred on the top edge and shrunk (down to 11 px) to fit the width. */
export function title(width: number, content: string): string {
  let size = TITLE_SIZE;
  while (size > 11 && textWidth(content, size) * 1.05 > width - 20) size--;
  return text(width / 2, 28, content, { size, anchor: 'middle', weight: 'bold' });
}

/** How a legend entry's swatch is drawn. */
export type SwatchKind = 'line' | 'dashed' | 'box' | 'outlined-box';

export interface LegendItem {
  label: string;
  colour: string;
  kind: SwatchKind;
}

const SWATCH_W = 26;
const LEGEND_SIZE = 12;
const LEGEND_ROW = 18;

/** Dash pattern shared by dashed series and their legend swatches. */
export const DASH = '7 4';

function swatch(item: LegendItem, x: number, y: number): string {
  switch (item.kind) {
    case 'line':
      return line(x, y, x + SWATCH_W, y, item.colour, ' stroke-width="2.5"');
    case 'dashed':
      return line(x, y, x + SWATCH_W, y, item.colour, ` stroke-width="2.5" stroke-dasharray="${DASH}"`);
    case 'box':
      return rect(x + 6, y - 6, 14, 12, item.colour);
    case 'outlined-box':
      return rect(x + 6, y - 6, 14, 12, item.colour, ` fill-opacity="0.35" stroke="${item.colour}"`);
  }
}

/**
 * A horizontal legend centred on `centreX` with its first row at `y`, wrapping onto more rows when the
 * entries do not fit `maxWidth`. Returns the SVG and the height it takes.
 */
export function legend(
  items: readonly LegendItem[],
  centreX: number,
  y: number,
  maxWidth: number,
): { svg: string; height: number } {
  const widths = items.map((it) => SWATCH_W + 6 + textWidth(it.label, LEGEND_SIZE) + 18);
  const rows: number[][] = [];
  let current: number[] = [];
  let used = 0;
  widths.forEach((w, i) => {
    if (current.length > 0 && used + w > maxWidth) {
      rows.push(current);
      current = [];
      used = 0;
    }
    current.push(i);
    used += w;
  });
  if (current.length > 0) rows.push(current);
  const parts: string[] = [];
  rows.forEach((row, r) => {
    const rowWidth = row.reduce((s, i) => s + widths[i]!, 0) - 18;
    let x = centreX - rowWidth / 2;
    const ry = y + r * LEGEND_ROW;
    for (const i of row) {
      const item = items[i]!;
      parts.push(
        swatch(item, x, ry),
        text(x + SWATCH_W + 6, ry, item.label, { size: LEGEND_SIZE, baseline: 'middle' }),
      );
      x += widths[i]!;
    }
  });
  return { svg: parts.join('\n'), height: rows.length * LEGEND_ROW };
}

/** Tick label text for `v`. */
export function tickLabel(v: number, ticks: Ticks): string {
  return fixed(v, ticks.decimals);
}

/** Horizontal space the y axis (tick labels plus rotated axis title) needs left of the plot. */
export function yAxisWidth(ticks: Ticks, format: (v: number) => string = (v) => tickLabel(v, ticks)): number {
  const widest = Math.max(0, ...ticks.values.map((v) => textWidth(format(v), TICK_SIZE)));
  return 22 + 8 + widest + 8;
}

/** Y grid lines, tick labels, axis line and rotated axis title. */
export function yAxis(
  plot: Box,
  scale: (v: number) => number,
  ticks: Ticks,
  label: string,
  format: (v: number) => string = (v) => tickLabel(v, ticks),
): string {
  const parts: string[] = [];
  for (const v of ticks.values) {
    const y = scale(v);
    if (y < plot.y - 0.5 || y > plot.y + plot.h + 0.5) continue;
    parts.push(line(plot.x, y, plot.x + plot.w, y, INK.grid));
    parts.push(
      text(plot.x - 7, y, format(v), { size: TICK_SIZE, anchor: 'end', baseline: 'middle', fill: INK.muted }),
    );
  }
  parts.push(line(plot.x, plot.y, plot.x, plot.y + plot.h, INK.axis));
  const widest = Math.max(0, ...ticks.values.map((v) => textWidth(format(v), TICK_SIZE)));
  const lx = plot.x - 7 - widest - 12;
  parts.push(
    text(lx, plot.y + plot.h / 2, label, { size: LABEL_SIZE, anchor: 'middle', rotate: -90, fill: INK.text }),
  );
  return parts.join('\n');
}

/** X grid lines (optional), tick labels, axis line and axis title for a numeric x axis. */
export function xAxis(
  plot: Box,
  scale: (v: number) => number,
  ticks: Ticks,
  label: string,
  options: { grid?: boolean; gridTop?: number } = {},
): string {
  const parts: string[] = [];
  const bottom = plot.y + plot.h;
  for (const v of ticks.values) {
    const x = scale(v);
    if (x < plot.x - 0.5 || x > plot.x + plot.w + 0.5) continue;
    if (options.grid !== false) parts.push(line(x, options.gridTop ?? plot.y, x, bottom, INK.grid));
    parts.push(line(x, bottom, x, bottom + 4, INK.axis));
    parts.push(
      text(x, bottom + 8, tickLabel(v, ticks), {
        size: TICK_SIZE,
        anchor: 'middle',
        baseline: 'hanging',
        fill: INK.muted,
      }),
    );
  }
  parts.push(line(plot.x, bottom, plot.x + plot.w, bottom, INK.axis));
  parts.push(text(plot.x + plot.w / 2, bottom + 40, label, { size: LABEL_SIZE, anchor: 'middle' }));
  return parts.join('\n');
}

/** Centred, muted "no data" note for charts without anything to draw. */
export function noData(plot: Box, message = 'no data'): string {
  return text(plot.x + plot.w / 2, plot.y + plot.h / 2, message, {
    size: 14,
    anchor: 'middle',
    baseline: 'middle',
    fill: INK.muted,
    halo: true,
  });
}

/**
 * Category labels under evenly spaced slots, rotated by 40° when the widest one does not fit its slot.
 * Returns the SVG and the height the labels take below `y`.
 */
export function categoryLabels(
  labels: readonly string[],
  centres: readonly number[],
  slot: number,
  y: number,
  size = TICK_SIZE,
): { svg: string; height: number; rotated: boolean } {
  const widest = Math.max(0, ...labels.map((l) => textWidth(l, size)));
  const rotated = widest > slot - 6;
  const parts = labels.map((l, i) => {
    const x = centres[i]!;
    return rotated
      ? text(x + size * 0.3, y + 2, l, { size, anchor: 'end', rotate: -40, baseline: 'hanging' })
      : text(x, y, l, { size, anchor: 'middle', baseline: 'hanging' });
  });
  return {
    svg: parts.join('\n'),
    height: rotated ? widest * Math.sin((40 * Math.PI) / 180) + size + 4 : size + 2,
    rotated,
  };
}

/** Rotated-label height needed below the axis for `labels`, the same estimate {@link categoryLabels} uses. */
export function categoryLabelsHeight(labels: readonly string[], slot: number, size = TICK_SIZE): number {
  const widest = Math.max(0, ...labels.map((l) => textWidth(l, size)));
  return widest > slot - 6 ? widest * Math.sin((40 * Math.PI) / 180) + size + 4 : size + 2;
}

/** `<clipPath>` for the plot area, so out-of-range data does not spill over the axes. */
export function clipDef(id: string, plot: Box): string {
  return `<defs><clipPath id="${id}"><rect x="${num(plot.x)}" y="${num(plot.y)}" width="${num(plot.w)}" height="${num(plot.h)}"/></clipPath></defs>`;
}
