import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { countByClass, labelSets } from './labels.ts';
import { detectCorpus, listAudioFiles, parseCorpusFiles, scanCorpus } from './scan.ts';
import { DATA_DIR, EMODB_DIR, RAVDESS_DIR } from './test-data.ts';
import { AUGMENT_KEY_NAMESPACE, augmentKey, type CorpusItem } from './types.ts';

const countBy = (items: CorpusItem[], key: (i: CorpusItem) => string) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

let tmp: string[] = [];
/** A temporary folder holding empty files at the given relative paths. */
async function folderWith(files: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'emostream-scan-'));
  tmp.push(dir);
  for (const f of files) {
    await mkdir(dirname(join(dir, f)), { recursive: true });
    await writeFile(join(dir, f), '');
  }
  return dir;
}
afterEach(async () => {
  await Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true })));
  tmp = [];
});

describe('scanCorpus on the shared copies', () => {
  it('finds the data beside the repository', () => {
    if (process.env.EMOSTREAM_DATA === undefined) expect(DATA_DIR).toMatch(/\/shared\/data$/);
  });

  it('recognises RAVDESS: 1440 items, 24 speakers, neutral 96 and 192 of every other emotion', async () => {
    const scan = await scanCorpus(RAVDESS_DIR);
    expect(scan.corpus).toBe('ravdess');
    expect(scan.rejected).toEqual([]);
    expect(scan.items).toHaveLength(1440);
    expect(countBy(scan.items, (i) => i.label)).toEqual({
      neutral: 96,
      calm: 192,
      happy: 192,
      sad: 192,
      angry: 192,
      fearful: 192,
      disgust: 192,
      surprised: 192,
    });
    expect(new Set(scan.items.map((i) => i.speaker)).size).toBe(24);
    expect(scan.items.every((i) => i.path.startsWith(RAVDESS_DIR) && i.corpus === 'ravdess')).toBe(true);
    // ekman7 merges calm into neutral: 96 + 192.
    expect(countByClass(scan.items, labelSets.ekman7)).toEqual({
      counts: { neutral: 288, happy: 192, sad: 192, angry: 192, fearful: 192, disgust: 192, surprised: 192 },
      excluded: 0,
    });
  });

  it('recognises EmoDB: 535 items, 10 speakers, the documented class counts', async () => {
    const scan = await scanCorpus(EMODB_DIR);
    expect(scan.corpus).toBe('emodb');
    expect(scan.rejected).toEqual([]);
    expect(scan.items).toHaveLength(535);
    expect(countBy(scan.items, (i) => i.label)).toEqual({
      angry: 127,
      boredom: 81,
      neutral: 79,
      happy: 71,
      fearful: 69,
      sad: 62,
      disgust: 46,
    });
    expect(new Set(scan.items.map((i) => i.speaker)).size).toBe(10);
  });

  it('scans the folder of both corpora by majority and names the minority as rejects', async () => {
    const scan = await scanCorpus(DATA_DIR);
    expect(scan.corpus).toBe('ravdess');
    expect(scan.items).toHaveLength(1440);
    expect(scan.rejected).toHaveLength(535);
    expect(scan.rejected[0]?.reason).toMatch(/^not a ravdess name: .*; the name fits the emodb convention$/);
  });

  it('reports EmoDB names as rejects when forced to read them as RAVDESS', async () => {
    const scan = await scanCorpus(EMODB_DIR, { corpus: 'ravdess' });
    expect(scan.items).toEqual([]);
    expect(scan.rejected).toHaveLength(535);
  });
});

describe('scanCorpus on synthetic folders', () => {
  it('reports every file it cannot read, and ignores non-audio files', async () => {
    const dir = await folderWith([
      'Actor_01/03-01-01-01-01-01-01.wav',
      'Actor_01/03-01-05-02-01-01-01.WAV',
      'Actor_02/03-01-03-01-02-02-02.flac',
      'Actor_02/deep/er/03-01-08-02-02-02-02.mp3',
      'Actor_03/03-01-02-01-01-01-03.ogg',
      'Actor_01/03-02-01-01-01-01-01.wav', // song
      'Actor_01/03-01-01-02-01-01-01.wav', // strong neutral
      'Actor_01/03-01-03-01-01-01-25.wav', // actor 25
      'Actor_01/03-01-03-01-01-01.wav', // 6 fields
      'Actor_01/03-01-03-01-01-01-02.wav', // folder disagrees
      'Actor_01/._03-01-01-01-01-01-01.wav', // macOS metadata
      'Actor_01/notes.wav',
      'Actor_01/03a01Fa.wav', // EmoDB name
      'copy/Actor_01/03-01-01-01-01-01-01.flac', // second copy of the first file
      'Actor_01/03-01-01-01-01-01-01.txt', // not audio: ignored
      'README.md',
      'video/01-01-01-01-01-01-01.mp4', // not audio: ignored
    ]);
    const scan = await scanCorpus(dir);
    expect(scan.corpus).toBe('ravdess');
    expect(scan.items.map((i) => i.path.slice(dir.length + 1))).toEqual([
      'Actor_01/03-01-01-01-01-01-01.wav',
      'Actor_01/03-01-05-02-01-01-01.WAV',
      'Actor_02/03-01-03-01-02-02-02.flac',
      'Actor_02/deep/er/03-01-08-02-02-02-02.mp3',
      'Actor_03/03-01-02-01-01-01-03.ogg',
    ]);
    const rejects = Object.fromEntries(scan.rejected.map((r) => [r.path.slice(dir.length + 1), r.reason]));
    expect(rejects).toEqual({
      'Actor_01/03-01-01-02-01-01-01.wav':
        'not a ravdess name: neutral with strong intensity (02) does not exist in RAVDESS',
      'Actor_01/03-01-03-01-01-01-02.wav':
        'not a ravdess name: folder Actor_01 disagrees with actor field 02',
      'Actor_01/03-01-03-01-01-01-25.wav': 'not a ravdess name: actor 25 is not 01..24',
      'Actor_01/03-01-03-01-01-01.wav': expect.stringMatching(
        /^not a ravdess name: RAVDESS names have 7 fields/,
      ),
      'Actor_01/03-02-01-01-01-01-01.wav':
        'not a ravdess name: vocal channel 02 is song; only speech (01) is used',
      'Actor_01/03a01Fa.wav': expect.stringMatching(/the name fits the emodb convention$/),
      'Actor_01/._03-01-01-01-01-01-01.wav': expect.stringMatching(/AppleDouble/),
      'Actor_01/notes.wav': expect.stringMatching(/^not a ravdess name/),
      'copy/Actor_01/03-01-01-01-01-01-01.flac': `duplicate recording of ${join(dir, 'Actor_01/03-01-01-01-01-01-01.wav')}`,
    });
  });

  it('recognises each corpus from its names', async () => {
    const cases: [string, string[]][] = [
      [
        'cremad',
        ['AudioWAV/1001_DFA_ANG_XX.wav', 'AudioWAV/1001_IEO_HAP_HI.wav', 'AudioWAV/1091_WSI_NEU_XX.wav'],
      ],
      [
        'tess',
        [
          'OAF_angry/OAF_back_angry.wav',
          'YAF_pleasant_surprised/YAF_dog_ps.wav',
          'OAF_neutral/OA_bite_neutral.wav',
        ],
      ],
      ['savee', ['AudioData/DC/a01.wav', 'AudioData/JE/sa15.wav', 'AudioData/KL/n30.wav']],
      ['savee', ['ALL/DC_a01.wav', 'ALL/JE_sa15.wav', 'ALL/KL_n30.wav']],
      ['emodb', ['wav/03a01Fa.wav', 'wav/16b10Lb.wav', 'wav/11a05Wc.wav']],
    ];
    for (const [corpus, files] of cases) {
      const scan = await scanCorpus(await folderWith(files));
      expect([scan.corpus, scan.items.length, scan.rejected], files.join(' ')).toEqual([corpus, 3, []]);
    }
  });

  it('refuses to guess when no convention fits a majority, naming the candidates', async () => {
    const mixed = await folderWith([
      '03-01-01-01-01-01-01.wav',
      '03-01-02-01-01-01-01.wav',
      '03a01Fa.wav',
      '08a01Fa.wav',
      'take1.wav',
    ]);
    await expect(scanCorpus(mixed)).rejects.toThrow(
      /no convention fits a majority.*candidates: ravdess \(2 of 4 recognised files\), emodb \(2 of 4 recognised files\)/,
    );
    // Forcing the corpus turns the same folder into items and rejects.
    const forced = await scanCorpus(mixed, { corpus: 'emodb' });
    expect([forced.items.length, forced.rejected.length]).toEqual([2, 3]);
  });

  it('lets names that fit no convention abstain from the vote', async () => {
    const dir = await folderWith(['03-01-01-01-01-01-01.wav', 'take1.wav', 'take2.wav', 'take3.wav']);
    const scan = await scanCorpus(dir);
    expect([scan.corpus, scan.items.length, scan.rejected.length]).toEqual(['ravdess', 1, 3]);
  });

  it('fails clearly when no name fits any convention, or there is no audio at all', async () => {
    const unknown = await folderWith(['take1.wav', 'take2.flac']);
    await expect(scanCorpus(unknown)).rejects.toThrow(
      /none of 2 audio file names fits any convention \(tried ravdess, cremad, tess, savee, emodb; e\.g\. take1\.wav/,
    );
    const empty = await folderWith(['README.md']);
    await expect(scanCorpus(empty)).rejects.toThrow(/no audio files \(\.wav \.flac \.mp3 \.ogg\) under/);
    await expect(scanCorpus(join(empty, 'absent'))).rejects.toThrow(/ENOENT/);
  });

  it('rejects invalid corpus options with a TypeError', async () => {
    const dir = await folderWith(['03-01-01-01-01-01-01.wav']);
    await expect(scanCorpus(dir, { corpus: 'manifest' })).rejects.toThrow(/use loadManifest/);
    await expect(scanCorpus(dir, { corpus: 'iemocap' as never })).rejects.toThrow(TypeError);
  });

  it('follows symbolic links once, even when they loop', async () => {
    const dir = await folderWith(['real/03-01-01-01-01-01-01.wav']);
    await symlink(join(dir, 'real'), join(dir, 'linked'));
    await symlink(dir, join(dir, 'real', 'loop'));
    const files = await listAudioFiles(dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['linked/03-01-01-01-01-01-01.wav']);
  });

  it('keys augmentation by corpus and path inside the corpus folder, wherever the folder sits', async () => {
    const files = ['Actor_01/03-01-05-02-01-01-01.wav', 'Actor_02/03-01-01-01-01-01-02.wav'];
    const [a, b] = [await folderWith(files), await folderWith(files)];
    const [left, right] = [(await scanCorpus(a)).items, (await scanCorpus(b)).items];
    expect(left.map((i) => i.within)).toEqual(files);
    expect(left.map(augmentKey)).toEqual(right.map(augmentKey));
    expect(left.map((i) => i.path)).not.toEqual(right.map((i) => i.path));
    // The shipped default was trained with the corpora at /work/shared/data/<corpus>: its seeds were
    // those absolute paths, and the key spells them whatever the folder is called or where it is.
    expect(augmentKey(left[0]!)).toBe(`${AUGMENT_KEY_NAMESPACE}/ravdess/${files[0]}`);
    // Items parsed from bare paths have no folder to be relative to and keep the absolute path.
    const [bare] = parseCorpusFiles([join(a, files[0]!)], 'ravdess').items;
    expect(bare!.within).toBeUndefined();
    expect(augmentKey(bare!)).toBe(join(a, files[0]!));
  });

  it('does not let AppleDouble twins outvote the corpus', () => {
    const paths = ['/a/03a01Fa.wav', '/a/._03a01Fa.wav', '/a/16b10Lb.wav', '/a/._16b10Lb.wav'];
    expect(detectCorpus(paths)).toBe('emodb');
  });
});
