/**
 * Reliability diagram: accuracy per confidence bin against the diagonal of perfect calibration, with
 * the number of predictions per bin as a histogram strip underneath.
 */

import {
  type Box,
  chartSize,
  type LegendItem,
  legend,
  noData,
  title,
  xAxis,
  yAxis,
  yAxisWidth,
} from './layout.ts';
import {
  fixed,
  INK,
  line,
  linearScale,
  niceTicks,
  PALETTE,
  rect,
  svgDocument,
  text,
  textWidth,
} from './svg.ts';

/** One confidence bin, as `computeMetrics` reports it. */
export interface ReliabilityDiagramBin {
  /** Mean top-class probability of the predictions in the bin. */
  confidenceMean: number;
  /** Share of correct predictions in the bin. */
  accuracy: number;
  count: number;
  /** Bin edges; default: equal-width bins over [0, 1] by position in the list. */
  lo?: number;
  hi?: number;
}

export interface ReliabilityDiagramOptions {
  title: string;
  bins: readonly ReliabilityDiagramBin[];
  /** Expected calibration error, printed in the title. */
  ece: number;
  width?: number;
  height?: number;
}

/**
 * Reliability diagram with the calibration gap of every bin shaded, and ECE in the title.
 *
 * @example
 * reliabilityDiagram({ title: 'Validation calibration', bins: metrics.reliability, ece: metrics.ece });
 */
export function reliabilityDiagram(options: ReliabilityDiagramOptions): string {
  const { w: width, h: height } = chartSize(options.width, options.height);
  const b = options.bins.length;
  const bins = options.bins.map((bin, i) => ({
    ...bin,
    lo: Number.isFinite(bin.lo) ? bin.lo! : i / b,
    hi: Number.isFinite(bin.hi) ? bin.hi! : (i + 1) / b,
    count: Number.isFinite(bin.count) && bin.count > 0 ? bin.count : 0,
  }));
  const eceText = Number.isFinite(options.ece) ? fixed(options.ece, 3) : 'n/a';
  const parts: string[] = [title(width, `${options.title} (ECE = ${eceText})`)];

  const items: LegendItem[] = [
    { label: 'accuracy', colour: PALETTE.blue, kind: 'box' },
    { label: 'gap to mean confidence', colour: PALETTE.vermillion, kind: 'outlined-box' },
    { label: 'perfect calibration', colour: INK.text, kind: 'dashed' },
  ];
  const lg = legend(items, width / 2, 52, width - 40);
  parts.push(lg.svg);

  const axisTicks = niceTicks(0, 1, { exact: true, target: 6 });
  const maxCount = Math.max(0, ...bins.map((bin) => bin.count));
  const countTicks = niceTicks(0, Math.max(1, maxCount), { target: 3, integer: true });
  const left = Math.max(yAxisWidth(axisTicks), yAxisWidth(countTicks)) + 6;
  const top = 52 + lg.height + 4;
  const stripH = Math.max(40, Math.round(height * 0.14));
  const gap = 14;
  const main: Box = { x: left, y: top, w: width - left - 24, h: height - top - gap - stripH - 56 };
  const strip: Box = { x: left, y: main.y + main.h + gap, w: main.w, h: stripH };
  const sx = linearScale(0, 1, main.x, main.x + main.w);
  const sy = linearScale(0, 1, main.y + main.h, main.y);
  const sc = linearScale(0, countTicks.max, strip.y + strip.h, strip.y);

  parts.push(yAxis(main, sy, axisTicks, 'accuracy'));
  for (const v of axisTicks.values) parts.push(line(sx(v), main.y, sx(v), main.y + main.h, INK.grid));
  parts.push(line(main.x, main.y + main.h, main.x + main.w, main.y + main.h, INK.axis));

  const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
  for (const bin of bins) {
    if (bin.count === 0 || !Number.isFinite(bin.accuracy)) continue;
    const x0 = sx(clamp01(bin.lo));
    const x1 = sx(clamp01(bin.hi));
    const w = Math.max(1, x1 - x0 - 2);
    const acc = clamp01(bin.accuracy);
    parts.push(
      rect(x0 + 1, sy(acc), w, sy(0) - sy(acc), PALETTE.blue, ' stroke="#ffffff" stroke-width="0.5"'),
    );
    if (Number.isFinite(bin.confidenceMean)) {
      const conf = clamp01(bin.confidenceMean);
      const yTop = sy(Math.max(acc, conf));
      const h = Math.abs(sy(acc) - sy(conf));
      if (h > 0.5) {
        parts.push(
          rect(
            x0 + 1,
            yTop,
            w,
            h,
            PALETTE.vermillion,
            ` fill-opacity="0.35" stroke="${PALETTE.vermillion}" stroke-width="1.2"`,
          ),
        );
      }
    }
  }
  parts.push(line(sx(0), sy(0), sx(1), sy(1), INK.text, ' stroke-width="1.5" stroke-dasharray="7 4"'));

  const countLabel = (v: number) => String(v);
  parts.push(yAxis(strip, sc, { ...countTicks, values: [0, countTicks.max] }, 'count', countLabel));
  const countSize = 10;
  for (const bin of bins) {
    if (bin.count === 0) continue;
    const x0 = sx(clamp01(bin.lo));
    const w = Math.max(1, sx(clamp01(bin.hi)) - x0 - 2);
    parts.push(rect(x0 + 1, sc(bin.count), w, sc(0) - sc(bin.count), PALETTE.skyBlue));
    if (textWidth(String(bin.count), countSize) < w) {
      const y = sc(bin.count);
      const inside = y - strip.y < countSize + 2;
      parts.push(
        text(x0 + 1 + w / 2, inside ? y + 2 : y - 3, String(bin.count), {
          size: countSize,
          anchor: 'middle',
          baseline: inside ? 'hanging' : 'alphabetic',
          fill: INK.text,
        }),
      );
    }
  }
  parts.push(xAxis(strip, sx, axisTicks, 'confidence (top-class probability)'));
  if (maxCount === 0) parts.push(noData(main));
  return svgDocument(width, height, parts);
}
