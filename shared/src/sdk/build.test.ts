import { describe, expect, it } from 'vitest';
import { buildStartMessage, eventsUrl, streamUrl } from './build.ts';
import { EmotionStreamError } from './errors.ts';

describe('buildStartMessage', () => {
  it('omits absent fields', () => {
    expect(
      buildStartMessage({
        sampleRate: 8000,
        encoding: 'alaw',
        channels: 1,
        streamId: undefined,
        sessionId: 's-1',
      }),
    ).toEqual({ type: 'start', sampleRate: 8000, encoding: 'alaw', channels: 1, sessionId: 's-1' });
  });

  it('fails fast with the code the server would send', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof EmotionStreamError ? e.code : String(e);
      }
      return 'no error';
    };
    const base = { sampleRate: 16000, encoding: 'pcm_s16le', channels: 1 } as const;
    expect(codeOf(() => buildStartMessage({ ...base, sampleRate: 12000 as 16000 }))).toBe(
      'UNSUPPORTED_SAMPLE_RATE',
    );
    expect(codeOf(() => buildStartMessage({ ...base, channels: 9 }))).toBe('BAD_CHANNEL_COUNT');
    expect(codeOf(() => buildStartMessage({ ...base, streamId: 'has space' }))).toBe('BAD_START');
    expect(codeOf(() => buildStartMessage({ ...base, options: { hopMs: 205 } }))).toBe('BAD_START');
  });
});

describe('URLs', () => {
  it('adds the endpoint path to a bare server URL and maps the scheme', () => {
    expect(streamUrl('wss://emo.example.com')).toBe('wss://emo.example.com/v1/stream');
    expect(streamUrl('https://emo.example.com:8443/')).toBe('wss://emo.example.com:8443/v1/stream');
    expect(streamUrl('http://localhost:3000')).toBe('ws://localhost:3000/v1/stream');
    expect(streamUrl('wss://proxy.example.com/emostream/v1/stream?tenant=a')).toBe(
      'wss://proxy.example.com/emostream/v1/stream?tenant=a',
    );
    expect(eventsUrl('wss://emo.example.com')).toBe('https://emo.example.com/v1/events');
    expect(eventsUrl(new URL('http://localhost:3000'))).toBe('http://localhost:3000/v1/events');
  });
});
