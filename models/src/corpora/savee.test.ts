import { describe, expect, it } from 'vitest';
import { parseSaveeName } from './savee.ts';

const reasonOf = (path: string): string => {
  const r = parseSaveeName(path);
  if (r.ok) throw new Error(`${path} parsed, expected a rejection`);
  return r.reason;
};

describe('parseSaveeName', () => {
  it('reads the original AudioData layout, speaker as folder', () => {
    expect(parseSaveeName('/dl/SAVEE/AudioData/DC/a01.wav')).toEqual({
      ok: true,
      speaker: 'savee:DC',
      label: 'angry',
      meta: { utterance: 'DC_a01', sentence: 1, gender: 'male' },
    });
  });

  it('reads the flattened naming, speaker as prefix, to the same utterance', () => {
    const flat = parseSaveeName('/dl/savee/ALL/DC_a01.wav');
    expect(flat.ok && [flat.speaker, flat.label, flat.meta.utterance]).toEqual([
      'savee:DC',
      'angry',
      'DC_a01',
    ]);
    const both = parseSaveeName('/dl/AudioData/KL/KL_sa15.flac');
    expect(both.ok && [both.speaker, both.label]).toEqual(['savee:KL', 'sad']);
  });

  it('maps the seven emotion codes', () => {
    const expected = {
      a: 'angry',
      d: 'disgust',
      f: 'fearful',
      h: 'happy',
      n: 'neutral',
      sa: 'sad',
      su: 'surprised',
    };
    for (const [code, label] of Object.entries(expected)) {
      const r = parseSaveeName(`JE_${code}07.wav`);
      expect(r.ok && r.label).toBe(label);
    }
  });

  it('accepts 15 sentences per emotion and 30 neutral', () => {
    expect(parseSaveeName('JK_su15.wav').ok).toBe(true);
    expect(parseSaveeName('JK_n30.wav').ok).toBe(true);
    expect(reasonOf('JK_su16.wav')).toMatch(/sentence number "16" is not 01..15/);
    expect(reasonOf('JK_n31.wav')).toMatch(/"31" is not 01..30/);
    expect(reasonOf('JK_h00.wav')).toMatch(/"00"/);
    expect(reasonOf('JK_h1.wav')).toMatch(/"1"/);
    expect(reasonOf('JK_h001.wav')).toMatch(/"001"/);
  });

  it('needs a known speaker from prefix or folder, and both to agree', () => {
    expect(reasonOf('/dl/savee/a01.wav')).toMatch(
      /no speaker prefix, and folder "savee" is not DC, JE, JK or KL/,
    );
    expect(reasonOf('XX_a01.wav')).toMatch(/speaker "XX"/);
    expect(reasonOf('dc_a01.wav')).toMatch(/speaker "dc"/);
    expect(reasonOf('/AudioData/JE/DC_a01.wav')).toMatch(/folder JE disagrees with speaker prefix DC/);
  });

  it('rejects unknown codes and shapes', () => {
    expect(reasonOf('DC_b01.wav')).toMatch(/emotion code "b"/);
    expect(reasonOf('DC_A01.wav')).toMatch(/SAVEE names are/);
    expect(reasonOf('DC_a01_x.wav')).toMatch(/SAVEE names are/);
    expect(reasonOf('DC_a01.m4a')).toMatch(/not audio/);
  });
});
