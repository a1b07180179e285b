import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, ERROR_CODE_NAMES, ERROR_CODES } from './codes.ts';
import { exampleEmotion } from './examples.ts';
import {
  CLIENT_MESSAGE_TYPES,
  DEFAULT_LIMITS,
  type EmotionEvent,
  SERVER_EVENT_TYPES,
  SUBSCRIBER_EVENT_TYPES,
  type SummaryEvent,
} from './messages.ts';
import { subscribeAckSchema, subscribeRequestSchema } from './schemas.ts';
import { SummaryBuilder } from './summary.ts';
import { validateClientMessage, validateServerEvent, validateSubscriberEvent } from './validate.ts';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

function jsonBlocks(): unknown[] {
  return [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));
}

/** Rows of the Markdown tables whose first cell is a backquoted name. */
function tableRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([A-Za-z_]+)` \|(.*)\|$/.exec(line);
    if (m)
      rows.set(
        m[1]!,
        m[2]!.split('|').map((c) => c.trim()),
      );
  }
  return rows;
}

describe('docs/protocol.md', () => {
  it('has only valid JSON examples, each valid against the schema of its kind', () => {
    const blocks = jsonBlocks();
    expect(blocks.length).toBeGreaterThan(15);
    for (const block of blocks) {
      const type = (block as { type?: unknown }).type;
      const label = JSON.stringify(block).slice(0, 80);
      if ((CLIENT_MESSAGE_TYPES as readonly unknown[]).includes(type)) {
        expect(validateClientMessage(block), label).toMatchObject({ ok: true });
      } else if ((SERVER_EVENT_TYPES as readonly unknown[]).includes(type)) {
        expect(validateServerEvent(block), label).toMatchObject({ ok: true });
      } else if ((SUBSCRIBER_EVENT_TYPES as readonly unknown[]).includes(type)) {
        expect(validateSubscriberEvent(block), label).toMatchObject({ ok: true });
      } else if (type !== undefined) {
        throw new Error(`example with unknown type: ${label}`);
      } else if ('ok' in (block as object)) {
        expect(subscribeAckSchema.safeParse(block).success, label).toBe(true);
      } else if (Array.isArray((block as { streams?: unknown }).streams)) {
        const streams = (block as { streams: unknown[] }).streams;
        if (streams.every((s) => typeof s === 'string'))
          expect(subscribeRequestSchema.safeParse(block).success).toBe(true);
      }
    }
  });

  it('lists every error code with its fatal flag, close code and HTTP status', () => {
    const rows = tableRows();
    for (const code of ERROR_CODE_NAMES) {
      const row = rows.get(code);
      expect(row, code).toBeDefined();
      const [fatal, close, http] = row!;
      const info = ERROR_CODES[code];
      expect(fatal, code).toBe(info.fatal ? 'yes' : 'no');
      expect(close, code).toBe(info.closeCode === null ? '' : String(info.closeCode));
      expect(http, code).toBe(info.httpStatus === null ? '' : String(info.httpStatus));
    }
    for (const close of Object.values(CLOSE_CODES)) expect(doc).toContain(String(close));
  });

  it('documents every limit with its default', () => {
    const rows = tableRows();
    for (const [name, value] of Object.entries(DEFAULT_LIMITS))
      expect(rows.get(name)?.[0], name).toBe(String(value));
  });

  it('computes the summary example exactly as SummaryBuilder does', () => {
    const summary = jsonBlocks().find((b) => (b as { type?: string }).type === 'summary') as SummaryEvent;
    const classes = Object.keys(summary.meanScores);
    const w = (
      seg: number,
      startMs: number,
      endMs: number,
      label: string,
      uncertain = false,
    ): EmotionEvent => ({
      ...exampleEmotion,
      segment: seg,
      startMs,
      endMs,
      label,
      uncertain,
    });
    const b = new SummaryBuilder(classes);
    const speech = { type: 'speech', streamId: 's', detectedMs: 0, emittedAt: 0, event: 'end' } as const;
    b.add({ ...speech, segment: 0, startMs: 1248, endMs: 6336 });
    b.add(w(0, 1152, 4152, 'angry'));
    b.add(w(0, 2152, 5152, 'angry'));
    b.add(w(0, 3152, 6152, 'neutral', true));
    b.add(w(0, 3586, 6586, 'angry'));
    b.add({ ...speech, segment: 1, startMs: 8500, endMs: 9700 });
    b.add(w(1, 7600, 10600, 'neutral'));
    const built = b.build({ streamId: summary.streamId, durationMs: 12000, endReason: 'stop', emittedAt: 0 });
    const { meanScores: _m, counts: _c, emittedAt: _e, ...rest } = built;
    expect(summary).toMatchObject(rest);
  });
});
