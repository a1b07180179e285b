/**
 * Runs a load scenario in-process against a server: virtual users (slots) each stream real speech
 * in sessions of `sessionS` seconds (then reconnect with a new stream, like k6 iterations), while a
 * controller adds or stops users every `controlMs` to follow the scenario's stream count. One
 * shared {@link Ticker} paces every stream. The CLI (`runner.ts`) and the tests call
 * {@link runLoad}.
 *
 * @example
 * const report = await runLoad({ url: 'ws://127.0.0.1:8080', scenario: 'constant', streams: 4, durationS: 10, audio });
 * console.log(formatMarkdown(report));
 */
import type { WebSocketConstructor } from '@emostream/shared/sdk/index';
import WebSocket from 'ws';
import { type LoadFormat, WIDEBAND } from './formats.ts';
import { DEFAULT_THRESHOLDS, LoadMetrics, type LoadReport, type Thresholds } from './metrics.ts';
import { type ScenarioName, scenarioPlan, targetAt } from './scenarios.ts';
import { FRAME_MS, type SessionContext, StreamSession } from './stream-session.ts';
import { Ticker } from './ticker.ts';

export interface LoadOptions {
  /** Server URL: `ws://host:port` (the `/v1/stream` path is added) or a full stream URL. */
  url: string;
  scenario: ScenarioName;
  /** Peak concurrent streams. */
  streams: number;
  /** Length of the scenario in seconds; the scenario's default when absent. */
  durationS?: number;
  /** Raw audio in `format`, whole 20 ms frames. */
  audio: Uint8Array;
  /** The audio's format, which every stream declares (default `WIDEBAND`: 16 kHz `pcm_s16le`). */
  format?: LoadFormat;
  /** Length of one stream before its user reconnects with a new one, in seconds. */
  sessionS: number;
  apiKey?: string;
  /** `start.options.hopMs` for every stream. */
  hopMs?: number;
  /** `start.options.earlyMs` for every stream. */
  earlyMs?: number;
  /** WebSocket class; the `ws` package's by default. */
  WebSocket: WebSocketConstructor;
  /** Period of the shared pacing tick, ms (one frame). */
  tickMs: number;
  /** How often the controller adjusts the number of streams, ms. */
  controlMs: number;
  connectTimeoutMs: number;
  stopTimeoutMs: number;
  /** Wait after a failed session before the user reconnects, ms (no hot loop against an overloaded server). */
  retryDelayMs: number;
  thresholds: Thresholds;
  /** Ends the run early (streams are stopped cleanly and the report covers the time run). */
  signal?: AbortSignal;
  /** Called every `progressEveryS` seconds with a one-line status. */
  onProgress?: (line: string) => void;
  progressEveryS: number;
}

export const defaultLoadOptions: Omit<LoadOptions, 'url' | 'scenario' | 'streams' | 'audio'> = {
  sessionS: 60,
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  tickMs: FRAME_MS,
  controlMs: 250,
  connectTimeoutMs: 10_000,
  stopTimeoutMs: 30_000,
  retryDelayMs: 1000,
  thresholds: { ...DEFAULT_THRESHOLDS },
  progressEveryS: 10,
};

interface Slot {
  user: number;
  active: boolean;
  session: StreamSession | null;
  loop: Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs the scenario and resolves with its report once every stream has stopped.
 *
 * @throws {RangeError} for an invalid scenario, stream count or audio.
 */
export async function runLoad(
  partial: Partial<LoadOptions> & Pick<LoadOptions, 'url' | 'scenario' | 'streams' | 'audio'>,
): Promise<LoadReport> {
  const o: LoadOptions = { ...defaultLoadOptions, ...partial };
  const plan = scenarioPlan(o.scenario, o.streams, o.durationS);
  const format = o.format ?? WIDEBAND;
  if (o.audio.length < format.frameBytes || o.audio.length % format.bytesPerSample !== 0)
    throw new RangeError(`audio must be ${format.encoding} with at least one 20 ms frame`);
  if (!(o.sessionS > 0)) throw new RangeError(`sessionS must be > 0, got ${o.sessionS}`);
  const now = () => performance.now();
  const ticker = new Ticker(o.tickMs, now);
  const t0 = now();
  const endAt = t0 + plan.durationS * 1000;
  const metrics = new LoadMetrics(plan, t0, FRAME_MS);
  let open = 0;
  const ctx: SessionContext = {
    url: o.url,
    audio: o.audio,
    format,
    metrics,
    ticker,
    WebSocket: o.WebSocket,
    connectTimeoutMs: o.connectTimeoutMs,
    stopTimeoutMs: o.stopTimeoutMs,
    now,
    onOpenChange: (d) => {
      open += d;
      metrics.streams(now(), open);
    },
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(o.hopMs ? { hopMs: o.hopMs } : {}),
    ...(o.earlyMs ? { earlyMs: o.earlyMs } : {}),
  };
  const slots: Slot[] = [];
  const cpu0 = process.cpuUsage();

  const runSlot = async (slot: Slot) => {
    for (let index = 0; slot.active; index++) {
      const remaining = endAt - now();
      const frames = Math.min(Math.round((o.sessionS * 1000) / FRAME_MS), Math.floor(remaining / FRAME_MS));
      if (frames < 1) break;
      const session = new StreamSession(ctx, { user: slot.user, index, frames });
      slot.session = session;
      const ok = await session.run();
      slot.session = null;
      if (!ok && slot.active) await sleep(o.retryDelayMs);
    }
  };
  const activeCount = () => slots.reduce((n, s) => n + (s.active ? 1 : 0), 0);
  const control = () => {
    const target = o.signal?.aborted ? 0 : targetAt(plan, (now() - t0) / 1000);
    let active = activeCount();
    for (const slot of slots) {
      if (active >= target) break;
      if (!slot.active && slot.session === null) {
        slot.active = true;
        slot.loop = slot.loop.then(() => runSlot(slot));
        active++;
      }
    }
    while (active < target) {
      const slot: Slot = { user: slots.length, active: true, session: null, loop: Promise.resolve() };
      slot.loop = runSlot(slot);
      slots.push(slot);
      active++;
    }
    // Ramp down: the most recently added users leave first, ending their stream with stop.
    for (let i = slots.length - 1; i >= 0 && active > target; i--) {
      const slot = slots[i]!;
      if (!slot.active) continue;
      slot.active = false;
      slot.session?.stop();
      active--;
    }
  };

  ticker.start();
  let lastProgress = t0;
  while (now() < endAt && !o.signal?.aborted) {
    control();
    metrics.streams(now(), open);
    if (o.onProgress && now() - lastProgress >= o.progressEveryS * 1000) {
      lastProgress = now();
      const s = metrics.latency.summary();
      o.onProgress(
        `t=${Math.round((now() - t0) / 1000)}s streams=${open} events=${metrics.events} p95=${s.p95Ms ?? '–'}ms shed=${metrics.shed} errors=${Object.values(metrics.errors).reduce((a, b) => a + b, 0)}`,
      );
    }
    await sleep(Math.min(o.controlMs, Math.max(0, endAt - now())));
  }
  for (const slot of slots) {
    slot.active = false;
    slot.session?.stop();
  }
  await Promise.all(slots.map((s) => s.loop));
  ticker.stop();
  metrics.endedAt = now();
  const cpu = process.cpuUsage(cpu0);
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / (metrics.endedAt - t0)) * 100;
  return metrics.report({
    url: o.url,
    audioFormat: format.name,
    ticker,
    cpuPercent,
    thresholds: o.thresholds,
  });
}
