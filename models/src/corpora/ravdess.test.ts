import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRavdessName } from './ravdess.ts';
import { RAVDESS_DIR } from './test-data.ts';

const reasonOf = (path: string): string => {
  const r = parseRavdessName(path);
  if (r.ok) throw new Error(`${path} parsed, expected a rejection`);
  return r.reason;
};

describe('parseRavdessName on the shared copy', () => {
  it('parses all 1440 real names with the folder agreeing', () => {
    let n = 0;
    for (const folder of readdirSync(RAVDESS_DIR)) {
      for (const file of readdirSync(join(RAVDESS_DIR, folder))) {
        const r = parseRavdessName(join(RAVDESS_DIR, folder, file));
        expect(r.ok, `${folder}/${file}`).toBe(true);
        if (r.ok) expect(`Actor_${r.speaker.slice('ravdess:'.length)}`).toBe(folder);
        n += 1;
      }
    }
    expect(n).toBe(1440);
  });

  it('reads every field of a real name', () => {
    const r = parseRavdessName(join(RAVDESS_DIR, 'Actor_12', '03-01-06-01-02-01-12.flac'));
    expect(r).toEqual({
      ok: true,
      speaker: 'ravdess:12',
      label: 'fearful',
      meta: {
        utterance: '01-06-01-02-01-12',
        modality: 'audio-only',
        intensity: 'normal',
        statement: 2,
        statementText: 'Dogs are sitting by the door',
        repetition: 1,
        actor: 12,
        gender: 'female',
      },
    });
  });
});

describe('parseRavdessName on synthetic names', () => {
  it('accepts the original WAV release and other audio containers, in any extension case', () => {
    for (const path of [
      '/dl/Audio_Speech_Actors_01-24/Actor_01/03-01-08-02-01-01-01.wav',
      '03-01-08-02-01-01-01.WAV',
      '/x/03-01-08-02-01-01-01.mp3',
      '/x/03-01-08-02-01-01-01.ogg',
    ]) {
      const r = parseRavdessName(path);
      expect(r.ok, path).toBe(true);
      if (r.ok)
        expect([r.speaker, r.label, r.meta.gender, r.meta.intensity]).toEqual([
          'ravdess:01',
          'surprised',
          'male',
          'strong',
        ]);
    }
  });

  it('accepts audio of the audio-video recordings as the same utterance', () => {
    const av = parseRavdessName('01-01-03-01-01-01-24.wav');
    const ao = parseRavdessName('03-01-03-01-01-01-24.wav');
    expect(av.ok && ao.ok).toBe(true);
    if (av.ok && ao.ok) {
      expect(av.meta.modality).toBe('audio-video');
      expect(av.meta.utterance).toBe(ao.meta.utterance);
    }
  });

  it('maps the eight emotion codes', () => {
    const labels = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'];
    labels.forEach((label, k) => {
      const r = parseRavdessName(`03-01-0${k + 1}-01-01-01-05.flac`);
      expect(r.ok && r.label).toBe(label);
    });
  });

  it('rejects wrong field counts and non-numeric fields', () => {
    expect(reasonOf('03-01-06-01-02-01.wav')).toMatch(/7 fields .* has 6/);
    expect(reasonOf('03-01-06-01-02-01-12-01.wav')).toMatch(/has 8/);
    expect(reasonOf('03_01_06_01_02_01_12.wav')).toMatch(/has 1/);
    expect(reasonOf('03-01-06-01-02-01-1.wav')).toMatch(/two digits/);
    expect(reasonOf('03-01-06-01-02-01-a2.wav')).toMatch(/two digits/);
  });

  it('rejects out-of-range codes with the field named', () => {
    expect(reasonOf('04-01-06-01-02-01-12.wav')).toMatch(/modality 04/);
    expect(reasonOf('03-03-06-01-02-01-12.wav')).toMatch(/vocal channel 03/);
    expect(reasonOf('03-01-00-01-02-01-12.wav')).toMatch(/emotion 00/);
    expect(reasonOf('03-01-09-01-02-01-12.wav')).toMatch(/emotion 09/);
    expect(reasonOf('03-01-06-03-02-01-12.wav')).toMatch(/intensity 03/);
    expect(reasonOf('03-01-06-01-03-01-12.wav')).toMatch(/statement 03/);
    expect(reasonOf('03-01-06-01-02-00-12.wav')).toMatch(/repetition 00/);
    expect(reasonOf('03-01-06-01-02-01-00.wav')).toMatch(/actor 00/);
    expect(reasonOf('03-01-06-01-02-01-25.wav')).toMatch(/actor 25/);
  });

  it('rejects song, video-only and strong neutral with a reason', () => {
    expect(reasonOf('03-02-06-01-02-01-12.wav')).toMatch(/vocal channel 02 is song; only speech/);
    expect(reasonOf('02-01-06-01-02-01-12.wav')).toMatch(/video-only/);
    expect(reasonOf('03-01-01-02-01-01-12.wav')).toMatch(/neutral with strong intensity/);
  });

  it('rejects an Actor_NN folder that disagrees with the actor field', () => {
    expect(reasonOf('/d/Actor_05/03-01-06-01-02-01-12.wav')).toMatch(
      /folder Actor_05 disagrees with actor field 12/,
    );
  });

  it('rejects non-audio extensions', () => {
    expect(reasonOf('01-01-06-01-02-01-12.mp4')).toMatch(/extension ".mp4" is not audio/);
    expect(reasonOf('03-01-06-01-02-01-12.txt')).toMatch(/not audio/);
    expect(reasonOf('03-01-06-01-02-01-12')).toMatch(/no extension/);
  });

  it('parses every valid combination and reads the fields back', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.constantFrom(1, 3),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 24 }),
        (modality, emotion, intensity, statement, repetition, actor) => {
          const stem = [modality, 1, emotion, intensity, statement, repetition, actor].map(two).join('-');
          const r = parseRavdessName(`/c/Actor_${two(actor)}/${stem}.wav`);
          if (emotion === 1 && intensity === 2) return !r.ok;
          return (
            r.ok &&
            r.speaker === `ravdess:${two(actor)}` &&
            r.meta.statement === statement &&
            r.meta.repetition === repetition &&
            r.meta.gender === (actor % 2 ? 'male' : 'female')
          );
        },
      ),
    );
  });
});
