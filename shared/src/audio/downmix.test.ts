import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioError } from '../errors.ts';
import { downmix } from './downmix.ts';

function expectBadChannelCount(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AudioError);
  expect((caught as AudioError).code).toBe('BAD_CHANNEL_COUNT');
}

const sample = fc.float({ min: -1, max: 1, noNaN: true });

/** Interleaved audio together with its channel count. */
const interleavedAudio = fc
  .integer({ min: 1, max: 8 })
  .chain((channels) =>
    fc
      .array(fc.array(sample, { minLength: channels, maxLength: channels }), { maxLength: 64 })
      .map((frames) => ({ channels, data: Float32Array.from(frames.flat()) })),
  );

describe('downmix', () => {
  it('returns mono input itself, without copying or touching out', () => {
    const mono = Float32Array.of(0.1, -0.2, 0.3);
    const out = new Float32Array(3).fill(9);
    expect(downmix(mono, 1)).toBe(mono);
    expect(downmix(mono, 1, out)).toBe(mono);
    expect(Array.from(out)).toEqual([9, 9, 9]);
  });

  it('averages stereo frames', () => {
    const stereo = Float32Array.of(1, 0, 0.5, -0.5, -1, -1, 0.25, 0.75);
    expect(Array.from(downmix(stereo, 2))).toEqual([0.5, 0, -1, 0.5]);
  });

  it('averages frames of three and six channels', () => {
    expect(Array.from(downmix(Float32Array.of(0.75, 0, -0.75, 0.5, 0.25, 0), 3))).toEqual([0, 0.25]);
    const sixChannels = Float32Array.of(1, 1, 1, 1, 1, -0.5, 0, 0, 0, 0, 0, 0.75);
    expect(Array.from(downmix(sixChannels, 6))).toEqual([0.75, 0.125]);
  });

  it('cancels channels in antiphase', () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 64 }), (left) => {
        const stereo = Float32Array.from(left.flatMap((v) => [v, -v]));
        expect(downmix(stereo, 2).every((v) => v === 0)).toBe(true);
      }),
    );
  });

  it('returns any channel exactly when all channels carry the same signal', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.float32Array({ minLength: 1, maxLength: 64, noNaN: true, min: -1, max: 1 }),
        (channels, signal) => {
          const interleaved = Float32Array.from(Array.from(signal).flatMap((v) => Array(channels).fill(v)));
          const mono = downmix(interleaved, channels);
          expect(new Uint8Array(mono.buffer)).toEqual(new Uint8Array(signal.buffer));
        },
      ),
    );
  });

  it('equals the double-precision mean of each frame, rounded once to float32', () => {
    fc.assert(
      fc.property(interleavedAudio, ({ channels, data }) => {
        const mono = downmix(data, channels);
        expect(mono.length).toBe(data.length / channels);
        mono.forEach((v, i) => {
          let sum = data[i * channels]!;
          for (let c = 1; c < channels; c++) sum += data[i * channels + c]!;
          expect(v).toBe(Math.fround(sum / channels));
        });
      }),
    );
  });

  it('gives the same result whatever the chunking, so streaming equals offline', () => {
    fc.assert(
      fc.property(interleavedAudio, fc.array(fc.nat(), { maxLength: 6 }), ({ channels, data }, cuts) => {
        const frames = data.length / channels;
        const bounds = [
          0,
          ...cuts.map((c) => (frames === 0 ? 0 : c % (frames + 1))).sort((a, b) => a - b),
          frames,
        ];
        const chunks: number[] = [];
        for (let k = 1; k < bounds.length; k++) {
          const chunk = data.subarray(bounds[k - 1]! * channels, bounds[k]! * channels);
          chunks.push(...downmix(chunk, channels));
        }
        expect(chunks).toEqual(Array.from(downmix(data, channels)));
      }),
    );
  });

  it('writes into out, or into a prefix view of a larger out', () => {
    const stereo = Float32Array.of(1, 0, 0, -1);
    const exact = new Float32Array(2);
    expect(downmix(stereo, 2, exact)).toBe(exact);
    expect(Array.from(exact)).toEqual([0.5, -0.5]);

    const larger = new Float32Array(4).fill(9);
    const result = downmix(stereo, 2, larger);
    expect(result.buffer).toBe(larger.buffer);
    expect(Array.from(result)).toEqual([0.5, -0.5]);
    expect(Array.from(larger.subarray(2))).toEqual([9, 9]);
  });

  it('can downmix in place', () => {
    fc.assert(
      fc.property(interleavedAudio, ({ channels, data }) => {
        const expected = Array.from(downmix(data, channels));
        const buffer = data.slice();
        expect(Array.from(downmix(buffer, channels, buffer))).toEqual(expected);
      }),
    );
  });

  it('returns empty output for empty input', () => {
    expect(downmix(new Float32Array(0), 2).length).toBe(0);
  });

  it('rejects channel counts that are not positive integers', () => {
    for (const channels of [0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectBadChannelCount(() => downmix(new Float32Array(12), channels));
    }
  });

  it('rejects input that is not a whole number of frames', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 100 }), (channels, length) => {
        fc.pre(length % channels !== 0);
        expectBadChannelCount(() => downmix(new Float32Array(length), channels));
      }),
    );
  });

  it('throws a RangeError for an output buffer that is too small', () => {
    expect(() => downmix(new Float32Array(6), 2, new Float32Array(2))).toThrow(RangeError);
  });
});
