/**
 * The server in its own process for the capacity benchmark (so that the load generator does not
 * share its event loop): starts on a free loopback port and prints `{"url": ...}` as one line on
 * stdout; SIGTERM drains and exits.
 *
 * @example
 * node --import tsx load-tests/src/bench/serve.ts '{"batcher":{"maxBatchSize":32}}'
 */
import { fileURLToPath } from 'node:url';
import { type ServerOptions, startServer } from '@emostream/server/app';

const MODEL_DIR = fileURLToPath(new URL('../../../models/default', import.meta.url));
const extra = JSON.parse(process.argv[2] ?? '{}') as ServerOptions;
const srv = await startServer({
  modelDir: MODEL_DIR,
  logLevel: 'silent',
  ...extra,
  host: '127.0.0.1',
  port: 0,
});
process.stdout.write(`${JSON.stringify({ url: srv.url })}\n`);
const stop = () => {
  void srv.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
