/**
 * Emotion inference on ONNX Runtime: a batch of normalised windows in, class logits out. CPU by
 * default; the CUDA execution provider when asked for and available (it falls back to CPU with a
 * warning when the CUDA libraries are missing).
 */
import type * as ort from 'onnxruntime-node';
import { localRunner, type OrtWorkerHost, type SessionRunner } from './session-runner.ts';

export interface EngineOptions {
  inputName: string;
  outputName: string;
  frames: number;
  dim: number;
  classes: number;
  /** Shape of one input item; defaults to `[frames, dim]` (a window). */
  inputShape?: readonly number[];
  /** ONNX Runtime intra-op threads (1 leaves the other cores to other streams). */
  threads: number;
  /** 'cpu', or 'cuda' to try the CUDA execution provider first. */
  device: 'cpu' | 'cuda';
  /** Run the model in this worker thread instead of the calling thread. */
  host?: OrtWorkerHost;
}

export const defaultEngineOptions: Pick<EngineOptions, 'threads' | 'device'> = { threads: 1, device: 'cpu' };

/** The interface every inference engine offers (ONNX Runtime here; tfjs is an alternative). */
export interface InferenceEngine {
  readonly frames: number;
  readonly dim: number;
  readonly classes: number;
  /** Values per input item (`frames * dim` for a window model). */
  readonly inputSize: number;
  readonly provider: string;
  /** Logits of `n` windows stored back to back in `input` (`n * frames * dim` values). */
  infer(input: Float32Array, n: number): Promise<Float32Array>;
  release(): Promise<void>;
}

export class OnnxEngine implements InferenceEngine {
  readonly frames: number;
  readonly dim: number;
  readonly classes: number;
  readonly inputSize: number;
  readonly provider: string;
  private readonly shape: readonly number[];

  private constructor(
    private readonly session: SessionRunner,
    private readonly o: EngineOptions,
    provider: string,
  ) {
    this.frames = o.frames;
    this.dim = o.dim;
    this.classes = o.classes;
    this.shape = o.inputShape ?? [o.frames, o.dim];
    this.inputSize = this.shape.reduce((a, b) => a * b, 1);
    this.provider = provider;
  }

  static async load(
    path: string,
    options: Partial<EngineOptions> & Omit<EngineOptions, 'threads' | 'device'>,
  ): Promise<OnnxEngine> {
    const o: EngineOptions = { ...defaultEngineOptions, ...options };
    const common: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: o.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    const open = (options: ort.InferenceSession.SessionOptions) =>
      o.host ? o.host.load(`emotion-${path}`, path, options) : localRunner(path, options);
    if (o.device === 'cuda') {
      try {
        const s = await open({ ...common, executionProviders: ['cuda', 'cpu'] });
        return new OnnxEngine(s, o, 'cuda');
      } catch (e) {
        process.emitWarning(`CUDA execution provider unavailable, using CPU: ${(e as Error).message}`);
      }
    }
    let session: SessionRunner;
    try {
      session = await open({ ...common, executionProviders: ['cpu'] });
    } catch (e) {
      throw new Error(`cannot load ONNX model ${path}: ${(e as Error).message}`);
    }
    if (!session.inputNames.includes(o.inputName) || !session.outputNames.includes(o.outputName)) {
      throw new Error(
        `ONNX model ${path} has inputs [${session.inputNames}] and outputs [${session.outputNames}], ` +
          `expected '${o.inputName}' and '${o.outputName}'`,
      );
    }
    return new OnnxEngine(session, o, 'cpu');
  }

  async infer(input: Float32Array, n: number): Promise<Float32Array> {
    const size = this.inputSize;
    if (input.length < n * size)
      throw new RangeError(`engine: ${input.length} values for ${n} inputs of ${size}`);
    const data = input.length === n * size ? input : input.subarray(0, n * size);
    const out = await this.session.run({
      [this.o.inputName]: { type: 'float32', data, dims: [n, ...this.shape] },
    });
    const y = out[this.o.outputName];
    if (!y) throw new Error(`engine: model produced no '${this.o.outputName}' output`);
    return y.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
