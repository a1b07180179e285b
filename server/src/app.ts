/**
 * The streaming server: HTTP API + dashboard, the WebSocket ingest endpoint `/v1/stream`, and the
 * socket.io subscriber namespace `/v1/events`, all on one port, around one model, one cross-stream
 * VAD batcher and one inference micro-batcher.
 *
 * @example
 * const srv = await startServer({ port: 0, logLevel: 'silent' });
 * console.log(srv.url); // http://127.0.0.1:54321
 * await srv.close();    // drains: every stream is flushed and summarised first
 */
import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { createStreamResampler } from '@emostream/shared/audio/polyphase';
import { STREAM_PATH } from '@emostream/shared/protocol/messages';
import pino, { type Logger } from 'pino';
import { Server as IoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { Authenticator } from './auth.ts';
import { MicroBatcher } from './batcher/micro-batcher.ts';
import { resolveServerConfig, type ServerConfig, type ServerOptions } from './config.ts';
import type { ServerContext } from './context.ts';
import { loadModelPackage, type ModelPackage } from './engine/model-package.ts';
import { OrtWorkerHost } from './engine/session-runner.ts';
import { TfjsEngine } from './engine/tfjs-engine.ts';
import { createRouter } from './http/router.ts';
import { LoadMonitor } from './load-monitor.ts';
import { ServerMetrics } from './metrics.ts';
import { StreamRegistry } from './stream/registry.ts';
import { StreamSession } from './stream/session.ts';
import { SubscriberHub } from './subscribers/hub.ts';
import { SileroVad } from './vad/silero.ts';
import { VadBatcher } from './vad/vad-batcher.ts';

export type { ServerOptions } from './config.ts';

export interface RunningServer {
  /** `http://host:port`; the WebSocket endpoint is `ws://host:port/v1/stream`. */
  readonly url: string;
  readonly port: number;
  readonly config: ServerConfig;
  /** Internals, for tests and in-process benchmarks. */
  readonly context: ServerContext;
  /** Graceful shutdown: refuse new streams, flush and summarise active ones, then stop. */
  close(): Promise<void>;
}

async function loadModel(config: ServerConfig, host: OrtWorkerHost | undefined): Promise<ModelPackage> {
  const pkg = await loadModelPackage(config.modelDir, {
    threads: config.inferenceThreads,
    device: config.device,
    host,
  });
  if (config.engine === 'tfjs') {
    const tfjs = await TfjsEngine.load(pkg.dir);
    await pkg.engine.release();
    return { ...pkg, engine: tfjs as unknown as ModelPackage['engine'] };
  }
  return pkg;
}

/** Starts a server; resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config = resolveServerConfig(options);
  const log: Logger = pino({
    level: config.logLevel,
    base: { service: 'emostream' },
    redact: {
      paths: ['apiKey', '*.apiKey', 'key', 'headers.authorization', 'headers["x-api-key"]'],
      remove: true,
    },
  });
  const metrics = new ServerMetrics();
  const ortHost = config.ortWorker ? new OrtWorkerHost() : undefined;
  const pkg = await loadModel(config, ortHost);
  const silero = await SileroVad.load({ threads: 1, host: ortHost });
  const vads = new VadBatcher(silero, {
    maxBatch: config.vad.maxBatch,
    onBatch: (size, ms) => {
      metrics.vadBatchSize.observe(size);
      metrics.stage('vad', ms);
    },
  });
  const batcher = new MicroBatcher(pkg.engine, {
    maxBatchSize: config.batcher.maxBatchSize,
    maxQueueDelayMs: config.batcher.maxQueueDelayMs,
    maxQueueSize: Math.max(config.batcher.maxQueueSize, config.batcher.maxBatchSize),
    maxWaitMs: config.batcher.maxWaitMs,
    onBatch: (b) => {
      metrics.batchSize.observe(b.size);
      metrics.inferenceSeconds.observe(b.inferMs / 1000);
      metrics.stage('inference', b.inferMs);
    },
  });
  const registry = new StreamRegistry(config.timelineEvents, config.limits.resumeWindowSeconds * 1000);
  const auth = new Authenticator(config.apiKeys);
  const http: HttpServer = createServer();
  const io = new IoServer(http, { serveClient: false, destroyUpgrade: false, cors: { origin: true } });
  const hub = new SubscriberHub(io, auth, registry, {
    maxSubscribers: config.maxSubscribers,
    bufferEvents: config.subscriberBufferEvents,
    maxDropped: config.subscriberMaxDropped,
    onDropped: (n) => metrics.subscriberDropped.inc(n),
    onCount: (n) => metrics.subscribers.set(n),
  });
  const ctx: ServerContext = {
    config,
    pkg,
    modelInfo: {
      id: pkg.config.id,
      classes: [...pkg.config.classes],
      windowMs: pkg.config.window.windowFrames * 10,
      hopMs: pkg.config.window.hopFrames * 10,
      sampleRate: 16000,
    },
    batcher,
    vads,
    registry,
    hub,
    auth,
    metrics,
    log,
    sessions: new Set(),
    perKeyStreams: new Map(),
    draining: false,
    load: new LoadMonitor(config.maxEventLoopLagMs),
    // Polyphase sinc: filter banks shared by all streams, under 1 KB of state per stream.
    createResampler: async (rate) => (rate === 16000 ? null : createStreamResampler(rate)),
    stageTimer: (stage, ms) => metrics.stage(stage, ms),
    startedAt: performance.now(),
  };
  batcher.on('shed', () => metrics.queueDepth.set(batcher.stats().queued));

  const webDir = config.webDir ? resolve(config.webDir) : null;
  if (webDir && !existsSync(webDir)) log.warn({ webDir }, 'dashboard folder not found; serving the API only');
  http.on('request', createRouter(ctx, webDir && existsSync(webDir) ? { root: webDir } : null));

  // The socket-level limit sits above the protocol's, so oversized messages get a typed error.
  const maxPayload = Math.max(config.limits.maxMessageBytes, config.limits.maxTextMessageBytes) * 4 + 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false });
  http.on('upgrade', (req, socket: Socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== STREAM_PATH) return; // socket.io handles its own path; anything else times out there
    if (ctx.draining) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s = new StreamSession(ws, req, ctx);
      ctx.sessions.add(s);
    });
  });

  await new Promise<void>((res, rej) => {
    http.once('error', rej);
    http.listen(config.port, config.host, () => {
      http.off('error', rej);
      res();
    });
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ctx.draining = true;
      log.info({ streams: ctx.sessions.size }, 'shutting down: draining streams');
      const drain = Promise.all(
        [...ctx.sessions].map((s) =>
          s.finish('SHUTTING_DOWN', { code: 'SHUTTING_DOWN', message: 'the server is shutting down' }),
        ),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        drain,
        new Promise<void>((r) => {
          timer = setTimeout(() => {
            log.warn('shutdown timeout: closing remaining streams');
            r();
          }, config.shutdownTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      await batcher.close();
      hub.closeAll();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => io.close(() => r()));
      http.closeAllConnections?.();
      await new Promise<void>((r) => http.close(() => r()));
      registry.close();
      ctx.load.close();
      await pkg.engine.release();
      await silero.release();
      await ortHost?.terminate();
      log.info('stopped');
    })();
    return closing;
  };

  log.info({ url, model: ctx.modelInfo.id, auth: auth.enabled }, 'listening');
  return { url, port, config, context: ctx, close };
}
