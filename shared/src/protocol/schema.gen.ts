/**
 * Generates `docs/protocol.schema.json` (JSON Schema draft 2020-12) from the zod schemas, so that the
 * published schema cannot drift from what the server and SDK validate. A test fails when the committed
 * file differs from the generated one.
 *
 * @example
 * ```sh
 * npx tsx shared/src/protocol/schema.gen.ts          # rewrite docs/protocol.schema.json
 * npx tsx shared/src/protocol/schema.gen.ts --check  # exit 1 when it is out of date
 * ```
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PROTOCOL_VERSION } from './messages.ts';
import {
  clientMessageSchema,
  serverEventSchema,
  subscribeAckSchema,
  subscribeRequestSchema,
  subscriberEventSchema,
} from './schemas.ts';

/** Where the generated schema is committed. */
export const SCHEMA_PATH = fileURLToPath(new URL('../../../docs/protocol.schema.json', import.meta.url));

/** The protocol's JSON Schema: every message under `$defs`, the root accepting any of the top-level unions. */
export function generateProtocolSchema(): Record<string, unknown> {
  const root = z.union([
    clientMessageSchema,
    serverEventSchema,
    subscriberEventSchema,
    subscribeRequestSchema,
    subscribeAckSchema,
  ]);
  const generated = z.toJSONSchema(root, { target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: `https://emostream.dev/schemas/protocol-v${PROTOCOL_VERSION}.json`,
    title: `emostream protocol v${PROTOCOL_VERSION}`,
    description:
      'Messages of the emostream streaming protocol. Client messages (ClientMessage) are text frames on ' +
      'the /v1/stream WebSocket (audio travels as binary frames, not described here); ServerEvent is ' +
      'what the server sends there; SubscriberEvent, SubscribeRequest and SubscribeAck belong to the ' +
      'socket.io namespace /v1/events. Generated from shared/src/protocol/schemas.ts; see docs/protocol.md.',
    ...rest,
  };
}

/** The schema as it is written to disk. */
export function renderProtocolSchema(): string {
  return `${JSON.stringify(generateProtocolSchema(), null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const text = renderProtocolSchema();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(SCHEMA_PATH, 'utf8');
    } catch {
      // A missing file is simply out of date.
    }
    if (current === text) return 0;
    console.error(`${SCHEMA_PATH} is out of date: run npx tsx shared/src/protocol/schema.gen.ts`);
    return 1;
  }
  writeFileSync(SCHEMA_PATH, text);
  console.log(`wrote ${SCHEMA_PATH}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
