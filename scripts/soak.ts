/**
 * Soak test: `npm run soak -- --streams 50 --minutes 10 --json soak.json`.
 *
 * Starts the server in a child process, so that the RSS measured is the server's alone, and keeps
 * `--streams` real-time streams of real speech (RAVDESS sentences with pauses, as calls) running for
 * `--minutes`: a stream that reaches the end of its audio stops, and a new one starts at once, so the
 * load stays constant. One socket.io subscriber follows every stream, as a dashboard would. Every
 * `--sample-seconds` it samples the server's RSS and the latency of emotion events, both as the
 * protocol defines it (`emittedAt - receivedAt`) and as a client sees it (arrival minus the send time
 * of the message holding the window's last audio), and prints a progress line with the ETA.
 *
 * The report compares minute 2 (after warm-up) with the end, against the bars of issue 7: RSS growth
 * under 10 %, and p95 latency at the end within 20 % of minute 2. Latency percentiles pool the last
 * minute before each point, so that one noisy sample does not decide. Exits 1 when a bar fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '@emostream/shared/testing/random';
import { Command } from 'commander';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { encodePcm } from '../shared/src/audio/pcm.ts';
import type { EmotionEvent, SummaryEvent } from '../shared/src/protocol/messages.ts';
import { EmotionStreamClient } from '../shared/src/sdk/client.ts';
import { hasData, loadClip, ravdessActorFiles } from '../shared/src/testing/corpus.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHUNK_MS = 20;
const CHUNK_SAMPLES = 16 * CHUNK_MS;
const RSS_BAR_PCT = 10;
const P95_BAR_PCT = 20;

interface Options {
  streams: number;
  minutes: number;
  sampleSeconds: number;
  baselineMinute: number;
  subscribers: number;
  json?: string;
  url?: string;
}

interface Sample {
  atS: number;
  rssMB: number;
  heapUsedMB: number | null;
  activeStreams: number;
  emotions: number;
  serverP50Ms: number | null;
  serverP95Ms: number | null;
  clientP50Ms: number | null;
  clientP95Ms: number | null;
  shed: number;
  errors: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Calls of 3-6 RAVDESS sentences (various actors) with 0.3-1.5 s pauses, as 16 kHz s16 bytes. */
async function buildCalls(count: number): Promise<Uint8Array[]> {
  const files = Array.from({ length: 24 }, (_, a) =>
    ravdessActorFiles(a + 1).filter((_, i) => i % 15 === 0),
  ).flat();
  const clips = await Promise.all(files.map(loadClip));
  const rnd = mulberry32(7);
  const calls: Uint8Array[] = [];
  for (let c = 0; c < count; c++) {
    const parts: Float32Array[] = [];
    const n = 3 + Math.floor(rnd() * 4);
    for (let k = 0; k < n; k++) {
      parts.push(clips[Math.floor(rnd() * clips.length)]!);
      parts.push(new Float32Array(Math.round((300 + rnd() * 1200) * 16)));
    }
    const total = parts.reduce((s, p) => s + p.length, 0);
    const audio = new Float32Array(total - (total % CHUNK_SAMPLES));
    let o = 0;
    for (const p of parts) {
      audio.set(p.subarray(0, Math.min(p.length, audio.length - o)), o);
      o += p.length;
      if (o >= audio.length) break;
    }
    calls.push(encodePcm(audio, 'pcm_s16le'));
  }
  return calls;
}

/** The server in a child process; resolves with its URL and pid once it listens. */
async function startChild(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/src/main.ts', '--no-dashboard', '--port', '0', '--log-level', 'warn'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
  });
  child.stdout!.resume();
  return { url, child };
}

async function rssBytes(pid: number | undefined, url: string): Promise<number> {
  if (pid !== undefined) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) return Number(m[1]) * 1024;
    } catch {
      // Not Linux: the server's own figure below.
    }
  }
  return (await scrape(url)).get('emostream_process_resident_memory_bytes') ?? Number.NaN;
}

/** Prometheus samples by name (label sets summed). */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^([a-z_]+)(?:\{[^}]*\})? (\S+)$/gm))
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
  return out;
}

class Load {
  readonly serverLatency: number[] = [];
  readonly clientLatency: number[] = [];
  emotions = 0;
  completed = 0;
  failed = 0;
  readonly errors = new Map<string, number>();
  shed = 0;
  /** Streams connected right now. */
  active = 0;
  private stopping = false;
  private readonly running = new Set<Promise<void>>();
  private next = 0;

  constructor(
    private readonly url: string,
    private readonly calls: Uint8Array[],
  ) {}

  start(streams: number): void {
    for (let i = 0; i < streams; i++) {
      // Staggered, so that streams do not start and end in step.
      const slot = (async () => {
        await sleep((i * 1000) / Math.max(1, streams / 5));
        while (!this.stopping) await this.oneCall().catch(() => this.failed++);
      })();
      this.running.add(slot);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  private async oneCall(): Promise<void> {
    const bytes = this.calls[this.next++ % this.calls.length]!;
    const client = await EmotionStreamClient.connect(this.url, {
      sampleRate: 16000,
      encoding: 'pcm_s16le',
      channels: 1,
      WebSocket: WebSocket as never,
    });
    this.active++;
    const chunks = bytes.length / (CHUNK_SAMPLES * 2);
    const sentAt = new Float64Array(chunks);
    client.on('emotion', (e: EmotionEvent) => {
      const now = Date.now();
      this.emotions++;
      this.serverLatency.push(e.emittedAt - e.receivedAt);
      const chunk = Math.floor((e.endMs * 16 - 1) / CHUNK_SAMPLES);
      const t = sentAt[chunk];
      if (t) this.clientLatency.push(now - t);
    });
    client.on('error', (e) => this.errors.set(e.code, (this.errors.get(e.code) ?? 0) + 1));
    client.on('overloaded', (e) => {
      this.shed += e.shed;
    });
    try {
      const t0 = performance.now();
      let sent = 0;
      while (sent < chunks && !this.stopping) {
        const due = Math.min(chunks, Math.floor((performance.now() - t0) / CHUNK_MS) + 1);
        for (; sent < due; sent++) {
          sentAt[sent] = Date.now();
          client.sendAudio(bytes.subarray(sent * CHUNK_SAMPLES * 2, (sent + 1) * CHUNK_SAMPLES * 2));
        }
        await sleep(Math.max(1, t0 + sent * CHUNK_MS - performance.now()));
      }
      const summary: SummaryEvent = await client.stop({ timeoutMs: 30_000 });
      if (summary.endReason === 'stop') this.completed++;
      else this.failed++;
    } finally {
      this.active--;
      await client.close().catch(() => undefined);
    }
  }
}

async function main(o: Options): Promise<number> {
  if (!hasData) throw new Error('the RAVDESS corpus is needed (shared/data, or EMOSTREAM_DATA)');
  const calls = await buildCalls(64);
  const callS = calls.reduce((s, c) => s + c.length / 32000, 0) / calls.length;
  const server = o.url ? { url: o.url, child: null } : await startChild();
  const pid = server.child?.pid;
  console.error(
    `soak: ${o.streams} streams of real speech (calls of ${callS.toFixed(1)} s on average) for ${o.minutes} min ` +
      `against ${server.url}${pid ? ` (server pid ${pid})` : ''}; sampling every ${o.sampleSeconds} s`,
  );

  const subscribed = { events: 0, disconnects: 0 };
  const subs = Array.from({ length: o.subscribers }, () => {
    const s = io(`${server.url}/v1/events`, { transports: ['websocket'] });
    s.on('connect', () => s.emit('subscribe', { all: true }, () => undefined));
    s.on('disconnect', () => subscribed.disconnects++);
    s.onAny(() => subscribed.events++);
    return s;
  });

  const load = new Load(server.url, calls);
  const t0 = performance.now();
  load.start(o.streams);
  const samples: Sample[] = [];
  const windowS = new Map<number, { server: number[]; client: number[] }>();
  const totalS = o.minutes * 60;
  let lastEmotions = 0;
  let lastShed = 0;
  let lastErrors = 0;
  for (let k = 1; k * o.sampleSeconds <= totalS; k++) {
    await sleep(Math.max(0, t0 + k * o.sampleSeconds * 1000 - performance.now()));
    const atS = k * o.sampleSeconds;
    const server_ = load.serverLatency.splice(0);
    const client = load.clientLatency.splice(0);
    windowS.set(atS, { server: server_, client });
    const metrics = await scrape(server.url).catch(() => new Map<string, number>());
    const errors = [...load.errors.values()].reduce((a, b) => a + b, 0);
    const s: Sample = {
      atS,
      rssMB: mb(await rssBytes(pid, server.url)),
      heapUsedMB: metrics.has('emostream_process_nodejs_heap_size_used_bytes')
        ? mb(metrics.get('emostream_process_nodejs_heap_size_used_bytes')!)
        : null,
      activeStreams: metrics.get('emostream_streams_active') ?? load.active,
      emotions: load.emotions - lastEmotions,
      serverP50Ms: round(percentile(server_, 50)),
      serverP95Ms: round(percentile(server_, 95)),
      clientP50Ms: round(percentile(client, 50)),
      clientP95Ms: round(percentile(client, 95)),
      shed: load.shed - lastShed,
      errors: errors - lastErrors,
    };
    lastEmotions = load.emotions;
    lastShed = load.shed;
    lastErrors = errors;
    samples.push(s);
    const base = samples.find((x) => x.atS >= o.baselineMinute * 60);
    const growth = base
      ? ` (${((100 * (s.rssMB - base.rssMB)) / base.rssMB).toFixed(1)}% vs ${clock(base.atS)})`
      : '';
    console.error(
      `[${clock(atS)}/${clock(totalS)}] ETA ${clock(totalS - atS)}  rss ${s.rssMB} MB${growth}  ` +
        `p95 server ${s.serverP95Ms} ms client ${s.clientP95Ms} ms  streams ${s.activeStreams}  ` +
        `emotions ${s.emotions}  shed ${s.shed}  errors ${s.errors}  calls done ${load.completed} failed ${load.failed}`,
    );
  }

  await load.stop();
  const subscriberDisconnects = subscribed.disconnects;
  for (const s of subs) s.close();
  if (server.child) {
    const exited = new Promise((r) => server.child!.once('exit', r));
    server.child.kill('SIGTERM');
    await exited;
  }

  // Baseline: the RSS sample at the baseline minute, latencies over the minute before it; end: the last.
  const pooled = (endS: number, key: 'server' | 'client') =>
    [...windowS].filter(([at]) => at > endS - 60 && at <= endS).flatMap(([, w]) => w[key]);
  const last = samples.at(-1)!;
  const base = samples.find((x) => x.atS >= o.baselineMinute * 60) ?? samples[0]!;
  const point = (s: Sample) => ({
    atS: s.atS,
    rssMB: s.rssMB,
    serverP95Ms: round(percentile(pooled(s.atS, 'server'), 95)),
    clientP95Ms: round(percentile(pooled(s.atS, 'client'), 95)),
  });
  const b = point(base);
  const e = point(last);
  const change = (x: number | null, y: number | null) =>
    x && y !== null ? round((100 * (y - x)) / x) : null;
  const rssGrowthPct = change(b.rssMB, e.rssMB);
  const serverP95ChangePct = change(b.serverP95Ms, e.serverP95Ms);
  const clientP95ChangePct = change(b.clientP95Ms, e.clientP95Ms);
  const bars = {
    rssGrowth: {
      valuePct: rssGrowthPct,
      limitPct: RSS_BAR_PCT,
      pass: rssGrowthPct !== null && rssGrowthPct < RSS_BAR_PCT,
    },
    serverP95: {
      valuePct: serverP95ChangePct,
      limitPct: P95_BAR_PCT,
      pass: serverP95ChangePct !== null && serverP95ChangePct <= P95_BAR_PCT,
    },
    clientP95: {
      valuePct: clientP95ChangePct,
      limitPct: P95_BAR_PCT,
      pass: clientP95ChangePct !== null && clientP95ChangePct <= P95_BAR_PCT,
    },
  };
  const report = {
    config: {
      ...o,
      callSeconds: round(callS),
      node: process.version,
      server: server.child ? 'child process' : 'external',
    },
    baseline: b,
    end: e,
    bars,
    pass: bars.rssGrowth.pass && bars.serverP95.pass && bars.clientP95.pass,
    totals: {
      calls: load.completed,
      failedCalls: load.failed,
      emotions: load.emotions,
      shed: load.shed,
      errors: Object.fromEntries(load.errors),
      subscriberEvents: subscribed.events,
      subscriberDisconnects,
    },
    samples,
  };
  const text = JSON.stringify(report, null, 2);
  if (o.json) writeFileSync(o.json, `${text}\n`);
  console.log(text);
  return report.pass ? 0 : 1;
}

const program = new Command()
  .name('soak')
  .description('Constant real-time load on a fresh server; RSS and latency drift against the issue 7 bars.')
  .option('--streams <n>', 'concurrent real-time streams', (v) => Number.parseInt(v, 10), 50)
  .option('--minutes <m>', 'length of the run', Number, 10)
  .option('--sample-seconds <s>', 'sampling interval', Number, 30)
  .option('--baseline-minute <m>', 'the point the end is compared with (after warm-up)', Number, 2)
  .option(
    '--subscribers <n>',
    'socket.io subscribers following every stream',
    (v) => Number.parseInt(v, 10),
    1,
  )
  .option('--url <url>', 'soak a running server instead of starting one (RSS from its /metrics)')
  .option('--json <file>', 'also write the report to a file')
  .action(async (o: Options) => {
    process.exitCode = await main(o);
  });

await program.parseAsync();
