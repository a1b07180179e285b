/**
 * Protocol fuzzing against a real server: over ten thousand random and mutated messages in hundreds
 * of WebSocket sessions, several at a time, while a well-behaved client streams real speech.
 *
 * The oracle is a model of the session state machine of docs/protocol.md: `parseClientMessage` is the
 * reference classifier of text messages, section 3.2 the rule for binary ones. Every message the
 * server handled while the stream was live gets exactly the answer the model predicts (error code and
 * `fatal` flag, `pong` id, `ready`); a fatal error comes after the summary when the stream had
 * started, and the socket then closes with the code's close code. Nothing crashes, no promise is left
 * rejected, and the concurrent speech stream ends normally.
 *
 * Scripts come from fast-check with a fixed seed (set FUZZ_SEED for another), so a failure names its
 * seed and session and can be replayed.
 */

import { type RunningServer, startServer } from '@emostream/server/app';
import { encodePcm, PCM_ENCODINGS, type PcmEncoding } from '@emostream/shared/audio/pcm';
import { CLOSE_CODES, ERROR_CODES, type ErrorCode } from '@emostream/shared/protocol/codes';
import { SUPPORTED_SAMPLE_RATES } from '@emostream/shared/protocol/messages';
import { parseClientMessage } from '@emostream/shared/protocol/validate';
import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { mulberry32 } from '@emostream/shared/testing/random';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_MODEL, type StreamRun, streamAudio } from './harness.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20260107);
const SESSIONS = 500;
const CONCURRENCY = 8;
const MAX_MESSAGE_BYTES = 65536;
const MAX_TEXT_BYTES = 8192;
/** The WebSocket layer's own limit is "somewhat above" the protocol's; this is well beyond it. */
const HUGE_BYTES = 16 * MAX_MESSAGE_BYTES;
/** Anything at least this large is past the WebSocket layer's limit; anything at most 2x the protocol's is not. */
const WS_LIMIT_FLOOR = 4 * MAX_MESSAGE_BYTES;

// ---------------------------------------------------------------------------------------------------
// What gets sent

type Wire =
  | { t: 'text'; text: string }
  | { t: 'bin'; bytes: Uint8Array }
  | { t: 'badutf8'; bytes: Uint8Array };
type BinMode = 'aligned' | 'raw' | 'empty' | 'max' | 'over' | 'huge' | 'nonfinite';
type Candidate =
  | { c: 'text'; text: string }
  | { c: 'bin'; mode: BinMode; n: number; seed: number }
  | { c: 'badutf8' };

interface Session {
  candidates: Candidate[];
  ending: 'fatal' | 'stop' | 'none';
  /** Which of the messages that would end the stream ends it. */
  pick: number;
  /** Sessions that never start, so that their last message is refused before any start. */
  startless: boolean;
  post: Candidate[];
}

function nest(depth: number, array: boolean): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
  return v;
}

const hugeNumbers = fc.constantFrom(
  1e308,
  -1e308,
  2 ** 53 + 2,
  -(2 ** 63),
  1e21,
  5e-324,
  -1,
  0,
  -0,
  0.5,
  16000.5,
  12345,
  2 ** 32,
  9,
  3.5,
);
const longString = fc
  .record({ n: fc.integer({ min: 100, max: 9000 }), c: fc.constantFrom('a', 'é', '😀', '\u0000', '"', '\\') })
  .map(({ n, c }) => c.repeat(n));
const deep = fc
  .record({ depth: fc.integer({ min: 2, max: 3000 }), array: fc.boolean() })
  .map(({ depth, array }) => nest(depth, array));
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  hugeNumbers,
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('16000', 'pcm_s16le ', 'PCM_S16LE', 'opus', 'ema', 'start', '', null, true, [], {}),
  longString,
  deep,
);

const idArb = fc.stringMatching(/^[A-Za-z0-9._:-]{1,24}$/);
const validStart = fc.record(
  {
    type: fc.constant('start'),
    sampleRate: fc.constantFrom(...SUPPORTED_SAMPLE_RATES),
    encoding: fc.constantFrom(...PCM_ENCODINGS),
    channels: fc.integer({ min: 1, max: 8 }),
    streamId: idArb,
    sessionId: idArb,
    metadata: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    options: fc.record(
      {
        uncertainThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
        smoothing: fc.oneof(
          fc.constant({ method: 'none' }),
          fc.record(
            { method: fc.constant('ema'), alpha: fc.double({ min: 0.01, max: 1, noNaN: true }) },
            { requiredKeys: ['method'] },
          ),
        ),
        hopMs: fc.integer({ min: 20, max: 300 }).map((x) => x * 10),
        earlyMs: fc.oneof(
          fc.constant(0),
          fc.integer({ min: 30, max: 299 }).map((x) => x * 10),
        ),
        bandwidth: fc.constantFrom('auto', 'narrowband', 'wideband'),
      },
      { requiredKeys: [] },
    ),
    apiKey: fc.string({ minLength: 1, maxLength: 40 }),
  },
  { requiredKeys: ['type', 'sampleRate', 'encoding', 'channels'] },
);
const validPing = fc.record(
  {
    type: fc.constant('ping'),
    id: fc.oneof(
      fc.string({ maxLength: 128 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    ),
  },
  { requiredKeys: ['type'] },
);
const validStop = fc.constant({ type: 'stop' });

const START_PATHS = [
  ['sampleRate'],
  ['encoding'],
  ['channels'],
  ['streamId'],
  ['sessionId'],
  ['metadata'],
  ['options'],
  ['options', 'hopMs'],
  ['options', 'earlyMs'],
  ['options', 'bandwidth'],
  ['options', 'uncertainThreshold'],
  ['options', 'smoothing'],
  ['options', 'smoothing', 'method'],
  ['options', 'smoothing', 'alpha'],
  ['apiKey'],
  ['type'],
];
const OTHER_PATHS = [['id'], ['type']];

type Mutation =
  | { op: 'set'; path: number; value: unknown }
  | { op: 'delete'; path: number }
  | { op: 'extra'; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('set' as const), path: fc.nat(), value: weird }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), path: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant('extra' as const),
      key: fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('__proto__', 'constructor', 'samplerate', 'sampleRate ', 'TYPE'),
      ),
      value: weird,
    }),
    weight: 2,
  },
);

function mutate(base: Record<string, unknown>, paths: string[][], muts: Mutation[]): unknown {
  const o = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  for (const m of muts) {
    if (m.op === 'extra') {
      Object.defineProperty(o, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      continue;
    }
    const path = paths[m.path % paths.length]!;
    let at: Record<string, unknown> = o;
    for (const k of path.slice(0, -1)) {
      const next = at[k];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) at[k] = {};
      at = at[k] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (m.op === 'delete') delete at[last];
    else at[last] = m.value;
  }
  return o;
}

type TextMutation =
  | { op: 'truncate' | 'delete' | 'insert' | 'replace'; at: number; ch: string }
  | { op: 'bom' | 'wrap' | 'dupType' | 'garbage' };
const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({
    op: fc.constantFrom('truncate' as const, 'delete' as const, 'insert' as const, 'replace' as const),
    at: fc.nat(),
    ch: fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
  }),
  fc.record({ op: fc.constantFrom('bom' as const, 'wrap' as const, 'dupType' as const, 'garbage' as const) }),
);

function mutateText(text: string, m: TextMutation): string {
  switch (m.op) {
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'delete': {
      const i = m.at % Math.max(1, text.length);
      return text.slice(0, i) + text.slice(i + 1);
    }
    case 'insert': {
      const i = m.at % (text.length + 1);
      return text.slice(0, i) + m.ch + text.slice(i);
    }
    case 'replace': {
      const i = m.at % Math.max(1, text.length);
      return text.slice(0, i) + m.ch + text.slice(i + 1);
    }
    case 'bom':
      return `\uFEFF${text}`;
    case 'wrap':
      return `[${text}]`;
    case 'dupType':
      return text.replace('{', '{"type":"dance",');
    case 'garbage':
      return `${text}}`;
  }
}

/** A start that is well-formed except for one unsupported value (its own error code). */
const unsupportedStart = fc
  .tuple(
    validStart,
    fc.oneof(
      fc.record({
        k: fc.constant('sampleRate'),
        v: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
      }),
      fc.record({ k: fc.constant('encoding'), v: fc.string({ maxLength: 12 }) }),
      fc.record({
        k: fc.constant('channels'),
        v: fc.oneof(fc.integer({ min: -3, max: 40 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
      }),
    ),
  )
  .map(([s, { k, v }]) => ({ ...s, [k]: v }));
const validAny = fc.oneof(validStart, validPing, validStop) as fc.Arbitrary<Record<string, unknown>>;
const text = (a: fc.Arbitrary<unknown>) => a.map((v): Candidate => ({ c: 'text', text: JSON.stringify(v) }));
const candidate: fc.Arbitrary<Candidate> = fc.oneof(
  { arbitrary: text(validStart), weight: 6 },
  {
    arbitrary: text(
      fc
        .tuple(validStart, fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([s, m]) => mutate(s, START_PATHS, m)),
    ),
    weight: 12,
  },
  {
    arbitrary: fc
      .tuple(validAny, fc.array(textMutation, { minLength: 1, maxLength: 2 }))
      .map(([v, ms]): Candidate => ({ c: 'text', text: ms.reduce(mutateText, JSON.stringify(v)) })),
    weight: 8,
  },
  { arbitrary: text(validPing), weight: 6 },
  {
    arbitrary: text(
      fc
        .tuple(fc.oneof(validPing, validStop), fc.array(mutation, { minLength: 1, maxLength: 2 }))
        .map(([s, m]) => mutate(s, OTHER_PATHS, m)),
    ),
    weight: 8,
  },
  { arbitrary: text(validStop), weight: 2 },
  { arbitrary: text(unsupportedStart), weight: 3 },
  { arbitrary: text(fc.jsonValue()), weight: 8 },
  {
    arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((t): Candidate => ({ c: 'text', text: t })),
    weight: 5,
  },
  { arbitrary: text(deep), weight: 2 },
  {
    arbitrary: fc
      .record({
        n: fc.integer({ min: MAX_TEXT_BYTES - 40, max: MAX_TEXT_BYTES + 4000 }),
        c: fc.constantFrom('x', 'é'),
      })
      .map(
        ({ n, c }): Candidate => ({
          c: 'text',
          text: JSON.stringify({ type: 'ping', id: c.repeat(c === 'x' ? n : n >> 1) }),
        }),
      ),
    weight: 2,
  },
  { arbitrary: fc.constant<Candidate>({ c: 'badutf8' }), weight: 1 },
  {
    arbitrary: fc.record({
      c: fc.constant('bin' as const),
      mode: fc.constantFrom<BinMode>(
        ...(Array(10).fill('aligned') as BinMode[]),
        'raw',
        'raw',
        'raw',
        'empty',
        'max',
        'over',
        'nonfinite',
        'nonfinite',
      ),
      n: fc.nat(),
      seed: fc.integer(),
    }),
    weight: 30,
  },
  { arbitrary: fc.constant<Candidate>({ c: 'bin', mode: 'huge', n: 0, seed: 1 }), weight: 1 },
);

const sessionArb: fc.Arbitrary<Session> = fc.record({
  candidates: fc.array(candidate, { minLength: 50, maxLength: 66 }),
  ending: fc.constantFrom<Session['ending']>('fatal', 'fatal', 'stop', 'stop', 'none'),
  pick: fc.nat(),
  startless: fc.nat({ max: 99 }).map((n) => n < 15),
  post: fc.array(candidate, { maxLength: 4 }),
});

// ---------------------------------------------------------------------------------------------------
// The model

interface Model {
  phase: 'awaiting' | 'streaming' | 'stopping';
  bytesPerFrame: number;
  f32: boolean;
  saidStopped: boolean;
}
type Outcome =
  | { kind: 'none' }
  | { kind: 'answer'; token: string; saidStopped?: boolean }
  | { kind: 'start'; bytesPerFrame: number; f32: boolean }
  | { kind: 'stop' }
  | { kind: 'fatal'; code: ErrorCode }
  /** The WebSocket layer closes the connection without an `error` event. */
  | { kind: 'drop'; closeCode: number };

const BYTES: Record<PcmEncoding, number> = { pcm_s16le: 2, pcm_f32le: 4, mulaw: 1, alaw: 1 };

function errorOutcome(m: Model, code: ErrorCode): Outcome {
  // Once the stream is ending after stop, an error about a later message changes nothing: non-fatal.
  if (!ERROR_CODES[code].fatal || m.phase === 'stopping')
    return { kind: 'answer', token: `error:${code}:false` };
  return { kind: 'fatal', code };
}

function predict(m: Model, w: Wire): Outcome {
  if (w.t === 'badutf8') return { kind: 'drop', closeCode: CLOSE_CODES.INVALID_PAYLOAD };
  if (w.t === 'text') {
    const n = Buffer.byteLength(w.text, 'utf8');
    if (n >= WS_LIMIT_FLOOR) return { kind: 'drop', closeCode: CLOSE_CODES.MESSAGE_TOO_BIG };
    if (n > MAX_TEXT_BYTES) return errorOutcome(m, 'MESSAGE_TOO_LARGE');
    const r = parseClientMessage(w.text);
    if (!r.ok) return errorOutcome(m, r.error.code);
    const msg = r.message;
    if (msg.type === 'ping') return { kind: 'answer', token: `pong:${JSON.stringify(msg.id ?? null)}` };
    if (msg.type === 'stop') {
      if (m.phase === 'awaiting') return errorOutcome(m, 'NOT_STARTED');
      return m.phase === 'streaming' ? { kind: 'stop' } : errorOutcome(m, 'ALREADY_STOPPED');
    }
    if (m.phase !== 'awaiting') return errorOutcome(m, 'ALREADY_STARTED');
    return {
      kind: 'start',
      bytesPerFrame: BYTES[msg.encoding] * msg.channels,
      f32: msg.encoding === 'pcm_f32le',
    };
  }
  const len = w.bytes.length;
  if (len >= WS_LIMIT_FLOOR) return { kind: 'drop', closeCode: CLOSE_CODES.MESSAGE_TOO_BIG };
  if (len > MAX_MESSAGE_BYTES) return errorOutcome(m, 'MESSAGE_TOO_LARGE');
  if (m.phase === 'awaiting') return errorOutcome(m, 'NOT_STARTED');
  // Audio after stop is discarded; the first such message is answered, the rest are only counted.
  if (m.phase === 'stopping')
    return m.saidStopped
      ? { kind: 'none' }
      : { kind: 'answer', token: 'error:ALREADY_STOPPED:false', saidStopped: true };
  if (len === 0) return { kind: 'none' };
  if (len % m.bytesPerFrame !== 0) return errorOutcome(m, 'ODD_BYTE_COUNT');
  if (m.f32) {
    const view = new DataView(w.bytes.buffer, w.bytes.byteOffset, len);
    for (let i = 0; i < len; i += 4)
      if (!Number.isFinite(view.getFloat32(i, true))) return errorOutcome(m, 'NON_FINITE_SAMPLE');
  }
  return { kind: 'none' };
}

function apply(m: Model, o: Outcome): void {
  if (o.kind === 'start')
    Object.assign(m, { phase: 'streaming', bytesPerFrame: o.bytesPerFrame, f32: o.f32 });
  else if (o.kind === 'stop') m.phase = 'stopping';
  else if (o.kind === 'answer' && o.saidStopped) m.saidStopped = true;
}

const tokenOf = (o: Outcome): string[] =>
  o.kind === 'answer' ? [o.token] : o.kind === 'start' ? ['ready'] : [];

/** Turns a generated candidate into bytes on the wire, given what the stream has declared so far. */
function materialize(c: Candidate, m: Model, tag: string): Wire {
  if (c.c === 'badutf8')
    return { t: 'badutf8', bytes: Uint8Array.from([0x7b, 0x22, 0xc3, 0x28, 0xa0, 0xa1, 0x22, 0x7d]) };
  if (c.c === 'text') {
    // What the server decodes: ws sends a string as UTF-8, so lone surrogates become U+FFFD.
    let t = Buffer.from(c.text, 'utf8').toString('utf8');
    const r = parseClientMessage(t);
    if (r.ok && r.message.type === 'start' && r.message.streamId !== undefined) {
      // A unique id: resuming or colliding with another session's stream is not what is tested here.
      t = JSON.stringify({ ...(JSON.parse(t) as object), streamId: tag });
    }
    return { t: 'text', text: t };
  }
  const rnd = mulberry32(c.seed);
  const bpf = m.phase === 'streaming' ? m.bytesPerFrame : 2;
  const maxAligned = MAX_MESSAGE_BYTES - (MAX_MESSAGE_BYTES % bpf);
  let len: number;
  switch (c.mode) {
    case 'aligned':
    case 'nonfinite':
      len = Math.min(maxAligned, (c.n % Math.floor(4096 / bpf + 1)) * bpf);
      break;
    case 'raw':
      len = c.n % 5000;
      break;
    case 'empty':
      len = 0;
      break;
    case 'max':
      len = c.n % 2 ? MAX_MESSAGE_BYTES : maxAligned;
      break;
    case 'over':
      len = MAX_MESSAGE_BYTES + 1 + (c.n % 3000);
      break;
    case 'huge':
      len = HUGE_BYTES;
      break;
  }
  const bytes = new Uint8Array(len);
  if (m.f32 && m.phase === 'streaming' && c.mode !== 'raw') {
    const view = new DataView(bytes.buffer);
    for (let i = 0; i + 4 <= len; i += 4) view.setFloat32(i, rnd() * 2 - 1, true);
    if (c.mode === 'nonfinite' && len >= 4) {
      const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][c.n % 3]!;
      view.setFloat32(4 * Math.floor(rnd() * (len / 4)), bad, true);
    }
  } else for (let i = 0; i < len; i++) bytes[i] = Math.floor(rnd() * 256);
  return { t: 'bin', bytes };
}

interface Plan {
  wires: Wire[];
  /** Answers to the messages before the end, in order (the barrier's pong included). */
  body: string[];
  end:
    | { kind: 'barrier'; id: string }
    | { kind: 'fatal'; code: ErrorCode; started: boolean }
    | { kind: 'drop'; closeCode: number; barrier: string; last: Wire }
    | { kind: 'stop'; post: string[]; barrier: string };
  /** Messages the server handles while the stream is live (barrier pings excluded). */
  fuzzMessages: number;
}

function plan(s: Session, index: number): Plan {
  const m: Model = { phase: 'awaiting', bytesPerFrame: 2, f32: false, saidStopped: false };
  const wires: Wire[] = [];
  const body: string[] = [];
  const deferred: Candidate[] = [];
  let k = 0;
  for (const c of s.candidates) {
    const wire = materialize(c, m, `fz-${index}-${k++}`);
    const o = predict(m, wire);
    if (o.kind === 'fatal' || o.kind === 'drop' || o.kind === 'stop') {
      // Anything that ends the stream waits for the end of the script, so that sessions stay long.
      if (o.kind !== 'stop') deferred.push(c);
      continue;
    }
    if (o.kind === 'start' && s.startless) continue;
    apply(m, o);
    wires.push(wire);
    body.push(...tokenOf(o));
  }
  const fuzzMessages = wires.length;
  const barrier = `barrier-${index}`;
  const ping = (): Wire => ({ t: 'text', text: JSON.stringify({ type: 'ping', id: barrier }) });
  if (s.ending === 'fatal') {
    // One of the deferred messages that still end the stream in the state reached, chosen by kind
    // first so that rare codes (NON_FINITE_SAMPLE behind a float start) get their turn.
    const enders = deferred
      .map((c) => {
        const wire = materialize(c, m, `fz-${index}-${k++}`);
        return { wire, o: predict(m, wire) };
      })
      .filter(({ o }) => o.kind === 'fatal' || o.kind === 'drop');
    const kindOf = ({ o }: { o: Outcome }) =>
      o.kind === 'fatal' ? o.code : `drop-${(o as { closeCode: number }).closeCode}`;
    const kinds = [...new Set(enders.map(kindOf))];
    const kind = kinds[s.pick % Math.max(1, kinds.length)];
    const ofKind = enders.filter((x) => kindOf(x) === kind);
    const chosen = ofKind[Math.floor(s.pick / Math.max(1, kinds.length)) % Math.max(1, ofKind.length)];
    if (chosen?.o.kind === 'drop') {
      // The WebSocket layer closes at once, cutting off answers still queued behind a start: the
      // barrier's pong first shows that everything before was answered.
      wires.push(ping());
      body.push(`pong:${JSON.stringify(barrier)}`);
      return {
        wires,
        body,
        end: { kind: 'drop', closeCode: chosen.o.closeCode, barrier, last: chosen.wire },
        fuzzMessages: fuzzMessages + 1,
      };
    }
    if (chosen?.o.kind === 'fatal') {
      wires.push(chosen.wire);
      return {
        wires,
        body,
        end: { kind: 'fatal', code: chosen.o.code, started: m.phase !== 'awaiting' },
        fuzzMessages: fuzzMessages + 1,
      };
    }
  }
  if (s.ending !== 'none') {
    const stopWire: Wire = { t: 'text', text: '{"type":"stop"}' };
    const o = predict(m, stopWire);
    wires.push(stopWire);
    if (o.kind === 'fatal')
      return {
        wires,
        body,
        end: { kind: 'fatal', code: o.code, started: false },
        fuzzMessages: fuzzMessages + 1,
      };
    apply(m, o);
    const post: string[] = [];
    let n = 0;
    for (const c of s.post) {
      const wire = materialize(c, m, `fz-${index}-${k++}`);
      const po = predict(m, wire);
      if (po.kind === 'drop') continue;
      apply(m, po);
      wires.push(wire);
      post.push(...tokenOf(po));
      n++;
    }
    wires.push(ping());
    post.push(`pong:${JSON.stringify(barrier)}`);
    return { wires, body, end: { kind: 'stop', post, barrier }, fuzzMessages: fuzzMessages + 1 + n };
  }
  wires.push(ping());
  body.push(`pong:${JSON.stringify(barrier)}`);
  return { wires, body, end: { kind: 'barrier', id: barrier }, fuzzMessages };
}

// ---------------------------------------------------------------------------------------------------
// Running a session

interface Outcomes {
  tokens: string[];
  close: number;
  unsolicited: string[];
}

const IGNORED = new Set(['speech', 'emotion', 'overloaded', 'bandwidth']);

function run(url: string, p: Plan, timeoutMs = 15_000): Promise<Outcomes> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/stream`);
    const tokens: string[] = [];
    const unsolicited: string[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no close within ${timeoutMs} ms; answers so far: ${tokens.join(' ')}`));
    }, timeoutMs);
    ws.on('open', () => {
      for (const w of p.wires) ws.send(w.t === 'text' ? w.text : w.bytes, { binary: w.t === 'bin' });
    });
    ws.on('message', (d, isBinary) => {
      if (isBinary) {
        unsolicited.push('binary');
        return;
      }
      const e = JSON.parse(d.toString()) as {
        type: string;
        code?: string;
        fatal?: boolean;
        id?: unknown;
        message?: unknown;
      };
      if (IGNORED.has(e.type)) return;
      if (e.type === 'error' && (e.code === 'LAGGING' || e.code === 'INFERENCE_FAILED')) {
        unsolicited.push(e.code);
        return;
      }
      if (e.type === 'error' && (typeof e.message !== 'string' || e.message.length === 0))
        unsolicited.push('error-without-message');
      const token =
        e.type === 'pong'
          ? `pong:${JSON.stringify(e.id)}`
          : e.type === 'error'
            ? `error:${e.code}:${e.fatal}`
            : e.type;
      tokens.push(token);
      if (p.end.kind === 'barrier' && token === `pong:${JSON.stringify(p.end.id)}`) ws.close(1000);
      if (p.end.kind === 'drop' && token === `pong:${JSON.stringify(p.end.barrier)}`) {
        const w = p.end.last;
        ws.send(w.t === 'text' ? w.text : w.bytes, { binary: w.t === 'bin' });
      }
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve({ tokens, close: code, unsolicited });
    });
    ws.on('error', () => undefined);
  });
}

/** Checks one session against its plan; returns what differs, or null. */
function verdict(p: Plan, r: Outcomes): string | null {
  const eq = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const want = (tokens: string[], close: number | null) => {
    if (!eq(r.tokens, tokens))
      return `answers ${JSON.stringify(r.tokens)}, expected ${JSON.stringify(tokens)}`;
    if (close !== null && r.close !== close) return `closed with ${r.close}, expected ${close}`;
    return null;
  };
  if (r.unsolicited.length) return `unexpected ${r.unsolicited.join(', ')}`;
  switch (p.end.kind) {
    case 'barrier':
      return want(p.body, null);
    case 'drop':
      return want(p.body, p.end.closeCode);
    case 'fatal': {
      const tail = [...(p.end.started ? ['summary'] : []), `error:${p.end.code}:true`];
      return want([...p.body, ...tail], ERROR_CODES[p.end.code].closeCode);
    }
    case 'stop': {
      // Messages after stop race the end of the flush: those handled before the close are answered,
      // and when the barrier's pong came back, every one of them was handled.
      const got = r.tokens;
      if (!eq(got.slice(0, p.body.length), p.body) || got[got.length - 1] !== 'summary' || r.close !== 1000)
        return `answers ${JSON.stringify(got)} closed ${r.close}, expected ${JSON.stringify(p.body)} + post-stop prefix + summary, 1000`;
      const post = got.slice(p.body.length, -1);
      const barrier = `pong:${JSON.stringify(p.end.barrier)}`;
      const expected = post.includes(barrier) ? p.end.post : p.end.post.slice(0, post.length);
      return eq(post, expected)
        ? null
        : `after stop ${JSON.stringify(post)}, expected ${JSON.stringify(p.end.post)}`;
    }
  }
}

async function pool<T>(items: T[], n: number, f: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await f(items[i]!, i);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------

describe.runIf(hasData)('protocol fuzzing', () => {
  let srv: RunningServer;
  const faults = { unhandledRejection: 0, uncaughtException: 0 };
  const onRejection = () => faults.unhandledRejection++;
  const onException = () => faults.uncaughtException++;

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    srv = await startServer({
      port: 0,
      logLevel: 'silent',
      modelDir: DEFAULT_MODEL,
      // This process generates the fuzz sessions synchronously (seconds of stalled event loop), which
      // admission control would rightly read as overload: off here, tested in protocol.test.ts.
      maxEventLoopLagMs: 0,
      // Limits that would end a fuzz session for reasons other than its messages are out of reach.
      limits: {
        maxMessageBytes: MAX_MESSAGE_BYTES,
        maxTextMessageBytes: MAX_TEXT_BYTES,
        maxControlMessagesPerSecond: 1e6,
        maxRealtimeFactor: 1e4,
        rateBurstSeconds: 1e5,
        maxStreamSeconds: 1e5,
        maxLagMs: 3_600_000,
        startTimeoutMs: 20_000,
        idleTimeoutMs: 20_000,
      },
    });
  });
  afterAll(async () => {
    await srv?.close();
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  });

  it('answers every one of >= 10,000 bad messages with its documented code while a real stream runs', async () => {
    const clip = await loadClip(ravdessPath(3, '03-01-05-01-01-01-03'));
    const sessions = fc.sample(sessionArb, { seed: SEED, numRuns: SESSIONS });
    const plans = sessions.map(plan);
    const t0 = performance.now();

    // A well-behaved client keeps streaming real speech at real time throughout.
    let fuzzing = true;
    const good: StreamRun[] = [];
    const speech = (async () => {
      let i = 0;
      while (fuzzing) good.push(await streamAudio(srv.url, clip, { speed: 1, streamId: `good-${i++}` }));
    })();

    const failures: string[] = [];
    const codes = new Map<string, number>();
    let sent = 0;
    let handled = 0;
    const ends = new Map<string, number>();
    let stops = 0;
    let stopsAnswered = 0;
    await pool(plans, CONCURRENCY, async (p, i) => {
      sent += p.wires.length;
      handled += p.fuzzMessages;
      const r = await run(srv.url, p).catch((e: Error) => ({
        tokens: [e.message],
        close: -1,
        unsolicited: [],
      }));
      for (const t of r.tokens)
        if (t.startsWith('error:')) codes.set(t.split(':')[1]!, (codes.get(t.split(':')[1]!) ?? 0) + 1);
      const endKind = p.end.kind === 'drop' ? `drop-${p.end.closeCode}` : p.end.kind;
      ends.set(endKind, (ends.get(endKind) ?? 0) + 1);
      if (p.end.kind === 'stop') {
        stops++;
        if (r.tokens.includes(`pong:${JSON.stringify(p.end.barrier)}`)) stopsAnswered++;
      }
      const v = verdict(p, r);
      if (v) failures.push(`seed ${SEED} session ${i} (${p.end.kind}): ${v.slice(0, 1500)}`);
    });
    fuzzing = false;
    await speech;
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `fuzz: ${SESSIONS} sessions, ${handled} messages handled (${sent} sent incl. barriers) in ${seconds.toFixed(1)} s; ` +
        `${good.length} speech streams alongside; ${stopsAnswered}/${stops} stops answered every later message; sessions ended by ${JSON.stringify(Object.fromEntries(ends))}; errors by code ${JSON.stringify(Object.fromEntries([...codes].sort()))}`,
    );

    expect(failures.slice(0, 5)).toEqual([]);
    expect(handled).toBeGreaterThanOrEqual(10_000);
    expect(faults).toEqual({ unhandledRejection: 0, uncaughtException: 0 });
    // The fuzz reached every code a client message can cause.
    for (const code of [
      'BAD_JSON',
      'BAD_MESSAGE',
      'UNKNOWN_MESSAGE',
      'BAD_START',
      'UNSUPPORTED_SAMPLE_RATE',
      'UNSUPPORTED_ENCODING',
      'BAD_CHANNEL_COUNT',
      'ALREADY_STARTED',
      'NOT_STARTED',
      'ALREADY_STOPPED',
      'ODD_BYTE_COUNT',
      'NON_FINITE_SAMPLE',
      'MESSAGE_TOO_LARGE',
    ])
      expect(codes.get(code) ?? 0, code).toBeGreaterThan(0);

    // The speech streams were never disturbed.
    expect(good.length).toBeGreaterThanOrEqual(1);
    for (const g of good) {
      const types = g.events.map((e) => e.type);
      expect(types[0]).toBe('ready');
      expect(types.at(-1)).toBe('summary');
      expect(types.filter((t) => t === 'error')).toEqual([]);
      expect(types).toContain('emotion');
      const summary = g.events.at(-1)!;
      expect(summary.type === 'summary' && summary.endReason).toBe('stop');
      expect(summary.type === 'summary' && summary.durationMs).toBeCloseTo((clip.length / 16000) * 1000, 6);
    }
    // Nothing is left behind, and the server still serves.
    expect(srv.context.sessions.size).toBe(0);
    expect(srv.context.registry.activeCount).toBe(0);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });
});

describe.runIf(hasData)('control-message rate limit and messages after stop', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer({ port: 0, logLevel: 'silent', modelDir: DEFAULT_MODEL });
  });
  afterAll(async () => {
    await srv?.close();
  });

  const collect = (messages: Array<string | Uint8Array>, spacingMs = 0, cork = false) =>
    new Promise<{
      tokens: string[];
      close: number;
      summary: { durationMs: number; endReason: string } | null;
    }>((resolve) => {
      const ws = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/v1/stream`);
      const tokens: string[] = [];
      let summary: { durationMs: number; endReason: string } | null = null;
      ws.on('open', async () => {
        // Corked: the server reads the whole burst at once, so it is all queued behind the start.
        const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
        if (cork) socket.cork();
        for (const m of messages) {
          ws.send(m, { binary: typeof m !== 'string' });
          if (spacingMs) await new Promise((r) => setTimeout(r, spacingMs));
        }
        if (cork) socket.uncork();
        if (spacingMs) ws.close(1000);
      });
      ws.on('message', (d) => {
        const e = JSON.parse(d.toString());
        if (e.type === 'summary') summary = e;
        if (e.type === 'error') tokens.push(`error:${e.code}:${e.fatal}`);
        else if (e.type === 'pong' || e.type === 'ready' || e.type === 'summary') tokens.push(e.type);
      });
      ws.on('close', (code) => resolve({ tokens, close: code, summary }));
    });

  it('ends a connection that sends text faster than maxControlMessagesPerSecond, after summarising its audio', async () => {
    const ping = JSON.stringify({ type: 'ping' });
    const burst = srv.config.limits.maxControlMessagesPerSecond;
    const before = await collect(Array(burst + 15).fill(ping));
    expect(before.tokens.slice(0, burst)).toEqual(Array(burst).fill('pong'));
    expect(before.tokens.at(-1)).toBe('error:RATE_LIMITED:true');
    expect(before.close).toBe(CLOSE_CODES.TOO_MANY_REQUESTS);

    const clip = await loadClip(ravdessPath(3, '03-01-05-01-01-01-03'));
    const start = JSON.stringify({ type: 'start', sampleRate: 16000, encoding: 'pcm_s16le', channels: 1 });
    const after = await collect([
      start,
      encodePcm(clip.subarray(0, 16000), 'pcm_s16le'),
      ...Array(burst + 5).fill(ping),
    ]);
    expect(after.tokens[0]).toBe('ready');
    expect(after.tokens.slice(-2)).toEqual(['summary', 'error:RATE_LIMITED:true']);
    expect(after.summary?.durationMs).toBe(1000);
    expect(after.summary?.endReason).toBe('RATE_LIMITED');
    expect(after.close).toBe(CLOSE_CODES.TOO_MANY_REQUESTS);

    // Within the rate, nothing happens: 12 pings at 8 per second are all answered.
    const paced = await collect(Array(12).fill(ping), 125);
    expect(paced.tokens).toEqual(Array(12).fill('pong'));
  });

  it('answers messages pipelined behind stop, also a malformed start, before the summary', async () => {
    const clip = await loadClip(ravdessPath(3, '03-01-05-01-01-01-03'));
    const audio = encodePcm(clip.subarray(0, 24000), 'pcm_s16le');
    const r = await collect(
      [
        JSON.stringify({ type: 'start', sampleRate: 48000, encoding: 'pcm_s16le', channels: 1 }),
        audio,
        JSON.stringify({ type: 'stop' }),
        JSON.stringify({ type: 'start', sampleRate: 12345, encoding: 'pcm_s16le', channels: 1 }),
        JSON.stringify({ type: 'stop' }),
        audio,
        audio,
        JSON.stringify({ type: 'ping' }),
      ],
      0,
      true,
    );
    expect(r.tokens).toEqual([
      'ready',
      'error:UNSUPPORTED_SAMPLE_RATE:false',
      'error:ALREADY_STOPPED:false',
      'error:ALREADY_STOPPED:false',
      'pong',
      'summary',
    ]);
    expect(r.summary?.durationMs).toBe(500);
    expect(r.close).toBe(CLOSE_CODES.NORMAL);
  });
});
