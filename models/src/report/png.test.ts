import { describe, expect, it } from 'vitest';
import { confusionMatrix, reliabilityDiagram, trainingCurves } from './charts.ts';
import { renderPng } from './png.ts';
import { svgDocument } from './svg.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which always directly follows the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const classes = ['angry', 'calm', 'disgust', 'fearful', 'happy', 'neutral', 'sad', 'surprised'];
const counts = classes.map((_, r) => classes.map((_, c) => (r === c ? 30 : r + c)));
const history = [1, 2, 3].map((epoch) => ({
  epoch,
  loss: 1 / epoch,
  valLoss: 1.2 / epoch,
  acc: 0.3 * epoch,
  valAcc: 0.25 * epoch,
  lr: 1e-3,
}));

describe('renderPng', () => {
  it('renders at the SVG size by default', () => {
    const png = renderPng(confusionMatrix({ title: 'cm', classes, counts }));
    expect(pngSize(png)).toEqual({ width: 800, height: 500 });
  });

  it('scales to a requested width, keeping the aspect ratio', () => {
    const png = renderPng(trainingCurves(history).loss, 1600);
    expect(pngSize(png)).toEqual({ width: 1600, height: 1000 });
    const custom = renderPng(reliabilityDiagram({ title: 'r', bins: [], ece: 0, width: 640, height: 480 }));
    expect(pngSize(custom)).toEqual({ width: 640, height: 480 });
  });

  it('is byte-for-byte deterministic', () => {
    const svg = trainingCurves(history).accuracy;
    expect(renderPng(svg).equals(renderPng(svg))).toBe(true);
  });

  it('actually draws text (a font was found)', () => {
    const blank = renderPng(svgDocument(200, 60, []));
    const withText = renderPng(svgDocument(200, 60, ['<text x="10" y="40" font-size="24">Angry 42%</text>']));
    expect(withText.equals(blank)).toBe(false);
  });

  it('rejects a nonsensical width', () => {
    expect(() => renderPng(svgDocument(10, 10, []), 0)).toThrow(TypeError);
    expect(() => renderPng(svgDocument(10, 10, []), 10.5)).toThrow(TypeError);
  });
});
