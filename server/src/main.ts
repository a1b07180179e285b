/**
 * `npm start`: the server and the dashboard on one port, on `models/default`.
 *
 * Configuration: defaults < environment (`EMOSTREAM_*`, see config.ts) < flags. Everything is
 * validated (zod) before anything starts, and a summary is printed. SIGINT/SIGTERM drain: streams
 * are flushed and summarised, then the process exits; a second signal exits at once.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { startServer } from './app.ts';
import { optionsFromEnv, resolveServerConfig, type ServerOptions } from './config.ts';
import { dashboardIsFresh, hasDashboardSources, WEB_OUT } from './dashboard.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds the dashboard when its static export is missing or older than its sources. */
function ensureDashboard(): string | null {
  if (!hasDashboardSources()) return null;
  if (dashboardIsFresh()) return WEB_OUT;
  console.log('building the dashboard (npm run build -w @emostream/web)...');
  const r = spawnSync('npm', ['run', 'build', '-w', '@emostream/web'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('dashboard build failed; starting the API without it');
    return null;
  }
  return WEB_OUT;
}

const program = new Command()
  .name('emostream')
  .description('Real-time speech emotion server: WebSocket ingest, socket.io events, HTTP API and dashboard.')
  .option('--host <host>', 'interface to listen on (0.0.0.0 for all)')
  .option('-p, --port <port>', 'TCP port (0 = any free port)', (v) => Number.parseInt(v, 10))
  .option('-m, --model <dir>', 'model package folder')
  .addOption(new Option('--device <device>', 'inference device').choices(['cpu', 'cuda']))
  .addOption(new Option('--engine <engine>', 'inference engine').choices(['onnx', 'tfjs']))
  .option('--max-streams <n>', 'global limit on concurrent streams', (v) => Number.parseInt(v, 10))
  .option('--max-batch <n>', 'largest inference batch', (v) => Number.parseInt(v, 10))
  .option('--max-queue-delay-ms <ms>', 'longest a partial batch waits', Number)
  .option('--api-keys-file <file>', 'JSON file with API keys (turns authentication on)')
  .addOption(
    new Option('--log-level <level>', 'log level').choices([
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'silent',
    ]),
  )
  .option('--no-dashboard', 'do not build or serve the dashboard')
  .option('--no-ort-worker', 'run the models on the main thread instead of a worker thread')
  .parse();

const flags = program.opts<{
  host?: string;
  port?: number;
  model?: string;
  device?: 'cpu' | 'cuda';
  engine?: 'onnx' | 'tfjs';
  maxStreams?: number;
  maxBatch?: number;
  maxQueueDelayMs?: number;
  apiKeysFile?: string;
  logLevel?: ServerOptions['logLevel'];
  dashboard: boolean;
  ortWorker: boolean;
}>();

const env = { ...process.env };
if (flags.apiKeysFile) env.EMOSTREAM_API_KEYS_FILE = flags.apiKeysFile;
const fromEnv = optionsFromEnv(env, (p) => readFileSync(p, 'utf8'));
const options: ServerOptions = {
  modelDir: join(ROOT, 'models/default'),
  ...fromEnv,
  ...(flags.host !== undefined && { host: flags.host }),
  ...(flags.port !== undefined && { port: flags.port }),
  ...(flags.model !== undefined && { modelDir: flags.model }),
  ...(flags.device !== undefined && { device: flags.device }),
  ...(flags.engine !== undefined && { engine: flags.engine }),
  ...(flags.maxStreams !== undefined && { maxStreams: flags.maxStreams }),
  ...(flags.logLevel !== undefined && { logLevel: flags.logLevel }),
  ...(!flags.ortWorker && { ortWorker: false }),
};
if (flags.maxBatch !== undefined || flags.maxQueueDelayMs !== undefined) {
  options.batcher = {
    ...options.batcher,
    ...(flags.maxBatch !== undefined && { maxBatchSize: flags.maxBatch }),
    ...(flags.maxQueueDelayMs !== undefined && { maxQueueDelayMs: flags.maxQueueDelayMs }),
  };
}

let config: ReturnType<typeof resolveServerConfig>;
try {
  config = resolveServerConfig(options);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const webDir = flags.dashboard ? (fromEnv.webDir ?? ensureDashboard()) : null;
const server = await startServer({ ...options, webDir });

const authOn = config.apiKeys.length > 0;
const loopback = ['127.0.0.1', 'localhost', '::1'].includes(config.host);
const lines = [
  '',
  `  emostream listening on ${server.url}`,
  `  dashboard      ${webDir ? `${server.url}/` : 'off'}`,
  `  stream ingest  ${server.url.replace(/^http/, 'ws')}/v1/stream`,
  `  subscribers    socket.io ${server.url}/v1/events`,
  `  metrics        ${server.url}/metrics    health ${server.url}/healthz`,
  `  model          ${server.context.modelInfo.id} (${server.context.modelInfo.classes.join(', ')}) on ${server.context.pkg.engine.provider}${config.ortWorker ? ' (worker thread)' : ''}`,
  `  limits         ${config.maxStreams} streams, batch ${config.batcher.maxBatchSize} / ${config.batcher.maxQueueDelayMs} ms`,
  authOn
    ? `  auth           ON (${config.apiKeys.length} API key${config.apiKeys.length === 1 ? '' : 's'})`
    : '  auth           *** OFF: anyone who can reach this port can stream and watch every call (local demo only; set EMOSTREAM_API_KEYS or --api-keys-file) ***',
  '',
];
console.log(lines.join('\n'));
if (!authOn && !loopback) {
  console.warn(
    `WARNING: authentication is off and the server listens on ${config.host}, beyond this machine.`,
  );
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) {
    console.error(`${signal} again: exiting now`);
    process.exit(1);
  }
  stopping = true;
  console.log(`${signal}: draining streams (a second ${signal} exits at once)...`);
  server.close().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
