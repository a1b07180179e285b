import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEmodbName } from './emodb.ts';
import { EMODB_DIR } from './test-data.ts';

const reasonOf = (path: string): string => {
  const r = parseEmodbName(path);
  if (r.ok) throw new Error(`${path} parsed, expected a rejection`);
  return r.reason;
};

describe('parseEmodbName on the shared copy', () => {
  it('parses all 535 real names', () => {
    const files = readdirSync(join(EMODB_DIR, 'wav'));
    expect(files).toHaveLength(535);
    for (const file of files) expect(parseEmodbName(join(EMODB_DIR, 'wav', file)).ok, file).toBe(true);
  });

  it('reads every field of a real name', () => {
    expect(parseEmodbName(join(EMODB_DIR, 'wav', '03a01Fa.flac'))).toEqual({
      ok: true,
      speaker: 'emodb:03',
      label: 'happy',
      meta: { utterance: '03a01Fa', text: 'a01', version: 'a', gender: 'male' },
    });
    const r = parseEmodbName(join(EMODB_DIR, 'wav', '16b10Lb.flac'));
    expect(r.ok && [r.speaker, r.label, r.meta.gender, r.meta.text]).toEqual([
      'emodb:16',
      'boredom',
      'female',
      'b10',
    ]);
  });
});

describe('parseEmodbName on synthetic names', () => {
  it('maps the seven German emotion initials', () => {
    const expected = {
      W: 'angry',
      L: 'boredom',
      E: 'disgust',
      A: 'fearful',
      F: 'happy',
      T: 'sad',
      N: 'neutral',
    };
    for (const [letter, label] of Object.entries(expected)) {
      const r = parseEmodbName(`/emodb/wav/11b03${letter}c.wav`);
      expect(r.ok && r.label).toBe(label);
    }
  });

  it('accepts the original WAV release at any extension case', () => {
    expect(parseEmodbName('/dl/emodb/wav/15a07Nd.WAV').ok).toBe(true);
    expect(parseEmodbName('15a07Nd.mp3').ok).toBe(true);
  });

  it('rejects unknown speakers, text codes, emotions and versions', () => {
    expect(reasonOf('04a01Fa.wav')).toMatch(/speaker 04 is not one of 03 08 09/);
    expect(reasonOf('17a01Fa.wav')).toMatch(/speaker 17/);
    expect(reasonOf('03a08Fa.wav')).toMatch(/text code a08 is not a01..a07/);
    expect(reasonOf('03b11Fa.wav')).toMatch(/text code b11 is not b01..b10/);
    expect(reasonOf('03a00Fa.wav')).toMatch(/text code a00/);
    expect(reasonOf('03a01Xa.wav')).toMatch(/emotion letter "X"/);
  });

  it('rejects malformed shapes', () => {
    for (const stem of [
      '03c01Fa',
      '03a01FA',
      '03a01fa',
      '03a01Fa1',
      '3a01Fa',
      '03a1Fa',
      '03a01F',
      '03-a01-F-a',
    ]) {
      expect(reasonOf(`${stem}.wav`)).toMatch(/EmoDB names are/);
    }
    expect(reasonOf('03a01Fa.txt')).toMatch(/not audio/);
  });
});
