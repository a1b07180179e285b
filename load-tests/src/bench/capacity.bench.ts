/**
 * Capacity: the largest number of concurrent real-time streams this machine's server sustains with
 * p95 event latency <= 250 ms, no shed window, no error and no growing backlog, for a sustained
 * period. The server runs in its own process (`serve.ts`, default configuration, `models/default`),
 * the load generator ({@link runLoad}, real speech at real-time pace) in this one.
 *
 * Search: constant-load probes of `probeS` seconds, doubling from `start` streams until one fails,
 * then bisection to within 5%; the best passing count is then confirmed by one run of the full
 * `duration` (5 minutes by default), stepping down 10% (at most three times) if it fails. Each probe
 * gets a fresh server, so ended streams kept for resumption do not carry over.
 *
 * The per-stage breakdown and the server's CPU come from the server itself: the differences of
 * `emostream_stage_seconds_total{stage}`, the process CPU seconds (prom-client's default metric) and
 * `emostream_audio_seconds_total` on `GET /metrics` over the confirmation run, per second of stream
 * audio. Stage time is measured around each stage's work (for VAD and inference, the batched engine
 * calls, whose ONNX Runtime threads run beside the event loop); `unattributedMs` is the rest of the
 * server's CPU: WebSocket I/O, JSON, pipeline plumbing and garbage collection.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadSpeech, toS16le, toTelephone } from '../audio.ts';
import { parseDurationS } from '../duration.ts';
import { type LoadFormat, TELEPHONE, WIDEBAND } from '../formats.ts';
import { runLoad } from '../load-run.ts';
import type { LoadReport } from '../metrics.ts';
import { cpuSecondsDelta, delta, type MetricSamples, metricValue, scrapeMetrics } from '../prometheus.ts';
import { round } from './measure.ts';

const STAGES = ['decode', 'resample', 'vad', 'features', 'inference', 'fanout'] as const;
const P95_LIMIT_MS = 250;

export interface CapacityOptions {
  /** Length of the confirmation run (e.g. `5m`, `60s`); default 5 minutes. */
  duration?: string;
  /** Length of each search probe; default a quarter of `duration`, between 15 and 30 s. */
  probe?: string;
  /** Streams of the first probe. */
  start?: number;
  /** Never probe more streams than this. */
  max?: number;
  /** Server options passed to `startServer` in the server process (JSON-serialisable). */
  server?: Record<string, unknown>;
  /** Stream telephone calls (8 kHz G.711 mu-law, narrowband VAD) instead of 16 kHz pcm_s16le. */
  telephone?: boolean;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

export interface ProbeResult {
  streams: number;
  durationS: number;
  passed: boolean;
  /** Why it failed, empty when it passed. */
  reasons: string[];
  /** p95 client latency while all streams were running (the verdict's figure). */
  p95LatencyMs: number | null;
  /** The same over every event, including the final flush after all streams stop at once. */
  p95LatencyAllEventsMs: number | null;
  serverP95LatencyMs: number | null;
  eventsPerSecond: number;
  shedWindows: number;
  errors: Record<string, number>;
  backlogGrowing: boolean;
  /** Server process CPU over the run, % of one core. */
  serverCpuPercent: number;
  /** Load generator CPU, % of one core, and its tick lateness: high values mean the generator, not the server, limited the run. */
  generatorCpuPercent: number;
  generatorTickLateP99Ms: number | null;
  /**
   * The server's event-loop lag p99 at the end of the run (prom-client's `nodejs_eventloop_lag_p99_seconds`),
   * in ms: high lag with low server CPU means the process waited for a core (other jobs), not for work.
   */
  serverEventLoopLagP99Ms: number | null;
}

export interface CapacityResult {
  suite: 'capacity';
  /** What the streams sent: `wideband` (16 kHz pcm_s16le) or `telephone` (8 kHz mu-law). */
  audioFormat: LoadFormat['name'];
  /** Largest stream count that passed the full-length confirmation (0 when none did). */
  maxStreams: number;
  /** p95 client-measured event latency of that run. */
  p95LatencyMs: number | null;
  /** Server CPU per second of stream audio, in ms (1000 = one core per stream). */
  cpuMsPerStreamSecond: number | null;
  /** Server time per stage per second of stream audio, in ms, and the CPU no stage accounts for. */
  stagesMsPerStreamSecond: Record<(typeof STAGES)[number] | 'unattributedMs', number> | null;
  /** How the stage figures are measured (they are server time, not all CPU time). */
  stagesNote: string;
  confirmed: boolean;
  confirmDurationS: number;
  probeDurationS: number;
  criteria: { p95LatencyMs: number; shedWindows: 0; errors: 0; backlog: 'not growing' };
  probes: ProbeResult[];
  confirmation: ProbeResult[];
  setup: string;
  machine: { cores: number; loadAverage1mAtStart: number; loadAverage1mAtEnd: number };
}

interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function spawnServer(options: Record<string, unknown>): Promise<ServerProcess> {
  const script = fileURLToPath(new URL('./serve.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('server process did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`server process exited with ${code} before listening`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        reject(new Error(`unexpected server output: ${line}`));
      }
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { url, child, stop };
}

function verdict(report: LoadReport, serverShed: number, streams: number): string[] {
  const reasons: string[] = [];
  const p95 = report.steadyLatencyMs.p95Ms;
  if (p95 === null) reasons.push('no event measured');
  else if (p95 > P95_LIMIT_MS) reasons.push(`p95 ${p95} ms > ${P95_LIMIT_MS} ms`);
  const shed = Math.max(report.shedWindows, serverShed);
  if (shed > 0) reasons.push(`${shed} windows shed`);
  const errors = Object.entries(report.errors);
  if (errors.length > 0) reasons.push(`errors ${errors.map(([c, n]) => `${c}:${n}`).join(',')}`);
  if (report.backlog.growing)
    reasons.push(`backlog growing (${report.backlog.firstP50Ms} -> ${report.backlog.lastP50Ms} ms)`);
  if (report.streams.peak < streams) reasons.push(`only ${report.streams.peak} of ${streams} streams opened`);
  return reasons;
}

function eventLoopLagP99Ms(samples: MetricSamples): number | null {
  for (const name of [
    'emostream_process_nodejs_eventloop_lag_p99_seconds',
    'emostream_nodejs_eventloop_lag_p99_seconds',
  ])
    if (samples.has(name)) return round(metricValue(samples, name) * 1000, 1);
  return null;
}

interface RunOutcome {
  result: ProbeResult;
  before: MetricSamples;
  after: MetricSamples;
}

async function runAt(
  streams: number,
  durationS: number,
  audio: Uint8Array,
  format: LoadFormat,
  server: Record<string, unknown>,
): Promise<RunOutcome> {
  const srv = await spawnServer(server);
  try {
    const before = await scrapeMetrics(srv.url);
    const report = await runLoad({
      url: srv.url.replace(/^http/, 'ws'),
      scenario: 'constant',
      streams,
      durationS,
      sessionS: durationS,
      audio,
      format,
      connectTimeoutMs: 30_000,
    });
    const after = await scrapeMetrics(srv.url);
    const serverShed = delta(before, after, 'emostream_windows_shed_total');
    const cpuS = cpuSecondsDelta(before, after);
    const reasons = verdict(report, serverShed, streams);
    return {
      before,
      after,
      result: {
        streams,
        durationS,
        passed: reasons.length === 0,
        reasons,
        p95LatencyMs: report.steadyLatencyMs.p95Ms,
        p95LatencyAllEventsMs: report.latencyMs.p95Ms,
        serverP95LatencyMs: report.serverLatencyMs.p95Ms,
        eventsPerSecond: report.eventsPerSecond,
        shedWindows: Math.max(report.shedWindows, serverShed),
        errors: report.errors,
        backlogGrowing: report.backlog.growing,
        serverCpuPercent: round((cpuS / report.durationS) * 100, 1),
        generatorCpuPercent: report.generator.cpuPercent,
        generatorTickLateP99Ms: report.generator.tickLateP99Ms,
        serverEventLoopLagP99Ms: eventLoopLagP99Ms(after),
      },
    };
  } finally {
    await srv.stop();
  }
}

/** Runs the search and the confirmation; see the module comment. */
export async function runCapacityBench(opts: CapacityOptions = {}): Promise<CapacityResult> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const confirmS = parseDurationS(opts.duration ?? '5m');
  const probeS = opts.probe ? parseDurationS(opts.probe) : Math.min(30, Math.max(15, confirmS / 4));
  const max = opts.max ?? 2048;
  const server = opts.server ?? {};
  const loadStart = loadavg()[0] ?? 0;
  const format = opts.telephone ? TELEPHONE : WIDEBAND;
  const s16 = toS16le((await loadSpeech({ seconds: 300 })).samples);
  const audio = opts.telephone ? await toTelephone(s16) : s16;
  const probes: ProbeResult[] = [];
  const probe = async (n: number) => {
    const { result } = await runAt(n, probeS, audio, format, server);
    probes.push(result);
    log(
      `capacity probe ${n} streams x ${probeS}s: ${result.passed ? 'pass' : `FAIL (${result.reasons.join('; ')})`}; ` +
        `p95 ${result.p95LatencyMs} ms, server CPU ${result.serverCpuPercent}%, server loop lag p99 ${result.serverEventLoopLagP99Ms} ms, ` +
        `generator CPU ${result.generatorCpuPercent}%`,
    );
    return result.passed;
  };

  // Doubling until a probe fails, then bisection to within 5%.
  let lo = 0;
  let hi = 0;
  for (let n = Math.max(1, opts.start ?? 8); ; n *= 2) {
    const capped = Math.min(n, max);
    if (await probe(capped)) lo = capped;
    else {
      hi = capped;
      break;
    }
    if (capped >= max) break;
  }
  if (hi === 0) hi = lo;
  if (lo === 0 && hi > 1) {
    // Even the first probe failed: look below it.
    for (let n = Math.floor(hi / 2); n >= 1; n = Math.floor(n / 2)) {
      if (await probe(n)) {
        lo = n;
        break;
      }
      hi = n;
    }
  }
  while (lo > 0 && hi - lo > Math.max(1, Math.ceil(lo * 0.05))) {
    const mid = Math.floor((lo + hi) / 2);
    if (await probe(mid)) lo = mid;
    else hi = mid;
  }

  // Full-length confirmation, stepping down 10% at a time.
  const confirmation: ProbeResult[] = [];
  let best: RunOutcome | null = null;
  for (let n = lo, tries = 0; n >= 1 && tries < 4; n = Math.min(n - 1, Math.floor(n * 0.9)), tries++) {
    const outcome = await runAt(n, confirmS, audio, format, server);
    confirmation.push(outcome.result);
    log(
      `capacity confirmation ${n} streams x ${confirmS}s: ${outcome.result.passed ? 'pass' : `FAIL (${outcome.result.reasons.join('; ')})`}`,
    );
    if (outcome.result.passed) {
      best = outcome;
      break;
    }
  }

  let cpuMsPerStreamSecond: number | null = null;
  let stagesMsPerStreamSecond: CapacityResult['stagesMsPerStreamSecond'] = null;
  if (best) {
    const { before, after } = best;
    const audioS = delta(before, after, 'emostream_audio_seconds_total');
    const cpuMs = cpuSecondsDelta(before, after) * 1000;
    if (audioS > 0) {
      cpuMsPerStreamSecond = round(cpuMs / audioS, 3);
      const stages = Object.fromEntries(
        STAGES.map((s) => [
          s,
          round((delta(before, after, 'emostream_stage_seconds_total', { stage: s }) * 1000) / audioS, 3),
        ]),
      ) as Record<(typeof STAGES)[number], number>;
      const attributed = STAGES.reduce((sum, s) => sum + stages[s], 0);
      stagesMsPerStreamSecond = {
        ...stages,
        unattributedMs: round(Math.max(0, cpuMsPerStreamSecond - attributed), 3),
      };
    }
  }
  return {
    suite: 'capacity',
    audioFormat: format.name,
    maxStreams: best?.result.streams ?? 0,
    p95LatencyMs: best?.result.p95LatencyMs ?? null,
    cpuMsPerStreamSecond,
    stagesMsPerStreamSecond,
    stagesNote:
      'emostream_stage_seconds_total deltas per second of stream audio: decode, resample, features and fanout are ' +
      'event-loop time; vad and inference are the wall-clock durations of the batched ONNX Runtime calls (shared by ' +
      'all streams, running on ONNX Runtime threads, including any wait for a core), so the stages can add up to more ' +
      'than cpuMsPerStreamSecond; unattributedMs is the CPU left over when they do not (never negative)',
    confirmed: best !== null,
    confirmDurationS: confirmS,
    probeDurationS: probeS,
    criteria: { p95LatencyMs: P95_LIMIT_MS, shedWindows: 0, errors: 0, backlog: 'not growing' },
    probes,
    confirmation,
    setup:
      `server (default config, ${typeof server.modelDir === 'string' ? relative(process.cwd(), server.modelDir) || '.' : 'models/default'}) in a child process; Node load runner with the SDK in this process; ` +
      'constant load of real RAVDESS speech, pcm_s16le 16 kHz, 20 ms frames at real-time pace; loopback',
    machine: {
      cores: cpus().length,
      loadAverage1mAtStart: round(loadStart, 2),
      loadAverage1mAtEnd: round(loadavg()[0] ?? 0, 2),
    },
  };
}
