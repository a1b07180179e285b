import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderProtocolSchema, SCHEMA_PATH } from './schema.gen.ts';

describe('docs/protocol.schema.json', () => {
  it('is up to date with the zod schemas (regenerate: npx tsx shared/src/protocol/schema.gen.ts)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderProtocolSchema());
  });

  it('is a draft 2020-12 schema describing every message', () => {
    const schema = JSON.parse(renderProtocolSchema()) as { $schema: string; $defs: Record<string, unknown> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    for (const name of [
      'StartMessage',
      'StopMessage',
      'PingMessage',
      'ReadyEvent',
      'SpeechEvent',
      'EmotionEvent',
    ]) {
      expect(schema.$defs).toHaveProperty(name);
    }
    for (const name of [
      'OverloadedEvent',
      'SummaryEvent',
      'ErrorEvent',
      'PongEvent',
      'TimelineEvent',
      'SubscribeRequest',
    ]) {
      expect(schema.$defs).toHaveProperty(name);
    }
  });
});
