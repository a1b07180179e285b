/**
 * k6 load test of the streaming endpoint: each virtual user opens `/v1/stream`, sends `start`, then
 * real speech (raw `pcm_s16le` 16 kHz mono, from `make-audio.ts`) in 20 ms binary frames at real-time
 * pace, and measures every emotion event against the send time of its window's last frame.
 * Sessions last `SESSION` (default 60 s), then the user reconnects with a new stream.
 *
 * Run with k6 >= 0.57 (TypeScript is native; k6 0.52-0.56 need `--compatibility-mode=experimental_enhanced`):
 *
 *   npx tsx load-tests/src/make-audio.ts --out /tmp/emostream-speech.s16le --seconds 120
 *   k6 run -e URL=ws://127.0.0.1:8080 -e SCENARIO=ramp -e STREAMS=50 load-tests/k6/stream.ts
 *
 * Environment: `URL` (ws:// or http://, the `/v1/stream` path is added), `SCENARIO`
 * (ramp | constant | spike | soak), `STREAMS` (peak concurrent streams, default 10), `DURATION`
 * (e.g. 5m; the scenario's default otherwise), `SESSION` (stream length, default 60s), `AUDIO`
 * (default /tmp/emostream-speech.s16le), `TELEPHONE=1` (send 8 kHz G.711 mu-law as a call platform
 * does, from `make-audio.ts --telephone`; `AUDIO` then defaults to /tmp/emostream-speech.mulaw8k),
 * `API_KEY`, `HOP_MS`, `EARLY_MS` (an early
 * emotion per segment, `options.earlyMs`), `P95_MS` (threshold, default 250),
 * `MAX_ERROR_RATE` (default 0.01).
 *
 * Metrics: `event_latency` (Trend, ms, tagged `kind`), `server_latency` (the server's
 * `emittedAt - receivedAt`), `emotion_events` (Counter: count and events/s), `stream_errors` (Rate of
 * sessions that failed), `error_events` (Counter tagged `code`), `shed_windows` (Counter tagged
 * `reason`), `audio_seconds_sent`, `unmatched_events`.
 */
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options, Scenario } from 'k6/options';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { formatK6Duration, parseDurationS } from '../src/duration.ts';
import { frameSamples, type LoadFormat, TELEPHONE, WIDEBAND } from '../src/formats.ts';
import { audioOffsetFrames, type ScenarioPlan, scenarioPlan } from '../src/scenarios.ts';
import { createSendLog, recordSend, sentAtOfStreamMs } from '../src/send-log.ts';

const FRAME_MS = 20;
const CONNECT_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 30_000;

const env = (name: string): string | undefined => {
  const v = __ENV[name];
  return v === undefined || v === '' ? undefined : v;
};

const BASE_URL = env('URL') ?? 'ws://127.0.0.1:8080';
const PLAN: ScenarioPlan = scenarioPlan(
  env('SCENARIO') ?? 'constant',
  Number(env('STREAMS') ?? 10),
  env('DURATION') === undefined ? undefined : parseDurationS(env('DURATION') ?? ''),
);
const SESSION_S = parseDurationS(env('SESSION') ?? '60s');
const P95_MS = Number(env('P95_MS') ?? 250);
const MAX_ERROR_RATE = Number(env('MAX_ERROR_RATE') ?? 0.01);
const API_KEY = env('API_KEY');
const HOP_MS = env('HOP_MS') === undefined ? undefined : Number(env('HOP_MS'));
const EARLY_MS = env('EARLY_MS') === undefined ? undefined : Number(env('EARLY_MS'));

const FORMAT: LoadFormat = env('TELEPHONE') === '1' ? TELEPHONE : WIDEBAND;
const FRAME_BYTES = FORMAT.frameBytes;

// Init context: every VU holds the file (120 s of audio is 3.8 MB at 16 kHz, 0.96 MB at 8 kHz mu-law).
const AUDIO: ArrayBuffer = open(env('AUDIO') ?? FORMAT.defaultPath, 'b');
const TOTAL_FRAMES = Math.floor(AUDIO.byteLength / FRAME_BYTES);
if (TOTAL_FRAMES < 1)
  throw new Error(`AUDIO holds no whole 20 ms frame of ${FORMAT.encoding} ${FORMAT.sampleRate} Hz mono`);

const eventLatency = new Trend('event_latency', true);
const serverLatency = new Trend('server_latency', true);
const emotionEvents = new Counter('emotion_events');
const streamErrors = new Rate('stream_errors');
const errorEvents = new Counter('error_events');
const shedWindows = new Counter('shed_windows');
const audioSecondsSent = new Counter('audio_seconds_sent');
const unmatchedEvents = new Counter('unmatched_events');

function k6Scenario(plan: ScenarioPlan): Scenario {
  if (plan.name === 'constant')
    return {
      executor: 'constant-vus',
      vus: plan.streams,
      duration: formatK6Duration(plan.durationS),
      gracefulStop: '10s',
    };
  return {
    executor: 'ramping-vus',
    startVUs: plan.startStreams,
    stages: plan.stages.map((s) => ({ duration: formatK6Duration(s.durationS), target: s.target })),
    // Users leaving in a ramp-down hang up mid-stream, as callers do.
    gracefulRampDown: '5s',
    gracefulStop: '10s',
  };
}

export const options: Options = {
  scenarios: { [PLAN.name]: k6Scenario(PLAN) },
  thresholds: {
    event_latency: [`p(95)<=${P95_MS}`],
    'event_latency{kind:hop}': [`p(95)<=${P95_MS}`],
    stream_errors: [`rate<=${MAX_ERROR_RATE}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max', 'count'],
};

/** The stream endpoint for a base URL: ws(s) scheme, `/v1/stream` added when the URL has no path. */
function streamUrl(base: string): string {
  const m = /^(\w+):\/\/([^/?#]+)(\/[^?#]*)?(.*)$/.exec(base);
  if (!m) throw new Error(`URL must look like ws://host:port, got '${base}'`);
  const scheme = ({ http: 'ws', https: 'wss' } as Record<string, string>)[m[1] ?? ''] ?? m[1];
  const path = !m[3] || m[3] === '/' ? '/v1/stream' : m[3];
  return `${scheme}://${m[2]}${path}${m[4] ?? ''}`;
}

interface ServerMessage {
  type: string;
  kind?: string;
  endMs?: number;
  startMs?: number;
  emittedAt?: number;
  receivedAt?: number;
  shed?: number;
  reason?: string;
  code?: string;
  fatal?: boolean;
}

/** One iteration: one stream of up to `SESSION` seconds, ended with stop and the summary. */
export default function (): void {
  const remainingMs = exec.scenario.startTime + PLAN.durationS * 1000 - Date.now();
  const frames = Math.floor(Math.min(SESSION_S * 1000, remainingMs - 1000) / FRAME_MS);
  if (frames < 50) {
    // Less than a second of the test left: no new stream.
    sleep(Math.max(0, remainingMs) / 1000);
    return;
  }
  const offset = audioOffsetFrames(exec.vu.idInTest, exec.vu.iterationInScenario, TOTAL_FRAMES);
  const log = createSendLog(frameSamples(FORMAT), FORMAT.sampleRate);
  const ws = new WebSocket(streamUrl(BASE_URL));
  ws.binaryType = 'arraybuffer';

  let origin = 0;
  let t0 = 0;
  let sent = 0;
  let ready = false;
  let summary = false;
  let fatal = false;
  let finished = false;
  let ticker: ReturnType<typeof setInterval> | null = null;
  let guard: ReturnType<typeof setTimeout> | null = setTimeout(() => {
    errorEvents.add(1, { code: 'CONNECT_TIMEOUT' });
    fatal = true;
    ws.close();
  }, CONNECT_TIMEOUT_MS);

  const clearTimers = () => {
    if (ticker !== null) clearInterval(ticker);
    if (guard !== null) clearTimeout(guard);
    ticker = null;
    guard = null;
  };
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimers();
    if (!summary && !fatal) errorEvents.add(1, { code: ready ? 'UNEXPECTED_CLOSE' : 'CONNECT_FAILED' });
    streamErrors.add(fatal || !summary);
  };
  const stop = () => {
    if (ticker !== null) clearInterval(ticker);
    ticker = null;
    ws.send('{"type":"stop"}');
    guard = setTimeout(() => {
      errorEvents.add(1, { code: 'STOP_TIMEOUT' });
      fatal = true;
      ws.close();
    }, STOP_TIMEOUT_MS);
  };
  // Drift-free pacing: every tick sends all frames whose time has come since the stream opened.
  const tick = () => {
    const due = Math.min(frames, Math.floor((Date.now() - t0) / FRAME_MS) + 1);
    while (sent < due) {
      const at = ((offset + sent) % TOTAL_FRAMES) * FRAME_BYTES;
      ws.send(AUDIO.slice(at, at + FRAME_BYTES));
      recordSend(log, Date.now());
      sent++;
    }
    if (sent >= frames) {
      audioSecondsSent.add((frames * FRAME_MS) / 1000);
      stop();
    }
  };

  ws.onopen = () => {
    const start: Record<string, unknown> = {
      type: 'start',
      sampleRate: FORMAT.sampleRate,
      encoding: FORMAT.encoding,
      channels: 1,
      metadata: { loadTest: 'k6', vu: exec.vu.idInTest, iteration: exec.vu.iterationInScenario },
    };
    if (API_KEY) start.apiKey = API_KEY;
    if (HOP_MS || EARLY_MS)
      start.options = { ...(HOP_MS ? { hopMs: HOP_MS } : {}), ...(EARLY_MS ? { earlyMs: EARLY_MS } : {}) };
    ws.send(JSON.stringify(start));
  };

  ws.onmessage = (e) => {
    const now = Date.now();
    if (!e || typeof e.data !== 'string') return;
    const ev = JSON.parse(e.data) as ServerMessage;
    switch (ev.type) {
      case 'ready':
        ready = true;
        origin = ev.startMs ?? 0;
        if (guard !== null) clearTimeout(guard);
        guard = null;
        t0 = Date.now();
        tick();
        ticker = setInterval(tick, FRAME_MS);
        break;
      case 'emotion': {
        const kind = ev.kind ?? 'unknown';
        emotionEvents.add(1, { kind });
        const sentAt = sentAtOfStreamMs(log, (ev.endMs ?? 0) - origin);
        if (sentAt === undefined) unmatchedEvents.add(1);
        else eventLatency.add(now - sentAt, { kind });
        if (ev.emittedAt !== undefined && ev.receivedAt !== undefined)
          serverLatency.add(ev.emittedAt - ev.receivedAt, { kind });
        break;
      }
      case 'overloaded':
        shedWindows.add(ev.shed ?? 0, { reason: ev.reason ?? 'unknown' });
        break;
      case 'error':
        errorEvents.add(1, { code: ev.code ?? 'unknown' });
        if (ev.fatal) fatal = true;
        break;
      case 'summary':
        summary = true;
        ws.close();
        break;
    }
  };

  ws.onerror = () => {
    // A failed handshake or a broken socket; the close that follows (or not) ends the session.
    finish();
    ws.close();
  };
  ws.onclose = finish;
}
