/**
 * Browser tests of the dashboard: Debian's Chromium driven by playwright-core against the real server
 * (which serves `web/out`), real speech from the shared corpora streamed with the Node SDK.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@emostream/server/app';
import { dashboardIsFresh, WEB_DIR, WEB_OUT } from '@emostream/server/dashboard';
import { concatSamples as concat } from '@emostream/shared/audio/frame';
import { encodeWav } from '@emostream/shared/audio/wav';
import type { ServerEvent } from '@emostream/shared/protocol/messages';
import { EmotionStreamClient } from '@emostream/shared/sdk/index';
import { loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';
import WebSocket from 'ws';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export { WEB_DIR, WEB_OUT };
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
export const DEFAULT_MODEL = join(ROOT, 'models', 'default');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when the browser tests can run here. */
export const hasChromium = existsSync(CHROMIUM);

const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium headless with the flags every browser test needs, plus `extraArgs`. */
export function launchChromium(extraArgs: string[] = [], options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...extraArgs],
    ...options,
  });
}

/**
 * Builds `web/out` when it is missing or older than the dashboard's sources. Test files run in
 * parallel processes, so the build is serialised with a lock directory.
 */
export async function ensureWebBuilt(): Promise<void> {
  const fresh = dashboardIsFresh;
  if (fresh()) return;
  const lock = join(WEB_DIR, '.build-lock');
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test process is building, or died while building (a stale lock is taken over).
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another web build');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!fresh()) {
      execFileSync('npm', ['run', 'build', '-w', '@emostream/web'], {
        cwd: ROOT,
        stdio: 'pipe',
        timeout: 240_000,
      });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Polls `condition` every 100 ms until it holds; throws `what` after `timeoutMs`. */
export async function until(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Silence of `ms` at 16 kHz. */
export const silence = (ms: number) => new Float32Array(Math.round(ms * 16));

/**
 * A "call": RAVDESS utterances of one actor (`stems` without the actor suffix, e.g. `03-01-05-02-01-01`)
 * joined by pauses, at 16 kHz.
 */
export async function call(actor: number, stems: string[], pauseMs = 600): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (const stem of stems) {
    parts.push(await loadClip(ravdessPath(actor, `${stem}-${String(actor).padStart(2, '0')}`)));
    parts.push(silence(pauseMs));
  }
  return concat(parts);
}

/** A stream from the Node SDK, collecting its events. */
export interface SdkStream {
  client: EmotionStreamClient;
  events: ServerEvent[];
  /** Resolves when all audio is sent and the summary arrived. */
  done: Promise<void>;
}

/** Opens a stream, sends `samples` at `speed` times real time, then stops. */
export async function streamFromSdk(
  url: string,
  samples: Float32Array,
  options: {
    streamId?: string;
    metadata?: Record<string, unknown>;
    speed?: number;
    /** `samples`' rate and the encoding to send them in (default 16 kHz pcm_s16le). */
    sampleRate?: 16000 | 8000;
    encoding?: 'pcm_s16le' | 'mulaw';
  } = {},
): Promise<SdkStream> {
  const client = await EmotionStreamClient.connect(url, {
    sampleRate: options.sampleRate ?? 16000,
    encoding: options.encoding ?? 'pcm_s16le',
    channels: 1,
    streamId: options.streamId,
    metadata: options.metadata,
    WebSocket: WebSocket as never,
  });
  const events: ServerEvent[] = [];
  client.on('event', (e) => events.push(e));
  const done = (async () => {
    await client.sendPaced(samples, { speed: options.speed ?? 1 });
    await client.stop({ timeoutMs: 30_000 });
  })();
  done.catch(() => {});
  return { client, events, done };
}

/** Writes a 16-bit PCM WAV (what Chromium's fake audio capture reads) and returns its path. */
export function writeWav(dir: string, name: string, samples: Float32Array, sampleRate = 16000): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, encodeWav(samples, sampleRate, { bitDepth: 16 }));
  return path;
}

/** Where screenshots go (ignored by git). */
export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

export { concat };

/** The real server with the built dashboard and the shipped model, on a free port. */
export async function startDashboardServer(): Promise<RunningServer> {
  await ensureWebBuilt();
  return startServer({
    host: '127.0.0.1',
    port: 0,
    webDir: WEB_OUT,
    logLevel: 'silent',
    modelDir: DEFAULT_MODEL,
  });
}
