import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { STREAMING_INPUT_RATES } from '../audio/resample.ts';
import type { AudioErrorCode } from '../errors.ts';
import { CLOSE_CODES, ERROR_CODE_NAMES, ERROR_CODES, isErrorCode } from './codes.ts';
import { CLIENT_EXAMPLES, SERVER_EXAMPLES, SUBSCRIBER_EXAMPLES } from './examples.ts';
import {
  type ClientMessage,
  DEFAULT_LIMITS,
  type ServerEvent,
  type StreamLimits,
  SUPPORTED_SAMPLE_RATES,
  type SubscribeAck,
  type SubscribeRequest,
  type SubscriberEvent,
} from './messages.ts';
import type {
  clientMessageSchema,
  serverEventSchema,
  streamLimitsSchema,
  subscribeAckSchema,
  subscribeRequestSchema,
  subscriberEventSchema,
} from './schemas.ts';
import { streamLimitsSchema as limitsSchema } from './schemas.ts';
import { validateClientMessage, validateServerEvent, validateSubscriberEvent } from './validate.ts';

/**
 * Drops string index signatures at every depth: lenient schemas (`z.looseObject`) add one, which the
 * interfaces rightly do not have. Records (`scores`) become `{}` on both sides alike.
 */
type Known<T> = T extends string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer U)[]
    ? Known<U>[]
    : T extends object
      ? { [K in keyof T as string extends K ? never : K]: Known<T[K]> }
      : T;
/** `A` and `B` describe the same values: each is assignable to the other (index signatures aside). */
type Same<A, B> = [Known<A>] extends [Known<B>] ? ([Known<B>] extends [Known<A>] ? true : false) : false;

describe('error codes', () => {
  it('fatal codes, and only they, name a close code', () => {
    for (const name of ERROR_CODE_NAMES) {
      const info = ERROR_CODES[name];
      expect(info.fatal, name).toBe(info.closeCode !== null);
      if (info.closeCode !== null) expect(Object.values(CLOSE_CODES), name).toContain(info.closeCode);
    }
  });

  it('application close codes 40xx mirror the HTTP status 4xx of the same condition', () => {
    for (const name of ERROR_CODE_NAMES) {
      const { closeCode, httpStatus } = ERROR_CODES[name];
      if (closeCode !== null && closeCode >= 4000 && httpStatus !== null)
        expect(closeCode - 3600, name).toBe(httpStatus);
    }
  });

  it('decides ODD_BYTE_COUNT and NON_FINITE_SAMPLE as fatal with 1007', () => {
    expect(ERROR_CODES.ODD_BYTE_COUNT).toMatchObject({ fatal: true, closeCode: 1007 });
    expect(ERROR_CODES.NON_FINITE_SAMPLE).toMatchObject({ fatal: true, closeCode: 1007 });
    expect(ERROR_CODES.BAD_JSON).toMatchObject({ fatal: false, closeCode: null });
  });

  it('has a wire code for every audio error the server maps from decoding a start or a message', () => {
    const mapped: AudioErrorCode[] = [
      'ODD_BYTE_COUNT',
      'NON_FINITE_SAMPLE',
      'UNSUPPORTED_ENCODING',
      'UNSUPPORTED_SAMPLE_RATE',
      'BAD_CHANNEL_COUNT',
    ];
    for (const code of mapped) expect(isErrorCode(code), code).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('constants', () => {
  it('supports exactly the rates the streaming resampler accepts', () => {
    expect([...SUPPORTED_SAMPLE_RATES]).toEqual([...STREAMING_INPUT_RATES]);
  });

  it('announces default limits that satisfy the limits schema', () => {
    expect(limitsSchema.safeParse(DEFAULT_LIMITS).success).toBe(true);
    expect(DEFAULT_LIMITS.maxMessageBytes).toBe(64 * 1024);
  });
});

describe('types and schemas agree', () => {
  it('at compile time', () => {
    expectTypeOf<Same<z.output<typeof clientMessageSchema>, ClientMessage>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.output<typeof serverEventSchema>, ServerEvent>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.output<typeof subscriberEventSchema>, SubscriberEvent>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.output<typeof subscribeRequestSchema>, SubscribeRequest>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.output<typeof subscribeAckSchema>, SubscribeAck>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.output<typeof streamLimitsSchema>, StreamLimits>>().toEqualTypeOf<true>();
  });

  it('at run time: every typed example validates', () => {
    for (const m of CLIENT_EXAMPLES)
      expect(validateClientMessage(m), m.type).toEqual({ ok: true, message: m });
    for (const e of SERVER_EXAMPLES) expect(validateServerEvent(e), e.type).toEqual({ ok: true, event: e });
    for (const e of SUBSCRIBER_EXAMPLES)
      expect(validateSubscriberEvent(e), e.type).toEqual({ ok: true, event: e });
  });
});
