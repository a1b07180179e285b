import { describe, expect, it } from 'vitest';
import { StreamNormalizer } from './normalizer.ts';
import type { VadEvent } from './vad.ts';
import { type FeatureWindow, Windower } from './windower.ts';

/** Frames whose single feature is the frame index, so windows show which frames they hold. */
const ramp = (from: number, n: number) => Float32Array.from({ length: n }, (_, i) => from + i);
/** Sample just after frame `t` (frame t covers [160 t, 160 t + 400)). */
const after = (t: number) => t * 160 + 400;
const start = (frame: number, detectedFrame: number): VadEvent => ({
  type: 'speechStart',
  startSample: frame * 160,
  padStartSample: frame * 160,
  detectedSample: after(detectedFrame),
});
const end = (frame: number, endFrame: number, detectedFrame: number): VadEvent => ({
  type: 'speechEnd',
  startSample: frame * 160,
  padStartSample: frame * 160,
  endSample: after(endFrame),
  detectedSample: after(detectedFrame),
  speechFrames: 10,
});
const opts = { dim: 1, windowFrames: 30, hopFrames: 10, tailPadFrames: 2, padValue: -9 };
const spans = (ws: FeatureWindow[]) => ws.map((x) => [x.kind, x.startFrame, x.startFrame + x.frames]);

describe('Windower', () => {
  it('cuts hop windows while a segment lasts and a tail window at its end', () => {
    const w = new Windower(opts);
    const out: FeatureWindow[] = [];
    out.push(...w.pushFrames(ramp(0, 25), 25));
    out.push(...w.onVad([start(20, 24)], after(24)));
    out.push(...w.pushFrames(ramp(25, 50), 50)); // frames up to 74
    out.push(...w.onVad([], after(74)));
    expect(spans(out)).toEqual([
      ['hop', 20, 50],
      ['hop', 30, 60],
      ['hop', 40, 70],
    ]);
    expect(Array.from(out[0]!.data.subarray(0, 3))).toEqual([20, 21, 22]);
    // Speech ended after frame 70; the tail window ends 2 frames later, at 73.
    out.length = 0;
    out.push(...w.pushFrames(ramp(75, 10), 10));
    out.push(...w.onVad([end(20, 70, 84)], after(84)));
    // One more hop window ([50, 80)) fits before the end was detected at frame 85.
    expect(spans(out)).toEqual([['hop', 50, 80]]);
  });

  it('adds a tail window when the speech runs past the last window by half a hop', () => {
    const w = new Windower(opts);
    w.pushFrames(ramp(0, 60), 60);
    const out = w.onVad([start(0, 5), end(0, 45, 59)], after(59));
    // Hop windows while the segment was open (up to frame 60): [0,30) [10,40) [20,50) [30,60).
    expect(spans(out).map((x) => x[0])).toEqual(['hop', 'hop', 'hop', 'hop']);
    const w2 = new Windower(opts);
    w2.pushFrames(ramp(0, 60), 60);
    const out2 = w2.onVad([start(0, 5), end(0, 45, 48)], after(59));
    // Open until frame 49: hop windows [0,30) [10,40); speech ends at 46 (+2 pad = 48) >= 40 + 5.
    expect(spans(out2)).toEqual([
      ['hop', 0, 30],
      ['hop', 10, 40],
      ['tail', 18, 48],
    ]);
    // Inside a segment every row is speech; the tail window ends with the speech.
    for (const x of out2) expect(x).toMatchObject({ speechStart: 0, speechEnd: 30 });
  });

  it('centres one window on a short utterance and pads a stream shorter than a window', () => {
    const w = new Windower(opts);
    w.pushFrames(ramp(0, 50), 50);
    const [u, extra] = w.onVad([start(20, 24), end(20, 28, 44)], after(49));
    expect(extra).toBeUndefined();
    expect(u).toMatchObject({ kind: 'utterance', padStart: 0, padEnd: 0 });
    // Speech frames 20..29 centre on 24, so the window starts at 24 - 15 = 9.
    expect(u!.startFrame).toBe(9);
    // Its speech rows: the segment from frame 20 to the end (frame 28) plus the 2-frame tail pad.
    expect(u).toMatchObject({ speechStart: 11, speechEnd: 22 });

    const s = new Windower(opts);
    s.pushFrames(ramp(0, 10), 10);
    expect(s.flush(after(9))).toEqual([]); // no speech, no window
    s.onVad([start(0, 5)], after(9));
    const [q] = s.flush(after(9));
    expect(q).toMatchObject({
      kind: 'utterance',
      padStart: 10,
      padEnd: 10,
      startFrame: -10,
      speechStart: 10,
      speechEnd: 20,
    });
    expect(q!.data[0]).toBe(-9);
    expect(q!.data[10]).toBe(0);
  });

  it('normalises with the statistics of the speech heard up to the window end', () => {
    const norm = new StreamNormalizer({ dim: 1, priorMean: [0], priorStd: [1], priorFrames: 0 });
    const w = new Windower(opts, norm);
    w.pushFrames(ramp(0, 40), 40);
    const [u] = w.onVad([start(0, 3), end(0, 20, 25)], after(25));
    // Only 26 frames were heard when the end was detected: the window is centred and padded 2 + 2.
    expect(u).toMatchObject({ kind: 'utterance', startFrame: -2, padStart: 2, padEnd: 2 });
    // Statistics cover the speech frames 0..22 (end 21 + tail pad 2), mean 11.
    expect(norm.framesSeen).toBe(23);
    const { mean, std } = norm.current();
    expect(mean[0]).toBeCloseTo(11, 6);
    expect(u!.data[0]).toBe(-9);
    expect(u!.data[2]! * std[0]! + mean[0]!).toBeCloseTo(0, 4);
    expect(u!.data[27]! * std[0]! + mean[0]!).toBeCloseTo(25, 4);
  });

  it('holds VAD input until look-ahead features bring its frames, with the same windows', () => {
    const late = new Windower(opts);
    const a: FeatureWindow[] = [];
    a.push(...late.pushFrames(ramp(0, 5), 5));
    a.push(...late.onVad([start(0, 20)], after(22)));
    expect(a).toEqual([]);
    a.push(...late.onVad([end(0, 38, 44)], after(44)));
    a.push(...late.pushFrames(ramp(5, 40), 40)); // frames up to 44: both events apply now
    a.push(...late.flush(after(44)));
    const early = new Windower(opts);
    const b = [
      ...early.pushFrames(ramp(0, 45), 45),
      ...early.onVad([start(0, 20)], after(22)),
      ...early.onVad([end(0, 38, 44)], after(44)),
      ...early.flush(after(44)),
    ];
    expect(b.length).toBeGreaterThan(0);
    expect(spans(a)).toEqual(spans(b));
    expect(a.map((x) => Array.from(x.data))).toEqual(b.map((x) => Array.from(x.data)));
  });

  it('applies VAD input still waiting for frames when the stream ends', () => {
    const w = new Windower(opts);
    w.pushFrames(ramp(0, 40), 40);
    expect(w.onVad([start(0, 5), end(0, 36, 42)], after(42))).toEqual([]); // the end needs frame 41
    expect(spans(w.flush(after(39)))).toEqual([
      ['hop', 0, 30],
      ['hop', 10, 40],
    ]);
  });

  it('gives the same windows whatever the chunking of frames and VAD progress', () => {
    const cut = (sizes: number[]) => {
      const w = new Windower(opts);
      const out: FeatureWindow[] = [];
      let pos = 0;
      let i = 0;
      const events: Array<[number, VadEvent]> = [
        [44, start(40, 43)],
        [130, end(40, 120, 129)],
        [153, start(150, 152)],
      ];
      while (pos < 200) {
        const n = Math.min(sizes[i++ % sizes.length]!, 200 - pos);
        out.push(...w.pushFrames(ramp(pos, n), n));
        pos += n;
        const due = events.filter(([at]) => at <= pos);
        events.splice(0, due.length);
        out.push(
          ...w.onVad(
            due.map(([, e]) => e),
            after(pos - 1),
          ),
        );
      }
      out.push(...w.flush(after(199)));
      return out.map((x) => [x.kind, x.startFrame, Array.from(x.data)]);
    };
    const ref = cut([200]);
    expect(ref.length).toBeGreaterThan(5);
    expect(cut([1])).toEqual(ref);
    expect(cut([40, 1, 7])).toEqual(ref);
  });
});

describe('Windower early window', () => {
  const early = { ...opts, earlyFrames: 15 };
  const all = (o: typeof opts & { earlyFrames?: number }, events: VadEvent[], frames: number) => {
    const w = new Windower(o);
    return [
      ...w.pushFrames(ramp(0, frames), frames),
      ...w.onVad(events, after(frames - 1)),
      ...w.flush(after(frames - 1)),
    ];
  };
  const withoutIndex = (ws: FeatureWindow[]) =>
    ws.map(({ index: _, ...x }) => ({ ...x, data: Array.from(x.data) }));

  it('cuts one early window per segment that lasts that long, and leaves every other window as it was', () => {
    // Segment from frame 40 to 120, then a second one from 150 to the end of the stream (200).
    const events = [start(40, 43), end(40, 120, 129), start(150, 152)];
    const withEarly = all(early, events, 200);
    const without = all(opts, events, 200);
    const earlies = withEarly.filter((x) => x.kind === 'early');
    // At frame 40 + 15 = 55: the 30 frames ending there, its speech rows the segment's 15 frames so far.
    expect(spans(earlies)).toEqual([
      ['early', 25, 55],
      ['early', 135, 165],
    ]);
    expect(earlies[0]).toMatchObject({ segment: 0, padStart: 0, padEnd: 0, speechStart: 15, speechEnd: 30 });
    expect(Array.from(earlies[0]!.data.slice(0, 2))).toEqual([25, 26]);
    // Each comes before its segment's first window, and nothing else changes but the numbering.
    expect(withEarly.findIndex((x) => x.kind === 'early')).toBe(0);
    expect(withoutIndex(withEarly.filter((x) => x.kind !== 'early'))).toEqual(withoutIndex(without));
    expect(withEarly.map((x) => x.index)).toEqual(withEarly.map((_, i) => i));
  });

  it('cuts none for a segment that ended before, and keeps the utterance window of a short one', () => {
    // Its end was detected at frame 30, before frame 20 + 15 (the rule of hop windows: open at its end).
    expect(all(early, [start(20, 24), end(20, 28, 30)], 50).map((x) => x.kind)).toEqual(['utterance']);
    // 20 frames of speech: early at 35, then the whole utterance when it ends.
    const short = all(early, [start(20, 24), end(20, 40, 44)], 60);
    expect(short.map((x) => x.kind)).toEqual(['early', 'utterance']);
    expect(short[1]).toEqual({ ...all(opts, [start(20, 24), end(20, 40, 44)], 60)[0]!, index: 1 });
  });

  it('pads like an utterance window at the start of a stream', () => {
    const [e] = all(early, [start(0, 3)], 20);
    expect(e).toMatchObject({
      kind: 'early',
      startFrame: -7,
      padStart: 7,
      padEnd: 8,
      speechStart: 7,
      speechEnd: 22,
    });
  });

  it('is chunking-independent like every other window', () => {
    const cut = (size: number) => {
      const w = new Windower(early);
      const out: FeatureWindow[] = [];
      out.push(...w.pushFrames(ramp(0, 5), 5), ...w.onVad([start(0, 4)], after(4)));
      for (let pos = 5; pos < 100; pos += size) {
        const n = Math.min(size, 100 - pos);
        out.push(...w.pushFrames(ramp(pos, n), n), ...w.onVad([], after(pos + n - 1)));
      }
      out.push(...w.flush(after(99)));
      return out.map((x) => [x.kind, x.startFrame, Array.from(x.data)]);
    };
    expect(cut(95)[0]![0]).toBe('early');
    expect(cut(1)).toEqual(cut(95));
    expect(cut(7)).toEqual(cut(95));
  });

  it('refuses an early point outside the window', () => {
    expect(() => new Windower({ ...opts, earlyFrames: 30 })).toThrow(
      /earlyFrames must be an integer from 0 \(off\) to 29, got 30/,
    );
    expect(() => new Windower({ ...opts, earlyFrames: 1.5 })).toThrow(/earlyFrames/);
    expect(() => new Windower({ ...opts, earlyFrames: -1 })).toThrow(/earlyFrames/);
  });
});
