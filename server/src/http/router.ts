/**
 * The HTTP API (protocol section 8) and the dashboard's static files. Same credentials as the
 * WebSocket (headers only); errors are `{ error: { code, message } }` with the code's HTTP status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, type ErrorCode } from '@emostream/shared/protocol/codes';
import type { HealthResponse, StreamsResponse } from '@emostream/shared/protocol/messages';
import { PROTOCOL_VERSION } from '@emostream/shared/protocol/messages';
import { Authenticator, keyFromHeaders, type Principal } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { type StaticFiles, serveStatic } from './static.ts';

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function httpError(res: ServerResponse, code: ErrorCode, message: string, status?: number): void {
  json(res, status ?? ERROR_CODES[code].httpStatus ?? 500, { error: { code, message } });
}

export function createRouter(ctx: ServerContext, statics: StaticFiles | null) {
  const authorize = (req: IncomingMessage, res: ServerResponse): Principal | null => {
    const p = ctx.auth.authenticate(keyFromHeaders(req.headers));
    if (!p) httpError(res, 'UNAUTHORIZED', 'missing or invalid API key');
    return p;
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname;
      // socket.io's engine answers its own requests on this server.
      if (path.startsWith('/socket.io/')) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        httpError(res, 'BAD_MESSAGE', `method ${req.method} not allowed`, 405);
        return;
      }
      if (path === '/healthz') {
        const body: HealthResponse = {
          status: ctx.draining
            ? 'draining'
            : ctx.load.overloaded || ctx.batcher.stats().queued > ctx.config.batcher.maxQueueSize / 2
              ? 'degraded'
              : 'ok',
          protocolVersion: PROTOCOL_VERSION,
          activeStreams: ctx.registry.activeCount,
          modelId: ctx.modelInfo.id,
          uptimeS: Math.round((performance.now() - ctx.startedAt) / 1000),
        };
        json(res, body.status === 'draining' ? 503 : 200, body);
        return;
      }
      if (path === '/metrics') {
        const stats = ctx.batcher.stats();
        ctx.metrics.queueDepth.set(stats.queued);
        const text = await ctx.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
        res.end(text);
        return;
      }
      if (path === '/v1/streams') {
        const p = authorize(req, res);
        if (!p) return;
        const body: StreamsResponse = {
          streams: ctx.registry
            .active(p.tenant)
            .filter((r) => Authenticator.canWatch(p, r.tenant, r.info.streamId))
            .map((r) => ({ ...r.info, receivedMs: r.receivedSamples / 16 })),
        };
        json(res, 200, body);
        return;
      }
      const m = /^\/v1\/streams\/([^/]+)\/timeline$/.exec(path);
      if (m) {
        const p = authorize(req, res);
        if (!p) return;
        const id = decodeURIComponent(m[1]!);
        const r = ctx.registry.get(id);
        if (!r || !Authenticator.canWatch(p, r.tenant, id)) {
          httpError(res, 'NOT_FOUND', `no active or recently ended stream ${id}`);
          return;
        }
        json(res, 200, ctx.registry.timeline(r));
        return;
      }
      if (path.startsWith('/v1/')) {
        httpError(res, 'NOT_FOUND', `no such endpoint ${path}`);
        return;
      }
      if (statics && (await serveStatic(statics, path, req, res))) return;
      httpError(res, 'NOT_FOUND', `no such path ${path}`);
    } catch (e) {
      ctx.log.error({ err: e }, 'http handler failed');
      if (!res.headersSent) httpError(res, 'INTERNAL', 'internal error');
      else res.destroy();
    }
  };
}
