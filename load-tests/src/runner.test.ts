/**
 * The load runner against the real server and real speech: a short constant scenario with four
 * streams delivers emotion events whose latency is measured from the send time of each window's
 * last frame, agrees with the server's own figure, and ends every session cleanly.
 */
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@emostream/server/app';
import { hasData } from '@emostream/shared/testing/corpus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpeech, toS16le, toTelephone } from './audio.ts';
import { TELEPHONE } from './formats.ts';
import { runLoad } from './load-run.ts';
import { formatMarkdown } from './metrics.ts';

const MODEL_DIR = fileURLToPath(new URL('../../models/default', import.meta.url));

describe.runIf(hasData)('load runner against the real server', () => {
  let srv: RunningServer;
  let audio: Uint8Array;

  beforeAll(async () => {
    srv = await startServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', modelDir: MODEL_DIR });
    audio = toS16le((await loadSpeech({ seconds: 30 })).samples);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('runs a 10 s constant scenario with 4 streams: events with finite latency, no errors', async () => {
    const report = await runLoad({
      url: srv.url.replace(/^http/, 'ws'),
      scenario: 'constant',
      streams: 4,
      durationS: 10,
      audio,
    });

    expect(report.streams.peak).toBe(4);
    expect(report.streams.sessions).toBe(4);
    expect(report.streams.completed).toBe(4);
    expect(report.errors).toEqual({});
    expect(report.errorRate).toBe(0);
    expect(report.shedWindows).toBe(0);
    // 10 s of continuous speech per stream: windows from 3 s on, one per second, plus the final ones.
    expect(report.events).toBeGreaterThanOrEqual(4 * 5);
    expect(report.unmatchedEvents).toBe(0);
    expect(report.audioSecondsSent).toBeGreaterThan(4 * 9);
    for (const s of [report.latencyMs, report.serverLatencyMs]) {
      expect(s.count).toBe(report.events);
      expect(Number.isFinite(s.p50Ms)).toBe(true);
      expect(Number.isFinite(s.p99Ms)).toBe(true);
      expect(s.p50Ms!).toBeGreaterThanOrEqual(0);
    }
    // The client's figure spans more (both network legs), never less, than the server's own.
    expect(report.latencyMs.p50Ms!).toBeGreaterThanOrEqual(report.serverLatencyMs.p50Ms! - 1);
    expect(report.latencyByKindMs.hop?.count).toBeGreaterThan(0);
    expect(formatMarkdown(report)).toContain('| 4 / 4 |');
  });

  it('runs telephone streams (8 kHz mu-law): the same speech gives events, matched to their frames', async () => {
    const report = await runLoad({
      url: srv.url.replace(/^http/, 'ws'),
      scenario: 'constant',
      streams: 2,
      durationS: 8,
      audio: await toTelephone(audio),
      format: TELEPHONE,
    });
    expect(report.audioFormat).toBe('telephone');
    expect(report.streams.completed).toBe(2);
    expect(report.errors).toEqual({});
    expect(report.events).toBeGreaterThanOrEqual(2 * 3);
    // Latency is matched through the 160-byte frames' send log: every event found its frame.
    expect(report.unmatchedEvents).toBe(0);
    expect(report.audioSecondsSent).toBeGreaterThan(2 * 7);
    expect(report.latencyMs.count).toBe(report.events);
    expect(formatMarkdown(report)).toContain('telephone audio (8 kHz mu-law)');
  });
});
