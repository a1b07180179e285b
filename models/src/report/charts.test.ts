import { describe, expect, it } from 'vitest';
import {
  barChart,
  confusionMatrix,
  lineChart,
  percentLabel,
  pickBestEpoch,
  reliabilityDiagram,
  trainingCurves,
} from './charts.ts';

/**
 * Minimal well-formedness check: every `<...>` is a valid start, end or empty tag with quoted attributes,
 * tags nest and balance under a single `<svg>` root, and text holds no raw `<`, `>` or bare `&`.
 */
function assertWellFormed(svg: string): void {
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/y;
  const entity = /&(?:lt|gt|amp|quot|#39|#\d+);/y;
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < svg.length) {
    const ch = svg[i];
    if (ch === '<') {
      tag.lastIndex = i;
      const m = tag.exec(svg);
      if (!m) throw new Error(`malformed tag at ${i}: ${svg.slice(i, i + 60)}`);
      const [, close, name, , selfClose] = m;
      if (close) {
        const open = stack.pop();
        if (open !== name) throw new Error(`</${name}> closes <${open}> at ${i}`);
      } else {
        if (stack.length === 0) roots++;
        if (!selfClose) stack.push(name!);
      }
      for (const v of (m[3] ?? '').matchAll(/="([^"]*)"/g)) {
        if (/&(?!(?:lt|gt|amp|quot|#39|#\d+);)/.test(v[1]!)) throw new Error(`bare & in attribute at ${i}`);
      }
      i = tag.lastIndex;
    } else if (ch === '&') {
      entity.lastIndex = i;
      if (!entity.exec(svg)) throw new Error(`bare & at ${i}: ${svg.slice(i, i + 20)}`);
      i = entity.lastIndex;
    } else if (ch === '>') {
      throw new Error(`raw > in text at ${i}`);
    } else {
      if (stack.length === 0 && !/\s/.test(ch!)) throw new Error(`text outside the root at ${i}`);
      i++;
    }
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  expect(svg.startsWith('<svg ')).toBe(true);
}

const classes = ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise'];
const counts = classes.map((_, r) => classes.map((_, c) => (r === c ? 50 + r : (r + 2 * c) % 5)));

const history = Array.from({ length: 12 }, (_, i) => ({
  epoch: i + 1,
  loss: 1.8 / (i + 1) + 0.2,
  valLoss: 1.6 / (i + 1) + 0.5 + (i > 7 ? 0.05 * (i - 7) : 0),
  acc: 0.4 + 0.04 * i,
  valAcc: 0.35 + 0.03 * Math.min(i, 8),
  lr: i < 6 ? 1e-3 : i < 10 ? 5e-4 : 2.5e-4,
}));

describe('lineChart', () => {
  it('draws a legend, the series and the markers', () => {
    const svg = lineChart({
      title: 'Loss',
      xLabel: 'epoch',
      yLabel: 'loss',
      xValues: [1, 2, 3],
      series: [
        { name: 'train', values: [1, 0.8, 0.7] },
        { name: 'validation', values: [1.1, 0.9, 0.95], dashed: true },
      ],
      markers: [{ x: 2, label: 'best' }],
    });
    assertWellFormed(svg);
    for (const s of ['Loss', 'epoch', 'train', 'validation', 'best']) expect(svg).toContain(`>${s}</text>`);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="7 4"');
    expect(svg).toMatch(/width="800" height="500"/);
  });

  it('escapes markup in titles, labels and series names', () => {
    const svg = lineChart({
      title: 'a <b> & c',
      xLabel: 'x<1',
      yLabel: 'y&z',
      series: [
        { name: '"quoted" <s>', values: [1, 2] },
        { name: 'o', values: [2, 1] },
      ],
      markers: [{ x: 1, label: '<m>' }],
    });
    assertWellFormed(svg);
    expect(svg).toContain('a &lt;b&gt; &amp; c');
    expect(svg).toContain('x&lt;1');
    expect(svg).toContain('&lt;m&gt;');
    expect(svg).not.toContain('<b>');
  });

  it('skips NaN points, breaking the line instead of drawing through them', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 's', values: [1, 2, Number.NaN, 4, 5] }],
    });
    assertWellFormed(svg);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });

  it('copes with no series, empty series and all-NaN series', () => {
    for (const series of [
      [],
      [{ name: 'e', values: [] }],
      [{ name: 'n', values: [Number.NaN, Number.NaN] }],
    ]) {
      const svg = lineChart({ title: 'empty', xLabel: 'x', yLabel: 'y', series });
      assertWellFormed(svg);
      expect(svg).toContain('no data');
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });

  it('clips values outside a fixed y range', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      yRange: [0, 1],
      series: [{ name: 's', values: [0.5, 3] }],
    });
    assertWellFormed(svg);
    expect(svg).toContain('clip-path="url(#plot-area)"');
  });
});

describe('trainingCurves', () => {
  it('marks the best epoch and every learning-rate cut on both charts', () => {
    const { loss, accuracy } = trainingCurves(history);
    for (const svg of [loss, accuracy]) {
      assertWellFormed(svg);
      expect(svg).toContain('best (epoch 8)');
      expect(svg).toContain('lr → 5e-4');
      expect(svg).toContain('lr → 2.5e-4');
    }
    expect(loss).toContain('Loss (train vs validation)');
    expect(accuracy).toContain('Accuracy (train vs validation)');
  });

  it('prefers validation UA for the best epoch, as the trainer does, and plots it', () => {
    const withUa = history.map((h) => ({ ...h, valUa: h.epoch === 5 ? 0.9 : 0.3 }));
    expect(pickBestEpoch(withUa)).toBe(5);
    expect(trainingCurves(withUa).accuracy).toContain('>validation UA</text>');
    expect(trainingCurves(withUa, { bestEpoch: 3 }).loss).toContain('best (epoch 3)');
  });

  it('handles a single epoch and an empty history', () => {
    const one = trainingCurves(history.slice(0, 1));
    assertWellFormed(one.loss);
    expect(one.loss.match(/<circle/g)).toHaveLength(2);
    const none = trainingCurves([]);
    assertWellFormed(none.accuracy);
    expect(none.loss).toContain('no data');
  });
});

describe('confusionMatrix', () => {
  it('labels axes and classes and prints row percentages with counts', () => {
    const svg = confusionMatrix({ title: 'CREMA-D test', classes, counts, normalise: 'row' });
    assertWellFormed(svg);
    expect(svg).toContain('>predicted</text>');
    expect(svg).toContain('>true (n)</text>');
    for (const c of classes) expect(svg).toContain(`>${c}</text>`);
    // Row "angry": 50 on the diagonal out of 50 + 2 + 4 + 1 + 3 + 0 + 2 = 62.
    expect(svg).toContain('>angry (62)</text>');
    expect(svg).toContain(`>${Math.round((50 / 62) * 100)}%</text>`);
  });

  it('shows 0% for rows without examples and all-zero matrices, without NaN', () => {
    const zero = confusionMatrix({
      title: 'zero',
      classes,
      counts: classes.map(() => classes.map(() => 0)),
      normalise: 'row',
    });
    assertWellFormed(zero);
    expect(zero).not.toMatch(/NaN|Infinity/);
    // Every cell, plus the bottom of the colour bar.
    expect(zero.match(/>0%<\/text>/g)).toHaveLength(classes.length ** 2 + 1);
    const ragged = confusionMatrix({ title: 'ragged', classes, counts: [[1, 2], [Number.NaN]] });
    assertWellFormed(ragged);
    expect(ragged).not.toMatch(/NaN|Infinity/);
  });

  it('escapes class names and handles nine classes and no classes', () => {
    const names = [...classes, 'calm', 'a<b&c>'];
    const svg = confusionMatrix({
      title: 'nine',
      classes: names,
      counts: names.map((_, r) => names.map((_, c) => r + c)),
    });
    assertWellFormed(svg);
    expect(svg).toContain('a&lt;b&amp;c&gt;');
    assertWellFormed(confusionMatrix({ title: 'none', classes: [], counts: [] }));
  });

  it('never rounds a small share to 0% or a large partial one to 100%', () => {
    expect(percentLabel(0)).toBe('0%');
    expect(percentLabel(0.001)).toBe('<1%');
    expect(percentLabel(0.999)).toBe('>99%');
    expect(percentLabel(1)).toBe('100%');
    expect(percentLabel(0.456)).toBe('46%');
  });
});

describe('reliabilityDiagram', () => {
  const bins = Array.from({ length: 10 }, (_, i) => ({
    confidenceMean: i / 10 + 0.05,
    accuracy: Math.max(0, i / 10 - 0.05),
    count: i < 2 ? 0 : 10 * i,
  }));

  it('puts ECE in the title and draws the diagonal and the count strip', () => {
    const svg = reliabilityDiagram({ title: 'Validation <calibration>', bins, ece: 0.0734 });
    assertWellFormed(svg);
    expect(svg).toContain('Validation &lt;calibration&gt; (ECE = 0.073)');
    expect(svg).toContain('>perfect calibration</text>');
    expect(svg).toContain('>90</text>');
  });

  it('copes with empty bins, no bins and a NaN ECE', () => {
    for (const b of [
      [],
      bins.map((x) => ({ ...x, count: 0 })),
      bins.map((x) => ({ ...x, accuracy: Number.NaN })),
    ]) {
      const svg = reliabilityDiagram({ title: 'r', bins: b, ece: Number.NaN });
      assertWellFormed(svg);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });
});

describe('barChart', () => {
  it('draws one bar per finite value with its value, and n/a for the rest', () => {
    const svg = barChart({
      title: 'Per-class recall',
      categories: classes,
      values: [0.8, 0.4, 0.55, 0.6, 0.9, Number.NaN],
      yLabel: 'recall',
      yRange: [0, 1],
      references: [{ y: 0.65, label: 'UA 0.65' }],
    });
    assertWellFormed(svg);
    for (const c of classes) expect(svg).toContain(`>${c}</text>`);
    expect(svg).toContain('>0.80</text>');
    expect(svg.match(/>n\/a<\/text>/g)).toHaveLength(2);
    expect(svg).toContain('>UA 0.65</text>');
  });

  it('copes with no categories and negative values', () => {
    assertWellFormed(barChart({ title: 'none', categories: [], values: [], yLabel: 'y' }));
    const svg = barChart({ title: 'neg', categories: ['a', 'b'], values: [-1, 2], yLabel: 'delta' });
    assertWellFormed(svg);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});

describe('self-containment', () => {
  it('references no external resources (fonts, images, stylesheets)', () => {
    const all = [
      ...Object.values(trainingCurves(history)),
      confusionMatrix({ title: 'x', classes, counts }),
      reliabilityDiagram({ title: 'r', bins: [], ece: 0 }),
      barChart({ title: 'b', categories: classes, values: [], yLabel: 'y' }),
    ].join('\n');
    expect(all.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(
      /href|https?:|@import|@font-face|<image/,
    );
  });
});

describe('determinism', () => {
  it('gives identical SVG for identical input', () => {
    expect(trainingCurves(history)).toEqual(trainingCurves(structuredClone(history)));
    expect(confusionMatrix({ title: 'x', classes, counts })).toBe(
      confusionMatrix({ title: 'x', classes, counts }),
    );
  });
});
