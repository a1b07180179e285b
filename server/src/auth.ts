/**
 * API-key authentication and authorisation. Keys come from configuration; a presented key is hashed
 * and compared against every configured key's hash with `timingSafeEqual` (constant time whatever
 * the key's length or where it differs). Keys are never logged: principals carry a name instead.
 * With no keys configured, everyone is the anonymous principal with full rights (the local demo).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKeyConfig } from './config.ts';

export interface Principal {
  /** For logs and metrics; never the key. */
  name: string;
  tenant: string;
  ingest: boolean;
  watch: 'all' | string[];
  /** Concurrent streams allowed (0 = no per-key limit). */
  maxStreams: number;
}

const ANONYMOUS: Principal = Object.freeze({
  name: 'anonymous',
  tenant: 'default',
  ingest: true,
  watch: 'all',
  maxStreams: 0,
}) as Principal;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class Authenticator {
  private readonly keys: Array<{ hash: Buffer; principal: Principal }>;

  constructor(keys: readonly ApiKeyConfig[]) {
    this.keys = keys.map((k, i) => ({
      hash: digest(k.key),
      principal: {
        name: k.name ?? `key-${i + 1}`,
        tenant: k.tenant,
        ingest: k.ingest,
        watch: k.watch,
        maxStreams: k.maxStreams,
      },
    }));
  }

  /** True when keys are configured and every request must present one. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The principal of a presented key; null when auth is on and the key is missing or unknown. */
  authenticate(key: string | undefined | null): Principal | null {
    if (!this.enabled) return ANONYMOUS;
    if (typeof key !== 'string' || key.length === 0 || key.length > 4096) return null;
    const h = digest(key);
    let found: Principal | null = null;
    // Compare against every key, without an early exit, so timing does not tell which matched.
    for (const k of this.keys) if (timingSafeEqual(h, k.hash)) found = k.principal;
    return found;
  }

  /** May this principal watch the stream (same tenant, and an allowed id prefix)? */
  static canWatch(p: Principal, tenant: string, streamId: string): boolean {
    if (p.tenant !== tenant) return false;
    if (p.watch === 'all') return true;
    return p.watch.some((prefix) => streamId.startsWith(prefix));
  }
}

/** The key in `Authorization: Bearer <key>` or `X-API-Key`, in that order of precedence. */
export function keyFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.length > 0) return x;
  return undefined;
}
