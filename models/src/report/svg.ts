/**
 * Small, dependency-free SVG building blocks for the report charts: escaping, number formatting that is
 * stable across runs, "nice" axis ticks, a colour-blind safe palette and a text-width estimate.
 *
 * Every chart is a plain string so that the same input always gives byte-identical SVG (and PNG).
 */

/** Font stack used by every chart; the PNG renderer loads DejaVu Sans explicitly. */
export const FONT_FAMILY = "'DejaVu Sans', sans-serif";

/**
 * Okabe-Ito palette (Okabe & Ito 2008), ordered for lines and bars on white: yellow is left out because
 * it has too little contrast against a white background to carry a thin line.
 */
export const PALETTE = {
  blue: '#0072B2',
  vermillion: '#D55E00',
  bluishGreen: '#009E73',
  orange: '#E69F00',
  reddishPurple: '#CC79A7',
  skyBlue: '#56B4E9',
  black: '#000000',
} as const;

/** Series colours in the order they are handed out. */
export const SERIES_COLOURS: readonly string[] = [
  PALETTE.blue,
  PALETTE.vermillion,
  PALETTE.bluishGreen,
  PALETTE.orange,
  PALETTE.reddishPurple,
  PALETTE.skyBlue,
  PALETTE.black,
];

/** Neutral greys for axes, grid and secondary text. */
export const INK = { text: '#222222', muted: '#555555', axis: '#444444', grid: '#e3e3e3' } as const;

/** The colour of series `i`, cycling through {@link SERIES_COLOURS}. */
export function seriesColour(i: number): string {
  return SERIES_COLOURS[((i % SERIES_COLOURS.length) + SERIES_COLOURS.length) % SERIES_COLOURS.length]!;
}

/** Escapes text for use in SVG text content and double-quoted attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/**
 * A coordinate rounded to 0.01 px and printed without float noise or `-0`, so that output is stable and
 * compact.
 */
export function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) || r === 0 ? '0' : String(r);
}

/** Attributes from an object; `undefined` values are left out, strings are escaped, numbers go through {@link num}. */
export function attrs(a: Record<string, string | number | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out += ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`;
  }
  return out;
}

export interface TextStyle {
  /** Font size in px. */
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  /** Rotation in degrees around the text's anchor point. */
  rotate?: number;
  /** Vertical alignment: 'middle' centres the glyphs on `y`, 'hanging' puts their top at `y`. */
  baseline?: 'alphabetic' | 'middle' | 'hanging';
  /** A white outline behind the glyphs, for labels drawn over data. */
  halo?: boolean;
}

/**
 * A `<text>` element. Vertical alignment is done with a `dy` shift rather than `dominant-baseline`,
 * which renderers disagree on.
 */
export function text(x: number, y: number, content: string, style: TextStyle = {}): string {
  const size = style.size ?? 12;
  const dy = style.baseline === 'middle' ? size * 0.35 : style.baseline === 'hanging' ? size * 0.75 : 0;
  return `<text${attrs({
    x,
    y: y + dy,
    'font-size': size,
    'text-anchor': style.anchor ?? 'start',
    'font-weight': style.weight === 'bold' ? 'bold' : undefined,
    fill: style.fill ?? INK.text,
    transform: style.rotate ? `rotate(${num(style.rotate)} ${num(x)} ${num(y)})` : undefined,
    stroke: style.halo ? '#ffffff' : undefined,
    'stroke-width': style.halo ? 3 : undefined,
    'stroke-linejoin': style.halo ? 'round' : undefined,
    'paint-order': style.halo ? 'stroke' : undefined,
  })}>${escapeXml(content)}</text>`;
}

/** A line segment. */
export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ''): string {
  return `<line${attrs({ x1, y1, x2, y2, stroke })}${extra}/>`;
}

/** A rectangle; `extra` carries further pre-built attributes. */
export function rect(x: number, y: number, w: number, h: number, fill: string, extra = ''): string {
  return `<rect${attrs({ x, y, width: Math.max(0, w), height: Math.max(0, h), fill })}${extra}/>`;
}

/**
 * Approximate advance width of `s` in DejaVu Sans at `size` px. Used only for layout decisions (rotating
 * crowded labels, sizing margins and legends), so it errs on the wide side.
 */
export function textWidth(s: string, size: number): number {
  let em = 0;
  for (const ch of s) {
    if (/[ilj.,:;'|!()[\]{}]/.test(ch)) em += 0.34;
    else if (ch === ' ') em += 0.32;
    else if (/[mwMW%@]/.test(ch)) em += 0.95;
    else if (/[A-Z]/.test(ch)) em += 0.72;
    else if (/[0-9]/.test(ch)) em += 0.64;
    else em += 0.6;
  }
  return em * size;
}

/** A number formatted with `decimals` places and no `-0`. */
export function fixed(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

export interface Ticks {
  /** Domain start (equal to the first tick when the domain was widened to nice bounds). */
  min: number;
  /** Domain end. */
  max: number;
  step: number;
  values: number[];
  /** Decimals that print every tick exactly. */
  decimals: number;
}

/** Heckbert's nice number: 1, 2, 5 or 10 times a power of ten close to `x`. */
export function niceNumber(x: number, round: boolean): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  const nf = round ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * 10 ** exp;
}

export interface TickOptions {
  /** Roughly how many ticks to aim for. */
  target?: number;
  /** Keep the domain exactly [lo, hi] instead of widening it to the nearest nice bounds. */
  exact?: boolean;
  /** Only integer ticks (epochs, counts). */
  integer?: boolean;
}

/**
 * Tick positions for the data range [lo, hi]. Degenerate ranges (one value, or nothing finite) are
 * widened so there is always a non-empty domain.
 */
export function niceTicks(lo: number, hi: number, options: TickOptions = {}): Ticks {
  const target = Math.max(2, options.target ?? 6);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const pad = options.integer ? 1 : lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  let step = niceNumber((hi - lo) / (target - 1), true);
  if (options.integer) step = Math.max(1, Math.round(step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const clean = (v: number) => Number(v.toFixed(decimals));
  const min = options.exact ? lo : clean(Math.floor(lo / step + 1e-9) * step);
  const max = options.exact ? hi : clean(Math.ceil(hi / step - 1e-9) * step);
  const values: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  for (let i = first; i * step <= max + step * 1e-9; i++) values.push(clean(i * step));
  return { min, max, step, values, decimals };
}

/** Maps a value in `[d0, d1]` linearly onto `[r0, r1]`. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** Minimum and maximum of the finite values, or `undefined` when there are none. */
export function finiteExtent(values: Iterable<number>): [number, number] | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/**
 * Sequential single-hue blue ramp for heatmaps: monotone in lightness, so it reads the same for all
 * common colour-vision deficiencies and in greyscale. `t` is clamped to [0, 1].
 */
export function heatColour(t: number): string {
  const c = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const from = [0xf7, 0xfb, 0xff];
  const to = [0x08, 0x30, 0x6b];
  return `#${from
    .map((f, i) =>
      Math.round(f + (to[i]! - f) * c)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** The two ends of {@link heatColour}, for a matching colour-bar gradient. */
export const HEAT_ENDS = ['#f7fbff', '#08306b'] as const;

/** Wraps chart content into a complete SVG document with a white background. */
export function svgDocument(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width, height, viewBox: `0 0 ${num(width)} ${num(height)}` })} font-family="${escapeXml(FONT_FAMILY)}">`,
    rect(0, 0, width, height, '#ffffff'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
