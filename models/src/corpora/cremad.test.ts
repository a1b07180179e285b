import { describe, expect, it } from 'vitest';
import { CREMAD_SENTENCES, parseCremadName } from './cremad.ts';

const reasonOf = (path: string): string => {
  const r = parseCremadName(path);
  if (r.ok) throw new Error(`${path} parsed, expected a rejection`);
  return r.reason;
};

describe('parseCremadName', () => {
  it('reads a name of the original AudioWAV release', () => {
    expect(parseCremadName('/dl/CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav')).toEqual({
      ok: true,
      speaker: 'cremad:1001',
      label: 'angry',
      meta: { utterance: '1001_DFA_ANG_XX', actor: 1001, sentence: 'DFA', level: 'unspecified' },
    });
    const r = parseCremadName('1091_IEO_HAP_HI.flac');
    expect(r.ok && [r.speaker, r.label, r.meta.level]).toEqual(['cremad:1091', 'happy', 'high']);
  });

  it('accepts all 12 sentences, six emotions and four levels', () => {
    expect(Object.keys(CREMAD_SENTENCES)).toHaveLength(12);
    const emotions = {
      ANG: 'angry',
      DIS: 'disgust',
      FEA: 'fearful',
      HAP: 'happy',
      NEU: 'neutral',
      SAD: 'sad',
    };
    for (const sentence of Object.keys(CREMAD_SENTENCES)) {
      for (const [code, label] of Object.entries(emotions)) {
        for (const level of ['LO', 'MD', 'HI', 'XX']) {
          const r = parseCremadName(`1050_${sentence}_${code}_${level}.wav`);
          expect(r.ok && r.label, `${sentence} ${code} ${level}`).toBe(label);
        }
      }
    }
  });

  it('rejects wrong field counts', () => {
    expect(reasonOf('1001_DFA_ANG.wav')).toMatch(/4 fields .* has 3/);
    expect(reasonOf('1001_DFA_ANG_XX_2.wav')).toMatch(/has 5/);
    expect(reasonOf('1001-DFA-ANG-XX.wav')).toMatch(/has 1/);
  });

  it('rejects out-of-range or unknown codes', () => {
    expect(reasonOf('1000_DFA_ANG_XX.wav')).toMatch(/actor 1000 is not 1001..1091/);
    expect(reasonOf('1092_DFA_ANG_XX.wav')).toMatch(/actor 1092/);
    expect(reasonOf('101_DFA_ANG_XX.wav')).toMatch(/four-digit/);
    expect(reasonOf('1001_XYZ_ANG_XX.wav')).toMatch(/sentence "XYZ" is not one of IEO/);
    expect(reasonOf('1001_dfa_ANG_XX.wav')).toMatch(/sentence "dfa"/);
    expect(reasonOf('1001_DFA_SUR_XX.wav')).toMatch(/emotion "SUR"/);
    expect(reasonOf('1001_DFA_ANG_VH.wav')).toMatch(/level "VH"/);
    // Prototype keys must not pass as codes.
    expect(reasonOf('1001_DFA_constructor_XX.wav')).toMatch(/emotion "constructor"/);
    expect(reasonOf('1001_toString_ANG_XX.wav')).toMatch(/sentence "toString"/);
  });

  it('rejects non-audio extensions', () => {
    expect(reasonOf('1001_DFA_ANG_XX.flv')).toMatch(/not audio/);
  });
});
