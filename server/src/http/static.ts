/**
 * Serves the dashboard's static export (Next.js `output: 'export'`): `/x` from `x.html` or
 * `x/index.html`, assets with long caching when their names are content-hashed (`/_next/static`).
 * Paths are resolved inside the root only.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

export interface StaticFiles {
  root: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

async function isFile(p: string): Promise<number | null> {
  try {
    const s = await stat(p);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Serves `path` if a file matches; false when none does. */
export async function serveStatic(
  files: StaticFiles,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  let rel: string;
  try {
    rel = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, '');
  } catch {
    return false;
  }
  const root = resolve(files.root);
  const base = resolve(join(root, rel));
  if (base !== root && !base.startsWith(root + sep)) return false;
  const candidates =
    rel === '' ? [join(root, 'index.html')] : [base, `${base}.html`, join(base, 'index.html')];
  for (const file of candidates) {
    const size = await isFile(file);
    if (size === null) continue;
    const immutable = rel.startsWith('_next/static/');
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  }
  return false;
}
