import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exampleEmotion, exampleOverloaded, exampleSpeechEnd, exampleSpeechStart } from './examples.ts';
import type { EmotionEvent } from './messages.ts';
import { attributedMs, NOISY_SNR_DB, SummaryBuilder } from './summary.ts';
import { validateServerEvent } from './validate.ts';

const classes = ['neutral', 'happy', 'angry'];

function window(
  startMs: number,
  endMs: number,
  label: string,
  extra: Partial<EmotionEvent> = {},
): EmotionEvent {
  const scores = Object.fromEntries(classes.map((c) => [c, c === label ? 0.8 : 0.1]));
  return { ...exampleEmotion, startMs, endMs, label, confidence: 0.8, scores, uncertain: false, ...extra };
}

const end = { streamId: 's', durationMs: 10000, endReason: 'stop', emittedAt: 1 } as const;

describe('attributedMs', () => {
  it('credits a first or non-overlapping window its length and an overlapping one what it adds', () => {
    expect(attributedMs({ startMs: 1000, endMs: 4000 }, null)).toBe(3000);
    expect(attributedMs({ startMs: 2000, endMs: 5000 }, 4000)).toBe(1000);
    expect(attributedMs({ startMs: 7000, endMs: 9000 }, 5000)).toBe(2000);
    expect(attributedMs({ startMs: 1000, endMs: 3000 }, 5000)).toBe(0);
  });
});

describe('SummaryBuilder', () => {
  it('leaves early (provisional) windows out of every total', () => {
    const events = [window(1000, 4000, 'angry'), window(2000, 5000, 'neutral', { uncertain: true })];
    const plain = new SummaryBuilder(classes);
    for (const e of events) plain.add(e);
    const withEarly = new SummaryBuilder(classes);
    expect(withEarly.add(window(0, 2500, 'happy', { kind: 'early', uncertain: true }))).toBe(0);
    for (const e of events) withEarly.add(e);
    expect(withEarly.build(end)).toEqual(plain.build(end));
    expect(withEarly.build(end)).toMatchObject({ windows: 2, analysedMs: 4000, uncertainWindows: 1 });
  });

  it('summarises a 5 s segment analysed by three hop windows and one utterance', () => {
    const b = new SummaryBuilder(classes);
    b.addConnection();
    b.addMessage(640);
    b.addMessage(320);
    b.add({ ...exampleSpeechStart, startMs: 1000 });
    expect(b.add(window(1000, 4000, 'angry'))).toBe(3000);
    expect(b.add(window(2000, 5000, 'angry'))).toBe(1000);
    expect(b.add(window(3000, 6000, 'neutral', { uncertain: true }))).toBe(1000);
    b.add({ ...exampleSpeechEnd, startMs: 1000, endMs: 6000 });
    expect(b.add(window(7000, 8500, 'happy', { kind: 'utterance' }))).toBe(1500);
    b.add({ ...exampleOverloaded, shed: 2 });
    const s = b.build(end);
    expect(s).toMatchObject({
      durationMs: 10000,
      speechMs: 5000,
      segments: 1,
      windows: 4,
      analysedMs: 6500,
      emotions: {
        angry: { ms: 4000, windows: 2 },
        neutral: { ms: 1000, windows: 1 },
        happy: { ms: 1500, windows: 1 },
      },
      dominant: 'angry',
      uncertainWindows: 1,
      counts: { messages: 2, bytes: 960, shed: 2, connections: 1 },
    });
    expect(Object.keys(s.meanScores)).toEqual(classes);
    expect(s.meanScores.angry).toBeCloseTo((0.8 + 0.8 + 0.1 + 0.1) / 4, 12);
    expect(validateServerEvent(s).ok).toBe(true);
  });

  it('breaks ties on time by windows, then by model class order', () => {
    const b = new SummaryBuilder(classes);
    b.add(window(0, 1000, 'happy'));
    b.add(window(1000, 1500, 'neutral'));
    b.add(window(1500, 2000, 'neutral'));
    expect(b.dominant()).toBe('neutral');
    const c = new SummaryBuilder(classes);
    c.add(window(0, 1000, 'angry'));
    c.add(window(1000, 2000, 'happy'));
    expect(c.dominant()).toBe('happy');
  });

  it('counts the windows heard on a noisy line (snrDb under NOISY_SNR_DB), early ones left out', () => {
    const b = new SummaryBuilder(classes);
    b.add(window(0, 3000, 'angry', { snrDb: 41.3 }));
    b.add(window(1000, 4000, 'angry', { snrDb: NOISY_SNR_DB - 0.1 }));
    b.add(window(2000, 5000, 'angry', { snrDb: NOISY_SNR_DB }));
    b.add(window(4000, 7000, 'neutral', { snrDb: 12.5 }));
    b.add(window(5000, 8000, 'neutral', { snrDb: 3, kind: 'early' }));
    const { snrDb: _none, ...unknown } = window(6000, 9000, 'neutral');
    b.add(unknown);
    const s = b.build(end);
    expect(s).toMatchObject({ windows: 5, noisyWindows: 2 });
    expect(validateServerEvent(s).ok).toBe(true);
    // State saved before the field existed resumes from 0.
    const { noisyWindows: _old, ...legacy } = b.state;
    const resumed = new SummaryBuilder(classes, legacy);
    resumed.add(window(8000, 11000, 'neutral', { snrDb: 9 }));
    expect(resumed.build(end).noisyWindows).toBe(1);
  });

  it('has no dominant label and no mean scores without windows', () => {
    const s = new SummaryBuilder(classes).build(end);
    expect(s).toMatchObject({ windows: 0, analysedMs: 0, dominant: null, meanScores: {}, emotions: {} });
  });

  it('resumes from saved state as if the stream had never paused', () => {
    const events = [window(0, 3000, 'angry'), window(1000, 4000, 'happy'), window(2000, 5000, 'happy')];
    const whole = new SummaryBuilder(classes);
    for (const e of events) whole.add(e);
    const first = new SummaryBuilder(classes);
    first.add(events[0]!);
    const saved = first.state;
    first.add(window(0, 100, 'neutral'));
    const resumed = new SummaryBuilder(classes, saved);
    resumed.add(events[1]!);
    resumed.add(events[2]!);
    expect(resumed.build(end)).toEqual(whole.build(end));
  });

  it('per-label times add up to analysedMs, the union of windows with non-decreasing ends', () => {
    const spans = fc.array(fc.tuple(fc.nat(48000), fc.integer({ min: 1, max: 48000 })), { maxLength: 30 });
    fc.assert(
      fc.property(
        spans,
        fc.array(fc.constantFrom(...classes), { minLength: 30, maxLength: 30 }),
        (raw, labels) => {
          // Stream times are multiples of 1/16 ms; ends never go back, as the windower guarantees.
          let lastEnd = 0;
          const ws = raw.map(([gap, len], i) => {
            const endMs = lastEnd + gap / 16;
            lastEnd = endMs;
            return window(Math.max(0, endMs - len / 16), endMs, labels[i]!);
          });
          const b = new SummaryBuilder(classes);
          for (const w of ws) b.add(w);
          const s = b.build(end);
          const sum = Object.values(s.emotions).reduce((a, t) => a + t.ms, 0);
          expect(sum).toBe(s.analysedMs);
          let union = 0;
          let covered = Number.NEGATIVE_INFINITY;
          for (const w of ws) {
            union += Math.max(0, w.endMs - Math.max(w.startMs, covered));
            covered = Math.max(covered, w.endMs);
          }
          expect(s.analysedMs).toBe(union);
        },
      ),
      { numRuns: 200 },
    );
  });
});
