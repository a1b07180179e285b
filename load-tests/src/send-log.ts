/**
 * When each 20 ms audio frame of a stream was sent, so that an emotion event's latency can be
 * measured from the moment its window's last audio left the client: the event's `endMs` (stream
 * time, 16 kHz sample counts) names the window's last sample, whose frame's send time is looked up.
 * Bounded: only the most recent `capacity` frames are kept (a minute by default), which covers
 * every window a healthy server can still be working on. Pure (no Node APIs), so the k6 script
 * imports it too.
 *
 * @example
 * const log = createSendLog();
 * recordSend(log, performance.now()); // after sending each frame, in order
 * const sentAt = sentAtOfStreamMs(log, event.endMs - ready.startMs);
 * if (sentAt !== undefined) latency.add(performance.now() - sentAt);
 */

export interface SendLog {
  readonly frameSamples: number;
  readonly sampleRate: number;
  /** Send times by frame index modulo the capacity. */
  readonly times: Float64Array;
  /** Frames recorded so far (the next frame's index). */
  frames: number;
}

/** A log for frames of `frameSamples` samples at `sampleRate` (default 20 ms at 16 kHz, one minute kept). */
export function createSendLog(frameSamples = 320, sampleRate = 16000, capacity = 3000): SendLog {
  if (!(frameSamples > 0 && sampleRate > 0 && capacity > 0))
    throw new RangeError('send log: sizes must be > 0');
  return { frameSamples, sampleRate, times: new Float64Array(capacity), frames: 0 };
}

/** Records that the next frame was sent at `atMs` (any clock, used consistently). */
export function recordSend(log: SendLog, atMs: number): void {
  log.times[log.frames % log.times.length] = atMs;
  log.frames++;
}

/** Index of the frame holding the last sample before stream time `endMs` (ms from this connection's first sample). */
export function frameOfEndMs(log: SendLog, endMs: number): number {
  const endSample = Math.round((endMs * log.sampleRate) / 1000);
  return Math.floor((endSample - 1) / log.frameSamples);
}

/**
 * Send time of the frame holding the last sample before `endMs`, or undefined when that frame was
 * not sent yet or is older than the log keeps.
 */
export function sentAtOfStreamMs(log: SendLog, endMs: number): number | undefined {
  const frame = frameOfEndMs(log, endMs);
  if (frame < 0 || frame >= log.frames || frame < log.frames - log.times.length) return undefined;
  return log.times[frame % log.times.length];
}
