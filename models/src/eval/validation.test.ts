import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitTemperature } from './metrics.ts';
import { assertSameValidationSpeakers, parseChannelList, pooledLogits } from './validation.ts';

describe('assertSameValidationSpeakers', () => {
  const speakers = ['emodb:11', 'ravdess:15', 'ravdess:16'];

  it('accepts members that held out the same speakers, in any order, and members that do not say', () => {
    expect(() =>
      assertSameValidationSpeakers(
        [
          { dir: 'a', valSpeakers: ['ravdess:16', 'emodb:11', 'ravdess:15'] },
          { dir: 'b', valSpeakers: undefined },
          { dir: 'c', valSpeakers: speakers },
        ],
        speakers,
      ),
    ).not.toThrow();
  });

  it('names the member and both speaker sets when they differ', () => {
    expect(() =>
      assertSameValidationSpeakers(
        [
          { dir: 'a', valSpeakers: speakers },
          { dir: 'models/b', valSpeakers: ['emodb:11', 'ravdess:15'] },
        ],
        speakers,
      ),
    ).toThrow(
      'models/b held out validation speakers emodb:11 ravdess:15, but the data and speaker flags given here make them emodb:11 ravdess:15 ravdess:16',
    );
  });

  it('refuses a member with validation speakers when the data given here has none', () => {
    expect(() => assertSameValidationSpeakers([{ dir: 'a', valSpeakers: ['x'] }], [])).toThrow(
      /make them \(none\)/,
    );
  });
});

describe('parseChannelList', () => {
  it('parses each channel as evaluate --channel does, clean first', () => {
    expect(parseChannelList('phone, noise:10,clean')).toEqual([
      { kind: 'clean' },
      { kind: 'phone' },
      { kind: 'noise', snrDb: 10 },
    ]);
    expect(parseChannelList('noise:20')).toEqual([{ kind: 'noise', snrDb: 20 }]);
  });

  it('refuses an empty list, a channel twice and unknown channels', () => {
    expect(() => parseChannelList(' , ')).toThrow(/at least one channel/);
    expect(() => parseChannelList('clean,noise:10,noise:10')).toThrow('channel noise:10 is given twice');
    expect(() => parseChannelList('clean,radio')).toThrow(/unknown channel "radio"/);
    expect(() => parseChannelList('noise')).toThrow(/needs one number/);
  });
});

describe('a temperature over pooled channels', () => {
  // NLL is convex in 1/T, so the pooled optimum lies between the channels' own optima: a channel
  // that wants a softer temperature (noise) pulls the pooled one towards it, never past it.
  const logit = fc.double({ min: -6, max: 6, noNaN: true });
  const clip = fc.tuple(fc.array(logit, { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2 }));
  const set = fc.array(clip, { minLength: 4, maxLength: 30 }).map((clips) => ({
    found: { logits: clips.map(([l]) => l), truth: clips.map(([, y]) => y) },
  }));
  it('lies between the temperatures fitted on each channel alone', () => {
    fc.assert(
      fc.property(fc.array(set, { minLength: 1, maxLength: 4 }), (sets) => {
        const own = sets.map((s) => fitTemperature(s.found.logits, s.found.truth));
        const pooled = pooledLogits(sets);
        expect(pooled.logits).toHaveLength(sets.reduce((a, s) => a + s.found.logits.length, 0));
        const t = fitTemperature(pooled.logits, pooled.truth);
        expect(t).toBeGreaterThanOrEqual(Math.min(...own) * (1 - 1e-6));
        expect(t).toBeLessThanOrEqual(Math.max(...own) * (1 + 1e-6));
      }),
    );
  });

  it('keeps every clip with its own label, channel after channel', () => {
    const a = { found: { logits: [[1, 0]], truth: [0] } };
    const b = {
      found: {
        logits: [
          [0, 2],
          [3, 1],
        ],
        truth: [1, 0],
      },
    };
    expect(pooledLogits([a, b])).toEqual({
      logits: [
        [1, 0],
        [0, 2],
        [3, 1],
      ],
      // Sets without their windows (early windows) have one window per clip.
      windows: [[[1, 0]], [[0, 2]], [[3, 1]]],
      truth: [0, 1, 0],
      weights: [1, 1, 1],
    });
    // A channel drawn twice per clip weighs each draw half, so it counts as much as one draw.
    expect(pooledLogits([a, { ...b, draws: 2 }]).weights).toEqual([1, 0.5, 0.5]);
    // Clips of several windows keep them, clip by clip, for the fit on their mean probabilities.
    const c = {
      found: {
        logits: [[1, 1]],
        windows: [
          [
            [2, 0],
            [0, 2],
          ],
        ],
        truth: [1],
      },
    };
    expect(pooledLogits([a, c]).windows).toEqual([[[1, 0]], c.found.windows[0]]);
  });
});
