/**
 * SVG to PNG rasterisation with resvg. Fonts are loaded from files where possible, so the text looks the
 * same whether or not fontconfig is set up on the machine.
 */

import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

/** DejaVu Sans files tried in order; the ones present are handed to resvg. */
export const DEJAVU_FILES: readonly string[] = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf',
];

let fontFiles: string[] | undefined;

function presentFontFiles(): string[] {
  fontFiles ??= DEJAVU_FILES.filter((f) => existsSync(f));
  return fontFiles;
}

/**
 * Renders an SVG document to a PNG buffer. `width` scales the image to that many pixels wide (height
 * follows the aspect ratio); by default the SVG's own size is used.
 *
 * @example
 * await writeFile('confusion.png', renderPng(confusionMatrix({ title, classes, counts })));
 */
export function renderPng(svg: string, width?: number): Buffer {
  if (width !== undefined && !(Number.isInteger(width) && width > 0)) {
    throw new TypeError(`renderPng: width must be a positive integer, got ${width}`);
  }
  const resvg = new Resvg(svg, {
    fitTo: width === undefined ? { mode: 'original' } : { mode: 'width', value: width },
    background: '#ffffff',
    font: { loadSystemFonts: true, fontFiles: presentFontFiles(), defaultFontFamily: 'DejaVu Sans' },
    logLevel: 'off',
  });
  return resvg.render().asPng();
}
