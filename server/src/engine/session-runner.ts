/**
 * Where an ONNX model runs: on the calling thread, or in a worker thread shared by the server's
 * models. onnxruntime-node runs sessions synchronously on the thread that calls `run` (after a
 * `setImmediate`), so the server hosts its VAD and emotion models in one worker: the main thread
 * keeps sockets and features moving while the other core runs the networks. Both runners take and
 * return plain typed arrays, so callers are the same either way.
 *
 * @example
 * const host = new OrtWorkerHost();
 * const runner = await host.load('vad', '/path/silero.onnx', { intraOpNumThreads: 1 });
 * const out = await runner.run({ input: { type: 'float32', data, dims: [b, 1536] }, ... });
 */
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

export interface TensorData {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: readonly number[];
}

export interface SessionRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the model. With `transfer`, whole input buffers move to the worker without a copy and are
   * unusable afterwards; otherwise they are copied (the caller may own and reuse them).
   */
  run(feeds: Record<string, TensorData>, transfer?: boolean): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

/** A session on the calling thread. */
export async function localRunner(
  pathOrBytes: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<SessionRunner> {
  const s =
    typeof pathOrBytes === 'string'
      ? await ort.InferenceSession.create(pathOrBytes, options)
      : await ort.InferenceSession.create(pathOrBytes, options);
  return {
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    async run(feeds) {
      const f: Record<string, ort.Tensor> = {};
      for (const [k, t] of Object.entries(feeds)) f[k] = new ort.Tensor(t.type, t.data, t.dims);
      const out = await s.run(f);
      const r: Record<string, TensorData> = {};
      for (const [k, t] of Object.entries(out))
        r[k] = { type: t.type as TensorData['type'], data: t.data as Float32Array, dims: t.dims };
      return r;
    },
    release: () => s.release(),
  };
}

interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  inputNames?: string[];
  outputNames?: string[];
  outputs?: Record<string, TensorData>;
}

/** One worker thread hosting any number of named sessions; calls run one at a time, in order. */
export class OrtWorkerHost {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  constructor() {
    this.worker = new Worker(new URL('./ort-worker.mjs', import.meta.url));
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r);
      else p.reject(new Error(r.error ?? 'worker error'));
    });
    const fail = (e: Error) => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`ONNX Runtime worker exited with code ${code}`)));
  }

  private call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  async load(
    name: string,
    path: string,
    options: ort.InferenceSession.SessionOptions,
  ): Promise<SessionRunner> {
    const r = await this.call({ op: 'load', name, path, options });
    return {
      inputNames: r.inputNames ?? [],
      outputNames: r.outputNames ?? [],
      run: async (feeds, move = false) => {
        const transfer: ArrayBuffer[] = [];
        if (move)
          for (const t of Object.values(feeds)) {
            const b = t.data.buffer;
            // Whole, unshared buffers move without a copy; views into larger buffers are copied.
            if (
              b instanceof ArrayBuffer &&
              t.data.byteOffset === 0 &&
              t.data.byteLength === b.byteLength &&
              !transfer.includes(b)
            )
              transfer.push(b);
          }
        return (await this.call({ op: 'run', name, feeds }, transfer)).outputs ?? {};
      },
      release: async () => {
        if (!this.dead) await this.call({ op: 'release', name });
      },
    };
  }

  async terminate(): Promise<void> {
    this.dead ??= new Error('ONNX Runtime worker terminated');
    await this.worker.terminate();
  }
}
