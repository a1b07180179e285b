import { describe, expect, it } from 'vitest';
import { parseTessName } from './tess.ts';

const reasonOf = (path: string): string => {
  const r = parseTessName(path);
  if (r.ok) throw new Error(`${path} parsed, expected a rejection`);
  return r.reason;
};

describe('parseTessName', () => {
  it('reads names in the folder layout of the common release', () => {
    expect(parseTessName('/dl/TESS Toronto emotional speech set data/OAF_angry/OAF_back_angry.wav')).toEqual({
      ok: true,
      speaker: 'tess:OAF',
      label: 'angry',
      meta: { utterance: 'OAF_back_angry', word: 'back', age: 'older', gender: 'female' },
    });
    const r = parseTessName('/dl/tess/YAF_pleasant_surprised/YAF_dog_ps.wav');
    expect(r.ok && [r.speaker, r.label, r.meta.age]).toEqual(['tess:YAF', 'surprised', 'younger']);
  });

  it('maps the seven emotion words', () => {
    const expected = {
      angry: 'angry',
      disgust: 'disgust',
      fear: 'fearful',
      happy: 'happy',
      neutral: 'neutral',
      ps: 'surprised',
      sad: 'sad',
    };
    for (const [word, label] of Object.entries(expected)) {
      const r = parseTessName(`YAF_chair_${word}.wav`);
      expect(r.ok && r.label).toBe(label);
    }
  });

  it('accepts capitalisation variants and keys them to one utterance', () => {
    const a = parseTessName('YAF_germ_Fear.wav');
    const b = parseTessName('yaf_Germ_fear.flac');
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect([a.speaker, a.label]).toEqual(['tess:YAF', 'fearful']);
      expect(a.meta.utterance).toBe(b.meta.utterance);
    }
  });

  it('reads the one misnamed file of the release as speaker OAF', () => {
    const r = parseTessName('/dl/tess/OAF_neutral/OA_bite_neutral.wav');
    expect(r.ok && [r.speaker, r.label, r.meta.utterance]).toEqual([
      'tess:OAF',
      'neutral',
      'OAF_bite_neutral',
    ]);
    // The erratum is that exact file, not a licence to read "OA" as OAF.
    expect(reasonOf('OA_back_neutral.wav')).toMatch(/speaker "OA" is not OAF or YAF/);
  });

  it('rejects unknown speakers, emotions, words and field counts', () => {
    expect(reasonOf('MAF_back_angry.wav')).toMatch(/speaker "MAF"/);
    expect(reasonOf('OAF_back_surprise.wav')).toMatch(/emotion "surprise" is not one of/);
    expect(reasonOf('OAF_back_pleasant_surprise.wav')).toMatch(/3 fields .* has 4/);
    expect(reasonOf('OAF_back.wav')).toMatch(/has 2/);
    expect(reasonOf('OAF_b4ck_angry.wav')).toMatch(/word "b4ck" is not letters only/);
    expect(reasonOf('OAF__angry.wav')).toMatch(/word ""/);
    expect(reasonOf('OAF_back_constructor.wav')).toMatch(/emotion "constructor"/);
    expect(reasonOf('OAF_back_angry.aiff')).toMatch(/not audio/);
  });
});
