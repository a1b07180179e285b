/**
 * Parsing of protocol messages at the edges. Nothing here throws: bad input becomes a value with a
 * stable error code and a message naming the offending path, ready to send as an `error` event.
 *
 * @example
 * ```ts
 * const r = parseClientMessage(text);
 * if (!r.ok) return sendError(r.error.code, r.error.message); // fatal or not: ERROR_CODES[r.error.code]
 * if (r.message.type === 'start') open(r.message);
 * ```
 */
import type { z } from 'zod';
import type { ErrorCode } from './codes.ts';
import {
  CLIENT_MESSAGE_TYPES,
  type ClientMessage,
  SERVER_EVENT_TYPES,
  type ServerEvent,
  SUBSCRIBER_EVENT_TYPES,
  type SubscriberEvent,
} from './messages.ts';
import {
  pingMessageSchema,
  serverEventSchema,
  startMessageSchema,
  stopMessageSchema,
  subscriberEventSchema,
} from './schemas.ts';

/** Why a message was rejected: the code to send and a message for humans. */
export interface ProtocolIssue {
  code: ErrorCode;
  message: string;
}

/** Outcome of parsing a client message. */
export type ClientParseResult = { ok: true; message: ClientMessage } | { ok: false; error: ProtocolIssue };

/** Outcome of parsing a server or subscriber event. */
export type EventParseResult<E> =
  | { ok: true; event: E }
  | { ok: false; error: { code: 'BAD_JSON' | 'BAD_MESSAGE' | 'UNKNOWN_MESSAGE'; message: string } };

/** Most issues listed in one error message; more are summarised as a count. */
const MAX_LISTED_ISSUES = 5;
/** Longest piece of client input reflected into an error message. */
const MAX_ECHO = 64;

function truncate(value: string): string {
  return value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}...` : value;
}

function echo(value: string): string {
  return JSON.stringify(truncate(value));
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Flattens zod issues into `path: problem` strings; unknown keys become one line each. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        lines.push(`${formatPath([...issue.path, truncate(key)])}: unknown field`);
    } else {
      lines.push(`${formatPath(issue.path) || '(root)'}: ${issue.message}`);
    }
  }
  return lines;
}

function joinIssues(lines: readonly string[]): string {
  const listed = lines.slice(0, MAX_LISTED_ISSUES).join('; ');
  const more = lines.length - MAX_LISTED_ISSUES;
  return more > 0 ? `${listed}; and ${more} more` : listed;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A start field whose JSON type is right but whose value the server does not support gets its own
 * code, so that clients can tell "unsupported" from "malformed".
 */
function startIssueCode(issue: z.core.$ZodIssue, input: Record<string, unknown>): ErrorCode | null {
  if (issue.path.length !== 1) return null;
  const field = issue.path[0];
  const value = typeof field === 'string' ? input[field] : undefined;
  if (field === 'sampleRate' && typeof value === 'number') return 'UNSUPPORTED_SAMPLE_RATE';
  if (field === 'encoding' && typeof value === 'string') return 'UNSUPPORTED_ENCODING';
  if (field === 'channels' && typeof value === 'number') return 'BAD_CHANNEL_COUNT';
  return null;
}

function validateStart(value: Record<string, unknown>): ClientParseResult {
  const r = startMessageSchema.safeParse(value);
  if (r.success) return { ok: true, message: r.data };
  const issues = r.error.issues;
  // Any malformed field makes it BAD_START; only a start whose every problem is an unsupported value
  // gets the specific code (of the first such field, in sampleRate, encoding, channels order).
  const specific = issues.map((i) => startIssueCode(i, value));
  const order: ErrorCode[] = ['UNSUPPORTED_SAMPLE_RATE', 'UNSUPPORTED_ENCODING', 'BAD_CHANNEL_COUNT'];
  const code = specific.includes(null)
    ? 'BAD_START'
    : (order.find((c) => specific.includes(c)) ?? 'BAD_START');
  return { ok: false, error: { code, message: `invalid start: ${joinIssues(describeIssues(issues))}` } };
}

function validateSimple(
  schema: typeof stopMessageSchema | typeof pingMessageSchema,
  value: Record<string, unknown>,
): ClientParseResult {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, message: r.data };
  return {
    ok: false,
    error: {
      code: 'BAD_MESSAGE',
      message: `invalid ${value.type}: ${joinIssues(describeIssues(r.error.issues))}`,
    },
  };
}

/**
 * Validates a JSON value already parsed from a client text message (see {@link parseClientMessage}).
 */
export function validateClientMessage(value: unknown): ClientParseResult {
  try {
    if (!isPlainObject(value)) {
      return {
        ok: false,
        error: { code: 'BAD_MESSAGE', message: 'expected a JSON object with a string "type"' },
      };
    }
    const type = value.type;
    if (typeof type !== 'string') {
      return { ok: false, error: { code: 'BAD_MESSAGE', message: 'type: expected a string' } };
    }
    switch (type) {
      case 'start':
        return validateStart(value);
      case 'stop':
        return validateSimple(stopMessageSchema, value);
      case 'ping':
        return validateSimple(pingMessageSchema, value);
      default:
        return {
          ok: false,
          error: {
            code: 'UNKNOWN_MESSAGE',
            message: `unknown message type ${echo(type)} (expected ${CLIENT_MESSAGE_TYPES.join(', ')})`,
          },
        };
    }
  } catch (error) {
    // Unreachable for JSON input; kept so that the edge can promise never to throw.
    return {
      ok: false,
      error: { code: 'BAD_MESSAGE', message: `message could not be validated: ${String(error)}` },
    };
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `invalid JSON: ${detail.slice(0, 200)}` };
  }
}

/**
 * Parses one text message from a streaming client. Never throws.
 *
 * Codes: `BAD_JSON` (not JSON), `BAD_MESSAGE` (not an object with a string `type`, or a malformed
 * stop/ping), `UNKNOWN_MESSAGE` (unknown `type`), `BAD_START` (malformed start; every offending path
 * listed), `UNSUPPORTED_SAMPLE_RATE` / `UNSUPPORTED_ENCODING` / `BAD_CHANNEL_COUNT` (a start that is
 * well-formed except for an unsupported value).
 */
export function parseClientMessage(text: string): ClientParseResult {
  const json = parseJson(text);
  if (!json.ok) return { ok: false, error: { code: 'BAD_JSON', message: json.message } };
  return validateClientMessage(json.value);
}

function validateEvent<E>(
  value: unknown,
  schema: z.ZodType<E>,
  types: readonly string[],
  what: string,
): EventParseResult<E> {
  try {
    if (!isPlainObject(value) || typeof value.type !== 'string') {
      return {
        ok: false,
        error: { code: 'BAD_MESSAGE', message: 'expected a JSON object with a string "type"' },
      };
    }
    if (!types.includes(value.type)) {
      // Clients should ignore these: a newer v1 server may send event types this client predates.
      return {
        ok: false,
        error: { code: 'UNKNOWN_MESSAGE', message: `unknown ${what} type ${echo(value.type)}` },
      };
    }
    const r = schema.safeParse(value);
    if (r.success) return { ok: true, event: r.data };
    return {
      ok: false,
      error: {
        code: 'BAD_MESSAGE',
        message: `invalid ${value.type}: ${joinIssues(describeIssues(r.error.issues))}`,
      },
    };
  } catch (error) {
    return {
      ok: false,
      error: { code: 'BAD_MESSAGE', message: `${what} could not be validated: ${String(error)}` },
    };
  }
}

/** Validates a JSON value as a `/v1/stream` server event: unknown fields are kept, required ones checked. */
export function validateServerEvent(value: unknown): EventParseResult<ServerEvent> {
  return validateEvent(value, serverEventSchema as z.ZodType<ServerEvent>, SERVER_EVENT_TYPES, 'event');
}

/** Parses one text message from the server, for clients. Never throws. */
export function parseServerEvent(text: string): EventParseResult<ServerEvent> {
  const json = parseJson(text);
  if (!json.ok) return { ok: false, error: { code: 'BAD_JSON', message: json.message } };
  return validateServerEvent(json.value);
}

/** Validates a socket.io payload from `/v1/events` (already decoded by socket.io). Never throws. */
export function validateSubscriberEvent(value: unknown): EventParseResult<SubscriberEvent> {
  return validateEvent(
    value,
    subscriberEventSchema as z.ZodType<SubscriberEvent>,
    SUBSCRIBER_EVENT_TYPES,
    'subscriber event',
  );
}
