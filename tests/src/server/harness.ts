/**
 * Test harness for the streaming server: real server, real WebSocket, real speech. Streams audio
 * with chosen chunkings and rates and returns every event in arrival order.
 */
import { fileURLToPath } from 'node:url';
import { encodePcm, type PcmEncoding } from '@emostream/shared/audio/pcm';
import type { ServerEvent } from '@emostream/shared/protocol/messages';
import { EmotionStreamClient } from '@emostream/shared/sdk/index';
import WebSocket from 'ws';

export { concatSamples as concat } from '@emostream/shared/audio/frame';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const DEFAULT_MODEL = `${ROOT}models/default`;

export interface StreamRun {
  events: ServerEvent[];
  streamId: string;
}

export interface StreamAudioOptions {
  sampleRate?: 8000 | 16000 | 48000 | 44100 | 22050 | 24000 | 32000 | 11025;
  encoding?: PcmEncoding;
  /** Chunk lengths in ms (cycled), or a function giving the next length in samples. */
  chunkMs?: number | number[];
  /** Pace: 1 = real time; 0 = as fast as allowed (everything at once). */
  speed?: number;
  streamId?: string;
  sessionId?: string;
  options?: Record<string, unknown>;
  apiKey?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Streams `samples` (float, at `sampleRate`) to the server and collects every event until the summary. */
export async function streamAudio(
  url: string,
  samples: Float32Array,
  o: StreamAudioOptions = {},
): Promise<StreamRun> {
  const sampleRate = o.sampleRate ?? 16000;
  const encoding = o.encoding ?? 'pcm_s16le';
  const client = await EmotionStreamClient.connect(url, {
    sampleRate,
    encoding,
    channels: 1,
    streamId: o.streamId,
    sessionId: o.sessionId,
    options: o.options as never,
    apiKey: o.apiKey,
    WebSocket: WebSocket as never,
  });
  const events: ServerEvent[] = [client.ready];
  const iter = client.events();
  const pump = (async () => {
    for await (const e of iter) events.push(e);
  })();
  const chunks = Array.isArray(o.chunkMs) ? o.chunkMs : [o.chunkMs ?? 20];
  const speed = o.speed ?? 0;
  const t0 = performance.now();
  let pos = 0;
  let k = 0;
  while (pos < samples.length) {
    const n = Math.max(1, Math.round((chunks[k++ % chunks.length]! * sampleRate) / 1000));
    const part = samples.subarray(pos, Math.min(samples.length, pos + n));
    client.sendAudio(encodePcm(part, encoding));
    pos += part.length;
    if (speed > 0) {
      const due = (pos / sampleRate / speed) * 1000 - (performance.now() - t0);
      if (due > 1) await sleep(due);
    }
  }
  await client.stop({ timeoutMs: 30_000 });
  await client.close().catch(() => undefined);
  await pump.catch(() => undefined);
  return { events, streamId: client.streamId };
}

/**
 * The events of a run without wall-clock fields and stream ids, for comparing runs: speech events,
 * then emotion events, then the summary (how the two kinds interleave depends on inference timing).
 */
export function comparable(run: StreamRun): unknown[] {
  const order = ['speech', 'emotion', 'summary'];
  return order
    .flatMap((t) => run.events.filter((e) => e.type === t))
    .map((e) => {
      const { emittedAt: _a, streamId: _s, ...rest } = e as unknown as Record<string, unknown>;
      delete rest.receivedAt;
      return rest;
    });
}

export const ofType = <T extends ServerEvent['type']>(run: StreamRun, type: T) =>
  run.events.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type);

/** Silence of `ms` at 16 kHz. */
export const silence = (ms: number) => new Float32Array(Math.round(ms * 16));
