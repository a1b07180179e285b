/**
 * One stream of a load run: connects with the SDK, sends its audio in 20 ms frames whenever the
 * shared {@link Ticker} says they are due (real time, drift-free), records every emotion event's
 * latency against the send time of its window's last frame, and ends with `stop` and the summary.
 *
 * @example
 * const session = new StreamSession(ctx, { user: 3, index: 0, frames: 3000 });
 * const ok = await session.run(); // after 60 s, or session.stop() to end early
 */
import {
  EmotionStreamClient,
  type EmotionStreamError,
  type WebSocketConstructor,
} from '@emostream/shared/sdk/index';
import { frameSamples, type LoadFormat } from './formats.ts';
import type { LoadMetrics } from './metrics.ts';
import { audioOffsetFrames } from './scenarios.ts';
import { createSendLog, recordSend, sentAtOfStreamMs } from './send-log.ts';
import type { Ticker } from './ticker.ts';

/** Duration of one frame, ms. */
export const FRAME_MS = 20;

/** What every session of a run shares. */
export interface SessionContext {
  url: string;
  /** Raw audio in `format`, whole 20 ms frames; sessions loop over it. */
  audio: Uint8Array;
  /** What the audio is and how streams declare it. */
  format: LoadFormat;
  metrics: LoadMetrics;
  ticker: Ticker;
  WebSocket: WebSocketConstructor;
  apiKey?: string;
  /** `start.options.hopMs`; the model's default when absent. */
  hopMs?: number;
  /** `start.options.earlyMs`; none when absent. */
  earlyMs?: number;
  connectTimeoutMs: number;
  stopTimeoutMs: number;
  /** Monotonic ms (the ticker's clock). */
  now: () => number;
  /** Called when a session starts or stops streaming. */
  onOpenChange: (delta: 1 | -1) => void;
}

export interface SessionSpec {
  /** Virtual user (slot) number and its session count, which pick the audio offset. */
  user: number;
  index: number;
  /** Frames to send before stopping. */
  frames: number;
}

function codeOf(e: unknown): string {
  const code = (e as Partial<EmotionStreamError> | null)?.code;
  return typeof code === 'string' ? code : 'CLIENT_EXCEPTION';
}

export class StreamSession {
  private stopRequested = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly ctx: SessionContext,
    readonly spec: SessionSpec,
  ) {}

  /** Ends the stream early (with `stop`, at the next tick). */
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  /** Streams until `spec.frames` are sent or {@link stop}; resolves true when it ended cleanly with a summary. */
  async run(): Promise<boolean> {
    const { ctx, spec } = this;
    const m = ctx.metrics;
    m.sessions++;
    let client: EmotionStreamClient;
    try {
      client = await EmotionStreamClient.connect(ctx.url, {
        sampleRate: ctx.format.sampleRate,
        encoding: ctx.format.encoding,
        channels: 1,
        WebSocket: ctx.WebSocket,
        connectTimeoutMs: ctx.connectTimeoutMs,
        metadata: { loadTest: 'node-runner', user: spec.user, session: spec.index },
        ...(ctx.apiKey ? { apiKey: ctx.apiKey } : {}),
        ...(ctx.hopMs || ctx.earlyMs
          ? {
              options: {
                ...(ctx.hopMs ? { hopMs: ctx.hopMs } : {}),
                ...(ctx.earlyMs ? { earlyMs: ctx.earlyMs } : {}),
              },
            }
          : {}),
      });
    } catch (e) {
      m.error(ctx.now(), codeOf(e));
      m.sessionEnded(false);
      return false;
    }
    const log = createSendLog(frameSamples(ctx.format), ctx.format.sampleRate);
    const frameBytes = ctx.format.frameBytes;
    const origin = client.ready.startMs;
    let fatal: string | null = null;
    let broken = false;
    client.on('emotion', (e) => {
      const now = ctx.now();
      const sentAt = sentAtOfStreamMs(log, e.endMs - origin);
      m.emotion(now, e.kind, sentAt === undefined ? undefined : now - sentAt, e.emittedAt - e.receivedAt);
    });
    client.on('overloaded', (e) => m.overloaded(ctx.now(), e.shed, e.reason));
    client.on('error', (e) => {
      m.error(ctx.now(), e.code);
      if (e.fatal) fatal = e.code;
    });

    ctx.onOpenChange(1);
    const audio = ctx.audio;
    const totalFrames = Math.floor(audio.length / frameBytes);
    const offset = audioOffsetFrames(spec.user, spec.index, totalFrames);
    await new Promise<void>((resolve) => {
      const t0 = ctx.now();
      let sent = 0;
      let off = () => {};
      const done = () => {
        off();
        this.wake = null;
        resolve();
      };
      this.wake = done;
      off = ctx.ticker.add((now) => {
        if (client.state !== 'open' || this.stopRequested) return done();
        const due = Math.min(spec.frames, Math.floor((now - t0) / FRAME_MS) + 1);
        try {
          while (sent < due) {
            const f = ((offset + sent) % totalFrames) * frameBytes;
            client.sendAudio(audio.subarray(f, f + frameBytes));
            recordSend(log, ctx.now());
            sent++;
            m.framesSent++;
          }
        } catch (e) {
          m.error(now, codeOf(e));
          broken = true;
          return done();
        }
        if (sent >= spec.frames) done();
      });
      if (this.stopRequested) done();
    });

    let ok = false;
    if (client.state === 'open') {
      try {
        await client.stop({ timeoutMs: ctx.stopTimeoutMs });
        ok = fatal === null && !broken;
      } catch (e) {
        if (fatal === null) m.error(ctx.now(), codeOf(e));
      }
    } else {
      await client.close();
      if (fatal === null && !client.summary) m.error(ctx.now(), 'UNEXPECTED_CLOSE');
    }
    ctx.onOpenChange(-1);
    m.sessionEnded(ok);
    return ok;
  }
}
