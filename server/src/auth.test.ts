import { describe, expect, it } from 'vitest';
import { Authenticator, keyFromHeaders } from './auth.ts';
import { parseApiKeys, resolveServerConfig } from './config.ts';

describe('Authenticator', () => {
  const keys = resolveServerConfig({
    apiKeys: [
      { key: 'k'.repeat(20), name: 'ops', tenant: 'acme' },
      { key: 'w'.repeat(20), name: 'wall', tenant: 'acme', ingest: false, watch: ['call-'] },
    ],
  }).apiKeys;

  it('is open (anonymous, full rights) without keys, and closed with them', () => {
    expect(new Authenticator([]).authenticate(undefined)?.watch).toBe('all');
    const a = new Authenticator(keys);
    expect(a.authenticate(undefined)).toBeNull();
    expect(a.authenticate('')).toBeNull();
    expect(a.authenticate('k'.repeat(19))).toBeNull();
    expect(a.authenticate('k'.repeat(21))).toBeNull();
    expect(a.authenticate('k'.repeat(20))?.name).toBe('ops');
    expect(a.authenticate('w'.repeat(20))?.ingest).toBe(false);
  });

  it('scopes watching to the tenant and allowed id prefixes', () => {
    const a = new Authenticator(keys);
    const wall = a.authenticate('w'.repeat(20))!;
    expect(Authenticator.canWatch(wall, 'acme', 'call-1')).toBe(true);
    expect(Authenticator.canWatch(wall, 'acme', 'internal-1')).toBe(false);
    expect(Authenticator.canWatch(wall, 'other', 'call-1')).toBe(false);
  });

  it('reads keys from Authorization: Bearer first, then X-API-Key', () => {
    expect(keyFromHeaders({ authorization: 'Bearer abc', 'x-api-key': 'def' })).toBe('abc');
    expect(keyFromHeaders({ 'x-api-key': 'def' })).toBe('def');
    expect(keyFromHeaders({ authorization: 'Basic abc' })).toBeUndefined();
  });
});

describe('server configuration', () => {
  it('fills defaults and rejects bad values with the field named', () => {
    const c = resolveServerConfig({});
    expect(c.limits.maxMessageBytes).toBe(65536);
    expect(c.batcher.maxBatchSize).toBe(32);
    expect(() => resolveServerConfig({ port: 70000 })).toThrow(/port/);
    expect(() => resolveServerConfig({ apiKeys: [{ key: 'short' }] })).toThrow(/apiKeys\.0\.key/);
    expect(() => resolveServerConfig({ batcher: { maxQueueDelayMs: 50, maxWaitMs: 10 } })).toThrow(
      /maxWaitMs/,
    );
  });

  it('parses API keys as JSON or a comma-separated list', () => {
    expect(parseApiKeys('a,b , c')).toEqual([{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
    expect(parseApiKeys('[{"key":"x","tenant":"t"}]')).toEqual([{ key: 'x', tenant: 't' }]);
  });
});
