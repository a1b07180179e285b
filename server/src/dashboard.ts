/**
 * Where the dashboard's static export lives and whether it is up to date with its sources (the
 * `web/` app and the shared SDK and protocol code it bundles). `npm start` and the browser tests
 * rebuild it when it is not.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIR = join(ROOT, 'web');
export const WEB_OUT = join(WEB_DIR, 'out');

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when the dashboard has sources here (a checkout with `web/`). */
export function hasDashboardSources(): boolean {
  return existsSync(join(WEB_DIR, 'package.json')) && existsSync(join(WEB_DIR, 'next.config.mjs'));
}

/** True when `web/out` exists and is newer than every dashboard source. */
export function dashboardIsFresh(): boolean {
  const marker = join(WEB_OUT, 'index.html');
  if (!existsSync(marker)) return false;
  const paths = ['app', 'src', 'public', 'next.config.mjs', 'package.json'].map((p) => join(WEB_DIR, p));
  paths.push(join(ROOT, 'shared', 'src', 'sdk'), join(ROOT, 'shared', 'src', 'protocol'));
  const sources = Math.max(...paths.filter((p) => existsSync(p)).map(newestMtime));
  return statSync(marker).mtimeMs >= sources;
}
