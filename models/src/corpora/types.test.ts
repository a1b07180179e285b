import { describe, expect, it } from 'vitest';
import { applyChannel } from '../eval/channel.ts';
import { clipKey } from './types.ts';

describe('clipKey', () => {
  it('names a recording by speaker and file name, wherever the corpus sits', () => {
    const a = { speaker: 'ravdess:19', path: '/work/shared/data/ravdess/Actor_19/03-01-05-02-01-01-19.flac' };
    const b = {
      speaker: 'ravdess:19',
      path: '/tmp/ci/shared/data/ravdess/Actor_19/03-01-05-02-01-01-19.flac',
    };
    expect(clipKey(a)).toBe(clipKey(b));
    expect(clipKey(a)).toBe('ravdess:19/03-01-05-02-01-01-19.flac');
    // SAVEE reuses file names across speakers: the speaker keeps them apart.
    expect(clipKey({ speaker: 'savee:DC', path: '/d/savee/DC/a01.wav' })).not.toBe(
      clipKey({ speaker: 'savee:JE', path: '/d/savee/JE/a01.wav' }),
    );
  });

  it("seeds an evaluation channel's draw the same in two checkouts", async () => {
    const x = Float32Array.from({ length: 16000 }, (_, i) => 0.2 * Math.sin(i * 0.05));
    const at = (path: string) =>
      applyChannel(x, { kind: 'noise', snrDb: 10 }, clipKey({ speaker: 's', path }));
    expect(await at('/one/place/clip.wav')).toEqual(await at('/another/place/clip.wav'));
    expect(await at('/one/place/clip.wav')).not.toEqual(await at('/one/place/other.wav'));
  });
});
