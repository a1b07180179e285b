/**
 * A block of audio that knows where it sits in its stream. Samples are interleaved when
 * `channels > 1`. `startSample` counts frames (samples per channel) since the stream began, at
 * `sampleRate`, so stream time is always derived from sample counts, never from the wall clock.
 */
export interface AudioFrame {
  /** Interleaved samples in [-1, 1]. Length is `samplesPerChannel * channels`. */
  readonly data: Float32Array;
  /** Samples per second per channel. */
  readonly sampleRate: number;
  /** Number of interleaved channels. */
  readonly channels: number;
  /** Index, in samples per channel since the start of the stream, of this frame's first sample. */
  readonly startSample: number;
}

/** Number of samples per channel in a frame. */
export function samplesPerChannel(frame: AudioFrame): number {
  return frame.data.length / frame.channels;
}

/** Stream time of a frame's first sample in milliseconds. */
export function frameStartMs(frame: AudioFrame): number {
  return (frame.startSample * 1000) / frame.sampleRate;
}

/** Stream time just after a frame's last sample in milliseconds. */
export function frameEndMs(frame: AudioFrame): number {
  return ((frame.startSample + samplesPerChannel(frame)) * 1000) / frame.sampleRate;
}

/** Converts a sample count at `sampleRate` to milliseconds. */
export function samplesToMs(samples: number, sampleRate: number): number {
  return (samples * 1000) / sampleRate;
}

/** Converts milliseconds to a whole number of samples at `sampleRate` (rounded to nearest). */
export function msToSamples(ms: number, sampleRate: number): number {
  return Math.round((ms * sampleRate) / 1000);
}

/** The samples of `parts` back to back in one new array. */
export function concatSamples(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
