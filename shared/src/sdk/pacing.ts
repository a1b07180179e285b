/**
 * Real-time pacing for replays and load tests: audio is cut into chunks of `chunkMs` and chunk k is
 * sent when `k * chunkMs / speed` ms have passed since the first, like a live capture source. The
 * schedule is absolute (computed from sample counts, not accumulated sleeps), so it never drifts; a
 * sender that falls behind catches up instead of stretching the stream.
 *
 * @example
 * ```ts
 * for (const chunk of pacingPlan(frames, 16000, { chunkMs: 20, speed: 1 })) console.log(chunk.atMs); // 0, 20, 40...
 * ```
 */

/** Options of a paced send. */
export interface PacingOptions {
  /** Audio per chunk, in ms (> 0). A chunk larger than `maxMessageBytes` is split into several messages. */
  chunkMs: number;
  /** Playback speed: 1 = real time, 2 = twice as fast, 0 = as fast as possible (no waiting). */
  speed: number;
}

/** Defaults of {@link PacingOptions}: 20 ms chunks in real time. */
export const defaultPacingOptions: Readonly<PacingOptions> = Object.freeze({ chunkMs: 20, speed: 1 });

/** One chunk of a paced send. */
export interface PacedChunk {
  /** Index of the chunk's first frame in the audio being sent. */
  startFrame: number;
  /** Frames in the chunk. */
  frames: number;
  /** When to send it, in ms after the first chunk (0 for every chunk when speed is 0). */
  atMs: number;
}

/** Validates and completes pacing options. @throws {TypeError} for a non-positive chunk or negative speed. */
export function resolvePacingOptions(partial: Partial<PacingOptions> = {}): PacingOptions {
  const o = { ...defaultPacingOptions, ...partial };
  if (!(Number.isFinite(o.chunkMs) && o.chunkMs > 0))
    throw new TypeError(`chunkMs must be > 0, got ${o.chunkMs}`);
  if (!(Number.isFinite(o.speed) && o.speed >= 0)) throw new TypeError(`speed must be >= 0, got ${o.speed}`);
  return o;
}

/**
 * The chunks of a paced send of `totalFrames` frames at `sampleRate`. Chunk boundaries fall at
 * `round(k * chunkMs * sampleRate / 1000)` frames, so rates whose chunk is not a whole number of
 * frames (11025 Hz, 20 ms = 220.5) alternate sizes instead of drifting.
 */
export function* pacingPlan(
  totalFrames: number,
  sampleRate: number,
  options: Partial<PacingOptions> = {},
): Generator<PacedChunk> {
  const { chunkMs, speed } = resolvePacingOptions(options);
  let start = 0;
  for (let k = 1; start < totalFrames; k++) {
    const end = Math.min(totalFrames, Math.round((k * chunkMs * sampleRate) / 1000));
    if (end <= start) continue;
    yield {
      startFrame: start,
      frames: end - start,
      atMs: speed === 0 ? 0 : (start * 1000) / sampleRate / speed,
    };
    start = end;
  }
}

/** A monotonic clock and a sleep, injectable for tests. */
export interface Clock {
  /** Milliseconds from an arbitrary origin, monotonic. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `performance.now()` and `setTimeout`. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  sleep: (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
});

/** Options of {@link runPaced}. */
export interface RunPacedOptions {
  clock?: Clock;
  signal?: AbortSignal;
  /**
   * Called before each chunk; when it resolves to true the runner waits `backoffMs` and asks again
   * (backpressure, e.g. the socket's buffer is above its high-water mark).
   */
  shouldWait?: () => boolean;
  backoffMs?: number;
  /** Longest stretch without yielding to the event loop when no wait is due, in ms (speed 0). */
  yieldEveryMs?: number;
}

/**
 * Calls `send` for each chunk at its time. Resolves after the last chunk; rejects with the signal's
 * reason when aborted, or with what `send` throws.
 */
export async function runPaced(
  plan: Iterable<PacedChunk>,
  send: (chunk: PacedChunk) => void,
  options: RunPacedOptions = {},
): Promise<void> {
  const clock = options.clock ?? systemClock;
  const { signal, shouldWait } = options;
  const backoffMs = options.backoffMs ?? 10;
  const yieldEveryMs = options.yieldEveryMs ?? 10;
  signal?.throwIfAborted();
  const t0 = clock.now();
  let lastYield = t0;
  for (const chunk of plan) {
    const wait = t0 + chunk.atMs - clock.now();
    if (wait > 0) {
      await clock.sleep(wait, signal);
      lastYield = clock.now();
    } else if (clock.now() - lastYield >= yieldEveryMs) {
      // Without this, an as-fast-as-possible send of a long file would starve incoming events.
      await clock.sleep(0, signal);
      lastYield = clock.now();
    }
    while (shouldWait?.()) {
      await clock.sleep(backoffMs, signal);
      lastYield = clock.now();
    }
    signal?.throwIfAborted();
    send(chunk);
  }
}
