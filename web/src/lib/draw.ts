/**
 * Canvas drawing of a stream: the full timeline (stacked class probabilities per window, uncertain
 * windows hatched, the label strip, speech segments, shed ranges, a time axis) and the overview's
 * sparkline. Pure functions of a {@link StreamView} and a time range, so they can be redrawn at any size.
 *
 * Each window is drawn over the stream time it is credited (`fromMs`..`endMs`, as the summary counts
 * it), so overlapping 3 s windows tile the axis instead of piling up.
 */
import { emotionColor } from './emotions.ts';
import type { StreamView, WindowPoint } from './stream-model.ts';

/** Stream-time range to draw, in ms. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

const INK = '#1f2328';
const MUTED = '#57606a';
const GRID = '#d0d7de';
const SPEECH = '#4b5563';
const SHED = '#b42318';

const patterns = new WeakMap<CanvasRenderingContext2D, CanvasPattern | null>();

/** Diagonal hatching for uncertain windows. */
function hatch(ctx: CanvasRenderingContext2D): CanvasPattern | string {
  let p = patterns.get(ctx);
  if (p === undefined) {
    const tile = document.createElement('canvas');
    tile.width = tile.height = 8;
    const t = tile.getContext('2d');
    if (t) {
      t.strokeStyle = 'rgba(255,255,255,0.85)';
      t.lineWidth = 2;
      t.beginPath();
      t.moveTo(-2, 10);
      t.lineTo(10, -2);
      t.moveTo(-2, 2);
      t.lineTo(2, -2);
      t.moveTo(6, 10);
      t.lineTo(10, 6);
      t.stroke();
    }
    p = ctx.createPattern(tile, 'repeat');
    patterns.set(ctx, p);
  }
  return p ?? 'rgba(255,255,255,0.5)';
}

/** Windows whose credited span intersects `range` (windows are in stream-time order). */
function visibleWindows(windows: readonly WindowPoint[], range: TimeRange): WindowPoint[] {
  let lo = 0;
  let hi = windows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (windows[mid]!.endMs < range.fromMs) lo = mid + 1;
    else hi = mid;
  }
  const out: WindowPoint[] = [];
  for (let i = lo; i < windows.length; i++) {
    const w = windows[i]!;
    if (w.fromMs > range.toMs) break;
    out.push(w);
  }
  return out;
}

/** A step for axis ticks giving roughly `target` ticks over `spanMs`. */
function tickStep(spanMs: number, target: number): number {
  const steps = [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000];
  for (const s of steps) if (spanMs / s <= target) return s;
  return steps[steps.length - 1]!;
}

/** "m:ss" for stream time. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Layout of the timeline canvas, in CSS pixels. */
export interface TimelineLayout {
  gutter: number;
  labelTop: number;
  labelHeight: number;
  chartTop: number;
  chartHeight: number;
  speechTop: number;
  speechHeight: number;
  axisTop: number;
}

export function timelineLayout(height: number): TimelineLayout {
  const labelTop = 6;
  const labelHeight = 14;
  const chartTop = labelTop + labelHeight + 6;
  const speechHeight = 14;
  const axisHeight = 22;
  const chartHeight = Math.max(40, height - chartTop - 8 - speechHeight - axisHeight);
  const speechTop = chartTop + chartHeight + 8;
  return {
    gutter: 64,
    labelTop,
    labelHeight,
    chartTop,
    chartHeight,
    speechTop,
    speechHeight,
    axisTop: speechTop + speechHeight + 4,
  };
}

/**
 * Draws the stream timeline into `ctx` (already scaled to CSS pixels) of `width` x `height`.
 *
 * @returns The number of windows drawn.
 */
export function drawTimeline(
  ctx: CanvasRenderingContext2D,
  view: StreamView,
  range: TimeRange,
  width: number,
  height: number,
): number {
  const L = timelineLayout(height);
  const plotW = Math.max(10, width - L.gutter - 8);
  const span = Math.max(1, range.toMs - range.fromMs);
  const x = (ms: number) => L.gutter + ((ms - range.fromMs) / span) * plotW;
  ctx.clearRect(0, 0, width, height);
  ctx.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  ctx.textBaseline = 'middle';

  ctx.fillStyle = MUTED;
  ctx.textAlign = 'right';
  ctx.fillText('Label', L.gutter - 8, L.labelTop + L.labelHeight / 2);
  ctx.fillText('Speech', L.gutter - 8, L.speechTop + L.speechHeight / 2);
  for (const p of [0, 0.5, 1]) {
    const y = L.chartTop + L.chartHeight * (1 - p);
    ctx.fillText(p === 0 ? '0' : p === 1 ? '1' : '0.5', L.gutter - 8, y);
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(L.gutter, Math.round(y) + 0.5);
    ctx.lineTo(L.gutter + plotW, Math.round(y) + 0.5);
    ctx.stroke();
  }

  ctx.save();
  ctx.beginPath();
  ctx.rect(L.gutter, 0, plotW, height);
  ctx.clip();

  const windows = visibleWindows(view.windows, range);
  for (const w of windows) {
    const x0 = x(w.fromMs);
    const x1 = Math.max(x0 + 1, x(w.endMs) - 0.5);
    const bw = x1 - x0;
    let y = L.chartTop + L.chartHeight;
    for (let c = 0; c < view.classes.length; c++) {
      const h = (w.scores[c] ?? 0) * L.chartHeight;
      if (h <= 0) continue;
      ctx.fillStyle = emotionColor(view.classes[c]!, view.classes);
      ctx.fillRect(x0, y - h, bw, h);
      y -= h;
    }
    ctx.fillStyle = emotionColor(w.label, view.classes);
    ctx.fillRect(x0, L.labelTop, bw, L.labelHeight);
    if (w.uncertain) {
      ctx.fillStyle = 'rgba(255,255,255,0.3)';
      ctx.fillRect(x0, L.chartTop, bw, L.chartHeight);
      ctx.fillStyle = hatch(ctx);
      ctx.fillRect(x0, L.chartTop, bw, L.chartHeight);
      ctx.fillRect(x0, L.labelTop, bw, L.labelHeight);
    }
  }

  for (const s of view.shed) {
    if (s.endMs < range.fromMs || s.startMs > range.toMs) continue;
    const x0 = x(s.startMs);
    const x1 = Math.max(x0 + 2, x(s.endMs));
    ctx.fillStyle = 'rgba(180,35,24,0.15)';
    ctx.fillRect(x0, L.chartTop, x1 - x0, L.chartHeight);
    ctx.fillStyle = SHED;
    ctx.fillRect(x0, L.chartTop, x1 - x0, 3);
  }

  ctx.fillStyle = '#eef1f4';
  ctx.fillRect(L.gutter, L.speechTop, plotW, L.speechHeight);
  ctx.fillStyle = SPEECH;
  for (const s of view.speech) {
    const end = s.endMs ?? view.latestMs;
    if (end < range.fromMs || s.startMs > range.toMs) continue;
    const x0 = x(s.startMs);
    ctx.fillRect(x0, L.speechTop, Math.max(2, x(end) - x0), L.speechHeight);
  }
  ctx.restore();

  ctx.strokeStyle = GRID;
  ctx.beginPath();
  ctx.moveTo(L.gutter, L.axisTop + 0.5);
  ctx.lineTo(L.gutter + plotW, L.axisTop + 0.5);
  ctx.stroke();
  ctx.fillStyle = INK;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const step = tickStep(span, Math.max(2, Math.floor(plotW / 80)));
  for (let t = Math.ceil(range.fromMs / step) * step; t <= range.toMs; t += step) {
    const tx = x(t);
    ctx.fillRect(Math.round(tx), L.axisTop, 1, 4);
    const text = formatClock(t);
    const half = ctx.measureText(text).width / 2;
    if (tx + half <= width) ctx.fillText(text, tx, L.axisTop + 6);
  }

  if (windows.length === 0) {
    ctx.fillStyle = MUTED;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.font = '14px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    ctx.fillText(
      view.windows.length === 0 ? 'Waiting for speech…' : 'No analysed speech in this range',
      L.gutter + plotW / 2,
      L.chartTop + L.chartHeight / 2,
    );
  }
  return windows.length;
}

/**
 * Draws the overview sparkline: the last `spanMs` of stream time, one column per window coloured by
 * its label with height = confidence (uncertain ones hatched and pale), speech as a band underneath.
 */
export function drawSparkline(
  ctx: CanvasRenderingContext2D,
  view: StreamView,
  spanMs: number,
  width: number,
  height: number,
  thresholdConfidence: number,
): void {
  ctx.clearRect(0, 0, width, height);
  // "Now" (the latest stream time) sits at the right edge; older audio scrolls left.
  const toMs = view.latestMs;
  const range = { fromMs: toMs - spanMs, toMs };
  const bandH = 4;
  const chartH = height - bandH - 2;
  const x = (ms: number) => ((ms - range.fromMs) / spanMs) * width;
  ctx.fillStyle = '#f3f4f6';
  ctx.fillRect(0, 0, width, chartH);
  const ty = Math.round(chartH * (1 - thresholdConfidence)) + 0.5;
  ctx.strokeStyle = '#9ca3af';
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(0, ty);
  ctx.lineTo(width, ty);
  ctx.stroke();
  ctx.setLineDash([]);
  for (const w of visibleWindows(view.windows, range)) {
    const x0 = x(w.fromMs);
    const bw = Math.max(1, x(w.endMs) - x0 - 1);
    const h = Math.max(2, w.confidence * chartH);
    ctx.fillStyle = emotionColor(w.label, view.classes);
    ctx.globalAlpha = 0.28;
    ctx.fillRect(x0, 0, bw, chartH);
    ctx.globalAlpha = w.uncertain ? 0.6 : 1;
    ctx.fillRect(x0, chartH - h, bw, h);
    ctx.globalAlpha = 1;
    if (w.uncertain) {
      ctx.fillStyle = hatch(ctx);
      ctx.fillRect(x0, chartH - h, bw, h);
    }
  }
  ctx.fillStyle = SPEECH;
  for (const s of view.speech) {
    const end = s.endMs ?? view.latestMs;
    if (end < range.fromMs) continue;
    const x0 = x(s.startMs);
    ctx.fillRect(x0, height - bandH, Math.max(1, x(end) - x0), bandH);
  }
}
