/**
 * Silero VAD batched across streams. Each stream gets a `VadFunction` (what `StreamAnalyzer`
 * wants); calls made in the same turn of the event loop are run as one ONNX Runtime call, because
 * per-call overhead dominates a 96 ms frame (0.18 ms alone, 0.09 ms per frame in batches of 16).
 * At most one model call is in flight (ONNX Runtime runs it off the main thread): frames that
 * arrive meanwhile wait and leave together when it returns, so batches grow with load instead of
 * calls piling up. When idle, a batch leaves on the next macrotask (`setImmediate`). Streams in
 * Silero's 8 kHz mode (`forStream(8000)`, narrowband calls) and in its 16 kHz mode batch apart, since
 * one model call runs one mode: a batch takes the mode of the oldest waiting frame.
 *
 * @example
 * const vads = new VadBatcher(await SileroVad.load(), { maxBatch: 64 });
 * const analyzer = new StreamAnalyzer(config, vads.forStream());
 */
import type { SileroState, SileroVad, VadRate } from './silero.ts';

export interface VadBatcherOptions {
  /** Most frames per model call. */
  maxBatch: number;
  /** Called after each model call with the batch size, its duration and Silero's mode. */
  onBatch?: (size: number, ms: number, rate: VadRate) => void;
}

interface Pending {
  frame: Float32Array;
  state: SileroState;
  rate: VadRate;
  resolve: (p: number) => void;
  reject: (e: unknown) => void;
}

export class VadBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private busy = false;

  constructor(
    private readonly vad: SileroVad,
    private readonly options: VadBatcherOptions,
  ) {}

  /** Frames per VAD call of the model (1536 at 16 kHz for the bundled Silero v4). */
  get frameSamples(): number {
    return this.vad.frameSamples;
  }

  /**
   * A VAD function for one new stream, with its own recurrent state, in Silero's `rate` mode (see
   * `vadModeFor`). The frame passed in must stay unchanged until the returned promise settles (the
   * analyser awaits it, so it does).
   */
  forStream(rate: VadRate = 16000): (frame: Float32Array) => Promise<number> {
    const state = this.vad.newState();
    return (frame) =>
      new Promise<number>((resolve, reject) => {
        this.queue.push({ frame, state, rate, resolve, reject });
        if (!this.scheduled && !this.busy) {
          this.scheduled = true;
          setImmediate(this.flush);
        }
      });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.busy || this.queue.length === 0) return;
    const rate = this.queue[0]!.rate;
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    for (const p of this.queue)
      (p.rate === rate && batch.length < this.options.maxBatch ? batch : rest).push(p);
    this.queue = rest;
    this.runBatch(batch, rate);
  };

  private runBatch(batch: Pending[], rate: VadRate): void {
    this.busy = true;
    const t0 = performance.now();
    this.vad
      .run(
        batch.map((p) => p.frame),
        batch.map((p) => p.state),
        rate,
      )
      .then(
        (probs) => {
          this.options.onBatch?.(batch.length, performance.now() - t0, rate);
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve(probs[i]!);
        },
        (e: unknown) => {
          for (const p of batch) p.reject(e);
        },
      )
      .finally(() => {
        this.busy = false;
        this.flush();
      });
  }
}
