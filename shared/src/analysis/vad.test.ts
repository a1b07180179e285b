import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bandwidthOfRate,
  NARROWBAND_POSITIVE_THRESHOLD,
  type VadEvent,
  VadStateMachine,
  vadModeFor,
} from './vad.ts';

const F = 1536;
const run = (probs: number[], opts = {}) => {
  const vad = new VadStateMachine(opts);
  const events: Array<VadEvent & { at: number }> = [];
  probs.forEach((p, i) => {
    for (const e of vad.push(p)) events.push({ ...e, at: i });
  });
  for (const e of vad.flush()) events.push({ ...e, at: probs.length });
  return events;
};

describe('VadStateMachine', () => {
  it('starts after the minimum speech and ends after the redemption time', () => {
    // 2 silent frames, 5 speech frames, 10 silent frames. minSpeech 288 ms = 3 frames, redemption 8 frames.
    const probs = [0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, ...Array(10).fill(0.1)];
    const ev = run(probs);
    expect(ev.map((e) => [e.type, e.at])).toEqual([
      ['speechStart', 4],
      ['speechEnd', 14],
    ]);
    expect(ev[0]).toMatchObject({ startSample: 2 * F, padStartSample: 1 * F, detectedSample: 5 * F });
    expect(ev[1]).toMatchObject({
      startSample: 2 * F,
      endSample: 7 * F,
      detectedSample: 15 * F,
      speechFrames: 5,
    });
  });

  it('treats bursts shorter than the minimum speech as misfires (no events)', () => {
    expect(run([0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])).toEqual([]);
  });

  it('uses hysteresis: probabilities between the thresholds neither extend nor end a segment', () => {
    const probs = [0.9, 0.9, 0.9, ...Array(20).fill(0.4), ...Array(8).fill(0.1)];
    const ev = run(probs);
    expect(ev.map((e) => e.type)).toEqual(['speechStart', 'speechEnd']);
    expect(ev[1]).toMatchObject({ endSample: 3 * F, detectedSample: 31 * F });
  });

  it('ends an open segment at flush with the stream end', () => {
    const ev = run([0.9, 0.9, 0.9, 0.9]);
    expect(ev[1]).toMatchObject({ type: 'speechEnd', endSample: 4 * F, detectedSample: 4 * F });
  });

  it('converts ms options to frames for other frame sizes', () => {
    const vad = new VadStateMachine({ frameSamples: 512, redemptionMs: 96, minSpeechMs: 64 });
    const out = [0.9, 0.9, 0.1, 0.1, 0.1].flatMap((p) => vad.push(p));
    expect(out.map((e) => e.type)).toEqual(['speechStart', 'speechEnd']);
  });

  it('rejects contradictory options', () => {
    expect(() => new VadStateMachine({ negativeThreshold: 0.8, positiveThreshold: 0.5 })).toThrow(TypeError);
    expect(() => new VadStateMachine({ frameSamples: 0 })).toThrow(TypeError);
  });

  it('always alternates start and end with ordered, consistent positions (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 300 }), (probs) => {
        const ev = run(probs);
        for (const [i, e] of ev.entries()) expect(e.type).toBe(i % 2 === 0 ? 'speechStart' : 'speechEnd');
        expect(ev.length % 2).toBe(0);
        for (const e of ev) {
          if (e.type !== 'speechEnd') continue;
          expect(e.padStartSample).toBeLessThanOrEqual(e.startSample);
          expect(e.startSample).toBeLessThan(e.endSample);
          expect(e.endSample).toBeLessThanOrEqual(e.detectedSample);
          expect(e.detectedSample).toBeLessThanOrEqual(probs.length * F);
        }
      }),
    );
  });
});

describe('vadModeFor', () => {
  it('runs narrowband audio in the 8 kHz mode at a stricter threshold, wideband audio as the model says', () => {
    expect(bandwidthOfRate(8000)).toBe('narrowband');
    expect(bandwidthOfRate(11025)).toBe('wideband');
    expect(bandwidthOfRate(48000)).toBe('wideband');
    const model = { positiveThreshold: 0.5, negativeThreshold: 0.35, redemptionMs: 768 };
    expect(vadModeFor('wideband', model)).toEqual({ rate: 16000, options: model });
    const narrow = vadModeFor('narrowband', model);
    expect(narrow.rate).toBe(8000);
    expect(narrow.options).toEqual({ ...model, positiveThreshold: NARROWBAND_POSITIVE_THRESHOLD });
    // A model that already asks for more keeps its own threshold; the defaults get the raised one.
    expect(vadModeFor('narrowband', { positiveThreshold: 0.7 }).options.positiveThreshold).toBe(0.7);
    expect(vadModeFor('narrowband').options.positiveThreshold).toBe(NARROWBAND_POSITIVE_THRESHOLD);
    // The options it gives are valid for the state machine.
    expect(new VadStateMachine(narrow.options).options.positiveThreshold).toBe(0.6);
  });
});
