import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PCM_ENCODINGS } from '../audio/pcm.ts';
import { type ErrorCode, isErrorCode } from './codes.ts';
import {
  exampleEmotion,
  exampleError,
  exampleReady,
  exampleSpeechEnd,
  exampleStart,
  exampleStreamEnd,
  exampleSummary,
  exampleTimeline,
} from './examples.ts';
import {
  type EmotionEvent,
  MAX_METADATA_BYTES,
  type StartMessage,
  SUPPORTED_SAMPLE_RATES,
} from './messages.ts';
import {
  parseClientMessage,
  parseServerEvent,
  validateClientMessage,
  validateSubscriberEvent,
} from './validate.ts';

const minimalStart = { type: 'start', sampleRate: 16000, encoding: 'pcm_s16le', channels: 1 };

function rejects(input: unknown, code: ErrorCode, message?: RegExp): void {
  const text = typeof input === 'string' ? input : JSON.stringify(input);
  const r = parseClientMessage(text);
  expect(r.ok, text).toBe(false);
  if (r.ok) return;
  expect(r.error.code, `${text}: ${r.error.message}`).toBe(code);
  if (message) expect(r.error.message).toMatch(message);
}

describe('parseClientMessage: valid messages', () => {
  it('accepts a minimal and a complete start', () => {
    expect(parseClientMessage(JSON.stringify(minimalStart))).toEqual({ ok: true, message: minimalStart });
    expect(parseClientMessage(JSON.stringify(exampleStart))).toEqual({ ok: true, message: exampleStart });
  });

  it('accepts every supported rate and encoding and 1..8 channels', () => {
    for (const sampleRate of SUPPORTED_SAMPLE_RATES)
      for (const encoding of PCM_ENCODINGS)
        for (const channels of [1, 2, 8])
          expect(
            parseClientMessage(JSON.stringify({ ...minimalStart, sampleRate, encoding, channels })).ok,
          ).toBe(true);
  });

  it('accepts option edges', () => {
    const ok = (options: unknown) => parseClientMessage(JSON.stringify({ ...minimalStart, options })).ok;
    expect(ok({ hopMs: 200 })).toBe(true);
    expect(ok({ hopMs: 3000 })).toBe(true);
    expect(ok({ earlyMs: 0 })).toBe(true);
    expect(ok({ earlyMs: 300 })).toBe(true);
    expect(ok({ earlyMs: 2990 })).toBe(true);
    for (const bandwidth of ['auto', 'narrowband', 'wideband']) expect(ok({ bandwidth })).toBe(true);
    expect(ok({ uncertainThreshold: 0 })).toBe(true);
    expect(ok({ uncertainThreshold: 1 })).toBe(true);
    expect(ok({ smoothing: { method: 'none' } })).toBe(true);
    expect(ok({ smoothing: { method: 'ema' } })).toBe(true);
    expect(ok({ smoothing: { method: 'ema', alpha: 1 } })).toBe(true);
    expect(ok({})).toBe(true);
  });

  it('accepts stop and ping with or without an id', () => {
    expect(parseClientMessage('{"type":"stop"}')).toEqual({ ok: true, message: { type: 'stop' } });
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ ok: true, message: { type: 'ping' } });
    expect(parseClientMessage('{"type":"ping","id":"a-1"}')).toEqual({
      ok: true,
      message: { type: 'ping', id: 'a-1' },
    });
    expect(parseClientMessage(' {"id":3.5,"type":"ping"} ')).toEqual({
      ok: true,
      message: { type: 'ping', id: 3.5 },
    });
  });
});

describe('parseClientMessage: every error path', () => {
  it('BAD_JSON for text that is not JSON', () => {
    for (const text of ['', '{', '{"type":"start",}', 'undefined', "{'type':'stop'}", 'NaN'])
      rejects(text, 'BAD_JSON', /JSON/);
  });

  it('BAD_MESSAGE for JSON that is not an object with a string type', () => {
    for (const value of [null, 42, 'start', [], [minimalStart], {}, { type: 1 }, { type: null }]) {
      rejects(JSON.stringify(value), 'BAD_MESSAGE');
    }
  });

  it('BAD_MESSAGE with the path for malformed stop and ping', () => {
    rejects({ type: 'stop', now: true }, 'BAD_MESSAGE', /now: unknown field/);
    rejects({ type: 'ping', id: { a: 1 } }, 'BAD_MESSAGE', /^invalid ping: id:/);
    rejects({ type: 'ping', id: 'x'.repeat(129) }, 'BAD_MESSAGE', /id:/);
    rejects({ type: 'ping', id: null }, 'BAD_MESSAGE', /id:/);
  });

  it('UNKNOWN_MESSAGE for an unknown type, without echoing long input', () => {
    rejects({ type: 'audio' }, 'UNKNOWN_MESSAGE', /"audio".*start, stop, ping/);
    const r = parseClientMessage(JSON.stringify({ type: 'x'.repeat(10000) }));
    expect(!r.ok && r.error.message.length).toBeLessThan(200);
  });

  it('BAD_START with the offending path for schema violations', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ sampleRate: undefined }, /sampleRate:/],
      [{ sampleRate: '16000' }, /sampleRate:/],
      [{ encoding: 16 }, /encoding:/],
      [{ channels: '1' }, /channels:/],
      [{ codec: 'opus' }, /codec: unknown field/],
      [{ streamId: '' }, /streamId: streamId must be 1-128/],
      [{ streamId: 'call 42' }, /streamId:/],
      [{ streamId: 'a'.repeat(129) }, /streamId:/],
      [{ sessionId: 'ü' }, /sessionId:/],
      [{ metadata: [1, 2] }, /metadata:/],
      [{ metadata: 'note' }, /metadata:/],
      [
        { metadata: { blob: 'x'.repeat(MAX_METADATA_BYTES) } },
        /metadata: metadata must be at most 4096 bytes/,
      ],
      [{ options: { hopMs: 205 } }, /options\.hopMs:/],
      [{ options: { hopMs: 100 } }, /options\.hopMs:/],
      [{ options: { hopMs: 3010 } }, /options\.hopMs:/],
      [{ options: { earlyMs: 290 } }, /options\.earlyMs:/],
      [{ options: { earlyMs: 1505 } }, /options\.earlyMs:/],
      [{ options: { earlyMs: 3000 } }, /options\.earlyMs:/],
      [{ options: { earlyMs: -10 } }, /options\.earlyMs:/],
      [{ options: { bandwidth: 'Narrowband' } }, /options\.bandwidth:/],
      [{ options: { bandwidth: 8000 } }, /options\.bandwidth:/],
      [{ options: { bandwidth: null } }, /options\.bandwidth:/],
      [{ options: { uncertainThreshold: 1.5 } }, /options\.uncertainThreshold:/],
      [
        { options: { smoothing: { method: 'none', alpha: 0.5 } } },
        /options\.smoothing\.alpha: unknown field/,
      ],
      [{ options: { smoothing: { method: 'ema', alpha: 0 } } }, /options\.smoothing\.alpha:/],
      [{ options: { smoothing: { method: 'median' } } }, /options\.smoothing\.method:/],
      [{ options: { hop: 1000 } }, /options\.hop: unknown field/],
      [{ options: [] }, /options:/],
      [{ apiKey: '' }, /apiKey:/],
      [{ apiKey: 42 }, /apiKey:/],
    ];
    for (const [patch, message] of cases) rejects({ ...minimalStart, ...patch }, 'BAD_START', message);
  });

  it('lists several issues and summarises beyond five', () => {
    const bad = { type: 'start', a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 };
    rejects(bad, 'BAD_START', /; and \d+ more$/);
  });

  it('UNSUPPORTED_SAMPLE_RATE, UNSUPPORTED_ENCODING, BAD_CHANNEL_COUNT for unsupported values of the right type', () => {
    rejects({ ...minimalStart, sampleRate: 12000 }, 'UNSUPPORTED_SAMPLE_RATE', /12000 Hz is not supported/);
    rejects({ ...minimalStart, sampleRate: 16000.5 }, 'UNSUPPORTED_SAMPLE_RATE');
    rejects({ ...minimalStart, sampleRate: 96000 }, 'UNSUPPORTED_SAMPLE_RATE');
    rejects({ ...minimalStart, encoding: 'opus' }, 'UNSUPPORTED_ENCODING', /"opus" is not supported/);
    rejects({ ...minimalStart, encoding: 'PCM_S16LE' }, 'UNSUPPORTED_ENCODING');
    for (const channels of [0, 9, -1, 1.5])
      rejects({ ...minimalStart, channels }, 'BAD_CHANNEL_COUNT', /integer from 1 to 8/);
  });

  it('prefers BAD_START when a start is also malformed, else the first unsupported field', () => {
    rejects({ ...minimalStart, sampleRate: 12000, streamId: 'a b' }, 'BAD_START');
    rejects({ ...minimalStart, sampleRate: 12000, encoding: 'opus', channels: 9 }, 'UNSUPPORTED_SAMPLE_RATE');
    rejects({ ...minimalStart, encoding: 'opus', channels: 9 }, 'UNSUPPORTED_ENCODING');
  });
});

describe('parseClientMessage never throws', () => {
  const check = (text: string) => {
    const r = parseClientMessage(text);
    if (r.ok) expect(['start', 'stop', 'ping']).toContain(r.message.type);
    else {
      expect(isErrorCode(r.error.code)).toBe(true);
      expect(typeof r.error.message).toBe('string');
    }
  };

  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), { numRuns: 500 });
  });

  it('on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => check(JSON.stringify(v) ?? 'null')),
      { numRuns: 500 },
    );
  });

  it('on objects of every known type with arbitrary fields', () => {
    const fields = fc.dictionary(
      fc.constantFrom(
        'sampleRate',
        'encoding',
        'channels',
        'streamId',
        'metadata',
        'options',
        'id',
        'apiKey',
        '__proto__',
        'x',
      ),
      fc.jsonValue({ maxDepth: 3 }),
    );
    fc.assert(
      fc.property(fc.constantFrom('start', 'stop', 'ping'), fields, (type, rest) =>
        check(JSON.stringify({ ...rest, type })),
      ),
      { numRuns: 500 },
    );
  });

  it('on deeply nested input', () => {
    check(`${'['.repeat(100000)}${']'.repeat(100000)}`);
    check(
      JSON.stringify({
        ...minimalStart,
        metadata: JSON.parse(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`),
      }),
    );
  });
});

const idArb = fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/);
const startArb: fc.Arbitrary<StartMessage> = fc.record(
  {
    type: fc.constant('start' as const),
    sampleRate: fc.constantFrom(...SUPPORTED_SAMPLE_RATES),
    encoding: fc.constantFrom(...PCM_ENCODINGS),
    channels: fc.integer({ min: 1, max: 8 }),
    streamId: idArb,
    sessionId: idArb,
    metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
    options: fc.record(
      {
        uncertainThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
        smoothing: fc.oneof(
          fc.constant({ method: 'none' as const }),
          fc.record({
            method: fc.constant('ema' as const),
            alpha: fc.double({ min: 0.01, max: 1, noNaN: true }),
          }),
        ),
        hopMs: fc.integer({ min: 20, max: 300 }).map((k) => k * 10),
      },
      { requiredKeys: [] },
    ),
    apiKey: fc.string({ minLength: 1, maxLength: 64 }),
  },
  { requiredKeys: ['type', 'sampleRate', 'encoding', 'channels'] },
);

describe('round trips', () => {
  it('start: build -> JSON -> parse gives the same message', () => {
    fc.assert(
      fc.property(startArb, (start) => {
        const r = parseClientMessage(JSON.stringify(start));
        expect(r).toEqual({ ok: true, message: JSON.parse(JSON.stringify(start)) });
      }),
      { numRuns: 300 },
    );
  });

  it('emotion: JSON -> parse gives the same event', () => {
    const scoresArb = fc
      .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 7 })
      .map((ps) => Object.fromEntries(ps.map((p, i) => [`c${i}`, p])));
    const emotionArb: fc.Arbitrary<EmotionEvent> = fc.record({
      type: fc.constant('emotion' as const),
      streamId: idArb,
      seq: fc.nat(),
      segment: fc.nat(),
      kind: fc.constantFrom('hop' as const, 'tail' as const, 'utterance' as const, 'early' as const),
      startMs: fc.nat().map((s) => s / 16),
      endMs: fc.nat().map((s) => s / 16),
      label: fc.string(),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      scores: scoresArb,
      uncertain: fc.boolean(),
      modelId: fc.string(),
      receivedAt: fc.nat(),
      emittedAt: fc.nat(),
    });
    fc.assert(
      fc.property(emotionArb, (e) => {
        expect(parseServerEvent(JSON.stringify(e))).toEqual({
          ok: true,
          event: JSON.parse(JSON.stringify(e)),
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseServerEvent', () => {
  it('keeps unknown fields (a newer v1 server may add some)', () => {
    const r = parseServerEvent(JSON.stringify({ ...exampleEmotion, arousal: 0.4 }));
    expect(r).toEqual({ ok: true, event: { ...exampleEmotion, arousal: 0.4 } });
    const ready = parseServerEvent(
      JSON.stringify({ ...exampleReady, model: { ...exampleReady.model, version: 3 } }),
    );
    expect(ready.ok).toBe(true);
  });

  it('accepts error codes and end reasons it does not know', () => {
    expect(parseServerEvent(JSON.stringify({ ...exampleError, code: 'NEW_CODE' })).ok).toBe(true);
    expect(parseServerEvent(JSON.stringify({ ...exampleSummary, endReason: 'migrated' })).ok).toBe(true);
  });

  it('rejects missing or mistyped required fields with the path', () => {
    const { label: _label, ...noLabel } = exampleEmotion;
    const cases: Array<[unknown, RegExp]> = [
      [noLabel, /^invalid emotion: label:/],
      [{ ...exampleEmotion, kind: 'window' }, /kind:/],
      [{ ...exampleEmotion, confidence: 1.2 }, /confidence:/],
      [{ ...exampleEmotion, scores: { a: 'high' } }, /scores\.a:/],
      [{ ...exampleEmotion, seq: -1 }, /seq:/],
      [{ ...exampleReady, limits: { maxMessageBytes: 1024 } }, /limits\./],
      [{ ...exampleSpeechEnd, endMs: undefined }, /endMs/],
      [{ ...exampleError, fatal: 'yes' }, /fatal:/],
    ];
    for (const [value, message] of cases) {
      const r = parseServerEvent(JSON.stringify(value));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('BAD_MESSAGE');
        expect(r.error.message).toMatch(message);
      }
    }
  });

  it('reports unknown types and bad JSON without throwing', () => {
    expect(parseServerEvent('{"type":"transcript"}')).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_MESSAGE' },
    });
    expect(parseServerEvent('{')).toMatchObject({ ok: false, error: { code: 'BAD_JSON' } });
    expect(parseServerEvent('[]')).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        (v) => parseServerEvent(JSON.stringify(v) ?? '').ok === false,
      ),
    );
  });
});

describe('validateSubscriberEvent', () => {
  it('accepts subscriber payloads and rejects stream events that only travel on /v1/stream', () => {
    expect(validateSubscriberEvent(exampleTimeline).ok).toBe(true);
    expect(validateSubscriberEvent(exampleStreamEnd).ok).toBe(true);
    expect(validateSubscriberEvent(exampleReady)).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_MESSAGE' },
    });
    expect(validateSubscriberEvent({ ...exampleTimeline, events: [exampleReady] }).ok).toBe(false);
  });

  it('validates a parsed start the same way as text', () => {
    expect(validateClientMessage(minimalStart)).toEqual(parseClientMessage(JSON.stringify(minimalStart)));
  });
});
