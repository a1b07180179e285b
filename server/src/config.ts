/**
 * Server configuration: one zod schema, defaults merged from partial options, and the environment
 * variables that set them (`EMOSTREAM_*`). `startServer` validates at the boundary and throws a
 * clear error naming each bad field; `main.ts` adds CLI flags on top of the environment.
 */
import { DEFAULT_LIMITS, type StreamLimits } from '@emostream/shared/protocol/messages';
import { z } from 'zod';

const limitsSchema = z.strictObject({
  maxMessageBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024),
  maxTextMessageBytes: z
    .number()
    .int()
    .min(512)
    .max(1024 * 1024),
  maxStreamSeconds: z.number().positive(),
  startTimeoutMs: z.number().int().positive(),
  idleTimeoutMs: z.number().int().positive(),
  maxRealtimeFactor: z.number().positive(),
  rateBurstSeconds: z.number().positive(),
  maxControlMessagesPerSecond: z.number().positive(),
  maxLagMs: z.number().int().positive(),
  resumeWindowSeconds: z.number().nonnegative(),
}) satisfies z.ZodType<StreamLimits>;

/** One API key and what it may do. Keys are compared in constant time and never logged. */
const apiKeySchema = z.strictObject({
  /** The secret itself (at least 16 characters). */
  key: z.string().min(16).max(1024),
  /** Streams and subscribers of a key see only their tenant's streams. */
  tenant: z.string().min(1).max(128).default('default'),
  /** May open streams on `/v1/stream`. */
  ingest: z.boolean().default(true),
  /**
   * What a subscriber with this key may watch: `all` (every stream of its tenant), or a list of
   * stream-id prefixes; an empty list allows no subscriptions.
   */
  watch: z.union([z.literal('all'), z.array(z.string().max(128))]).default('all'),
  /** Most concurrent streams this key may open (0 = only the global limit). */
  maxStreams: z.number().int().nonnegative().default(0),
  /** A label for logs and metrics instead of the key. */
  name: z.string().max(128).optional(),
});
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;

export const serverConfigSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  /** TCP port; 0 picks a free one. */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Model package folder (config.json + ONNX). */
  modelDir: z.string().default('models/default'),
  /** Folder of the built dashboard served at `/`; null serves none. */
  webDir: z.string().nullable().default(null),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Inference device: ONNX Runtime's CPU provider, or CUDA with CPU fallback. */
  device: z.enum(['cpu', 'cuda']).default('cpu'),
  /** Inference engine: ONNX Runtime (default) or tfjs (needs the package's tfjs files). */
  engine: z.enum(['onnx', 'tfjs']).default('onnx'),
  /**
   * Run the VAD and emotion models in a worker thread (onnxruntime-node runs sessions synchronously
   * on the calling thread; off the main thread they use another core and never stall sockets).
   */
  ortWorker: z.boolean().default(true),
  /** ONNX Runtime intra-op threads for the emotion model. */
  inferenceThreads: z.number().int().min(1).max(64).default(1),
  batcher: z
    .strictObject({
      maxBatchSize: z.number().int().min(1).max(1024).default(32),
      maxQueueDelayMs: z.number().min(0).max(10_000).default(10),
      maxQueueSize: z.number().int().min(1).default(2048),
      /** A window still queued this long is shed (`deadline`). */
      maxWaitMs: z.number().positive().default(2000),
    })
    .prefault({}),
  vad: z
    .strictObject({
      /** Most VAD frames (of all streams) per Silero call. */
      maxBatch: z.number().int().min(1).max(1024).default(64),
    })
    .prefault({}),
  limits: limitsSchema.partial().prefault({}),
  /** Global limit on concurrent streams; beyond it a start is answered `OVERLOADED`. */
  maxStreams: z.number().int().min(1).default(1000),
  /** Global limit on socket.io subscribers. */
  maxSubscribers: z.number().int().min(1).default(1000),
  /**
   * New streams are refused (`OVERLOADED`) while the event loop's longest stall in the last second
   * exceeds this, in ms (0 disables the check).
   */
  maxEventLoopLagMs: z.number().min(0).default(1000),
  /** Events a subscriber may have buffered (unsent) before the oldest are dropped. */
  subscriberBufferEvents: z.number().int().min(1).default(1000),
  /** Dropped events after which a slow subscriber is disconnected. */
  subscriberMaxDropped: z.number().int().min(1).default(10_000),
  /** Events kept per stream for late joiners and `GET /v1/streams/:id/timeline`. */
  timelineEvents: z.number().int().min(1).max(100_000).default(300),
  /** API keys; empty = authentication off (local demo only: the start-up summary says so). */
  apiKeys: z.array(apiKeySchema).default([]),
  /** Longest graceful shutdown before remaining streams are cut, in ms. */
  shutdownTimeoutMs: z.number().int().positive().default(10_000),
});

/** Validated server configuration with every default filled in. */
export type ServerConfig = z.infer<typeof serverConfigSchema> & { limits: StreamLimits };
/** What callers pass: any subset, validated by {@link resolveServerConfig}. */
export type ServerOptions = z.input<typeof serverConfigSchema>;

/** Validates options and fills defaults; throws a `TypeError` listing every bad field. */
export function resolveServerConfig(options: ServerOptions = {}): ServerConfig {
  const r = serverConfigSchema.safeParse(options);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new TypeError(`invalid server configuration:\n  ${issues.join('\n  ')}`);
  }
  const limits: StreamLimits = { ...DEFAULT_LIMITS, ...r.data.limits };
  if (r.data.batcher.maxWaitMs <= r.data.batcher.maxQueueDelayMs) {
    throw new TypeError(
      'invalid server configuration: batcher.maxWaitMs must exceed batcher.maxQueueDelayMs',
    );
  }
  return { ...r.data, limits };
}

const num = (v: string | undefined): number | undefined =>
  v === undefined || v === '' ? undefined : Number(v);

/**
 * Options from environment variables: `HOST`/`EMOSTREAM_HOST`, `PORT`/`EMOSTREAM_PORT`,
 * `EMOSTREAM_MODEL`, `EMOSTREAM_WEB_DIR`, `EMOSTREAM_LOG_LEVEL` (or `LOG_LEVEL`), `EMOSTREAM_DEVICE`,
 * `EMOSTREAM_ENGINE`, `EMOSTREAM_ORT_WORKER` (0 = on the main thread), `EMOSTREAM_MAX_STREAMS`, `EMOSTREAM_MAX_BATCH`, `EMOSTREAM_MAX_QUEUE_DELAY_MS`,
 * `EMOSTREAM_API_KEYS` (JSON array of key objects, or comma-separated bare keys with full rights),
 * `EMOSTREAM_API_KEYS_FILE` (a JSON file with that array).
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv, readFile: (p: string) => string): ServerOptions {
  const o: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) o[key] = value;
  };
  set('host', env.EMOSTREAM_HOST ?? env.HOST);
  set('port', num(env.EMOSTREAM_PORT ?? env.PORT));
  set('modelDir', env.EMOSTREAM_MODEL);
  set('webDir', env.EMOSTREAM_WEB_DIR);
  set('logLevel', env.EMOSTREAM_LOG_LEVEL ?? env.LOG_LEVEL);
  set('device', env.EMOSTREAM_DEVICE);
  set('engine', env.EMOSTREAM_ENGINE);
  set('maxStreams', num(env.EMOSTREAM_MAX_STREAMS));
  if (env.EMOSTREAM_ORT_WORKER !== undefined && env.EMOSTREAM_ORT_WORKER !== '')
    o.ortWorker = !['0', 'false', 'no', 'off'].includes(env.EMOSTREAM_ORT_WORKER.toLowerCase());
  const batcher: Record<string, number> = {};
  const mb = num(env.EMOSTREAM_MAX_BATCH);
  if (mb !== undefined) batcher.maxBatchSize = mb;
  const qd = num(env.EMOSTREAM_MAX_QUEUE_DELAY_MS);
  if (qd !== undefined) batcher.maxQueueDelayMs = qd;
  if (Object.keys(batcher).length) o.batcher = batcher;
  const keysText = env.EMOSTREAM_API_KEYS_FILE
    ? readFile(env.EMOSTREAM_API_KEYS_FILE)
    : env.EMOSTREAM_API_KEYS;
  if (keysText?.trim()) o.apiKeys = parseApiKeys(keysText);
  return o as ServerOptions;
}

/** `[{"key": ...}, ...]` as JSON, or `key1,key2` (each with full rights in tenant `default`). */
export function parseApiKeys(text: string): unknown[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    const v = JSON.parse(t) as unknown;
    if (!Array.isArray(v)) throw new TypeError('API keys: expected a JSON array');
    return v;
  }
  return t
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((key) => ({ key }));
}
