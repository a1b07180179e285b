import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, parseManifest } from './manifest.ts';

const MANIFEST = '/corpus/mine/manifest.csv';

describe('parseManifest', () => {
  it('resolves paths against the manifest folder and prefixes speakers', () => {
    const { items, rejected } = parseManifest(
      'path,label,speaker\nclips/a.wav,happy,alice\n/abs/b.flac,sad,bob\n../up/c.ogg,calm,alice\n',
      MANIFEST,
    );
    expect(rejected).toEqual([]);
    expect(items).toEqual([
      {
        path: '/corpus/mine/clips/a.wav',
        corpus: 'manifest',
        speaker: 'manifest:alice',
        within: 'clips/a.wav',
        label: 'happy',
        meta: { manifestLine: 2 },
      },
      {
        path: '/abs/b.flac',
        corpus: 'manifest',
        speaker: 'manifest:bob',
        label: 'sad',
        meta: { manifestLine: 3 },
      },
      {
        path: '/corpus/up/c.ogg',
        corpus: 'manifest',
        speaker: 'manifest:alice',
        within: '../up/c.ogg',
        label: 'calm',
        meta: { manifestLine: 4 },
      },
    ]);
  });

  it('reads quoted fields with commas and quotes, columns in any order, extras as meta', () => {
    const text = 'speaker,gender,path,label\n"Smith, J.",f,"takes/one, two ""final"".wav",angry\n';
    const { items, rejected } = parseManifest(text, MANIFEST);
    expect(rejected).toEqual([]);
    expect(items[0]).toEqual({
      path: '/corpus/mine/takes/one, two "final".wav',
      corpus: 'manifest',
      speaker: 'manifest:Smith, J.',
      within: 'takes/one, two "final".wav',
      label: 'angry',
      meta: { gender: 'f', manifestLine: 2 },
    });
  });

  it('rejects bad rows with their line numbers and keeps the good ones', () => {
    const text = [
      'path,label,speaker',
      'ok1.wav,neutral,s1', // 2
      'bad1.wav,excited,s1', // 3: unknown label
      'bad2.wav,Happy,s1', // 4: labels are exact
      '"multi', // 5-6: a quoted line break moves the next line numbers
      'line.wav",sad,s2',
      'bad3.wav,sad', // 7: field count
      'notes.txt,sad,s2', // 8: not audio
      ',sad,s2', // 9: empty path
      'bad4.wav,sad,', // 10: empty speaker
      'bad5.wav,sad, s2', // 11: spaces around speaker
      'ok1.wav,sad,s3', // 12: duplicate path
      'bad"6.wav,sad,s2', // 13: malformed CSV
      'ok2.mp3,boredom,s3', // 14
    ].join('\n');
    const { items, rejected } = parseManifest(text, MANIFEST);
    expect(items.map((i) => [i.meta.manifestLine, i.label])).toEqual([
      [2, 'neutral'],
      [5, 'sad'],
      [14, 'boredom'],
    ]);
    expect(items[1]?.path).toBe('/corpus/mine/multi\nline.wav');
    expect(rejected.map((r) => r.line)).toEqual([3, 4, 7, 8, 9, 10, 11, 12, 13]);
    expect(rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^line 3: unknown label "excited" \(expected one of neutral, calm, happy/),
      expect.stringMatching(/^line 4: unknown label "Happy"/),
      'line 7: expected 3 fields, got 2',
      expect.stringMatching(/^line 8: ".txt" is not an audio extension/),
      'line 9: empty path',
      'line 10: empty speaker',
      'line 11: speaker " s2" has leading or trailing spaces',
      'line 12: duplicate of line 2',
      expect.stringMatching(/^line 13: quote inside an unquoted field/),
    ]);
    expect(rejected.find((r) => r.line === 3)?.path).toBe('/corpus/mine/bad1.wav');
    expect(rejected.find((r) => r.line === 9)?.path).toBe(`${MANIFEST}:9`);
  });

  it('throws on an unusable header', () => {
    expect(() => parseManifest('', MANIFEST)).toThrow(/empty manifest/);
    expect(() => parseManifest('path,label\na.wav,sad\n', MANIFEST)).toThrow(/header lacks speaker/);
    expect(() => parseManifest('file,emotion,actor\n', MANIFEST)).toThrow(/lacks path, label, speaker/);
    expect(() => parseManifest('path,label,speaker,label\n', MANIFEST)).toThrow(/duplicated columns: label/);
    expect(() => parseManifest('path,label,speaker,manifestLine\n', MANIFEST)).toThrow(/reserved/);
    expect(() => parseManifest('path,"label,speaker\n', MANIFEST)).toThrow(/line 1: bad header/);
  });

  it('accepts a header-only manifest as empty', () => {
    expect(parseManifest('path,label,speaker\r\n', MANIFEST)).toEqual({ items: [], rejected: [] });
  });
});

describe('loadManifest', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emostream-manifest-'));
    await mkdir(join(dir, 'clips'));
    for (const f of ['b.wav', 'a, c.flac']) await writeFile(join(dir, 'clips', f), 'RIFF');
    await mkdir(join(dir, 'clips', 'folder.wav'));
    const csv = [
      'path,label,speaker',
      'clips/b.wav,fearful,p1',
      'clips/missing.wav,sad,p1',
      '"clips/a, c.flac",surprised,p2',
      'clips/b.wav,angry,p1',
      'clips/folder.wav,sad,p1',
    ].join('\r\n');
    await writeFile(join(dir, 'manifest.csv'), `\uFEFF${csv}\r\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads existing files sorted by path and rejects the rest by line', async () => {
    const scan = await loadManifest(join(dir, 'manifest.csv'));
    expect(scan.corpus).toBe('manifest');
    expect(scan.items.map((i) => [i.path, i.label, i.speaker])).toEqual([
      [join(dir, 'clips', 'a, c.flac'), 'surprised', 'manifest:p2'],
      [join(dir, 'clips', 'b.wav'), 'fearful', 'manifest:p1'],
    ]);
    expect(scan.rejected).toEqual([
      { path: join(dir, 'clips', 'missing.wav'), reason: 'line 3: file not found', line: 3 },
      { path: join(dir, 'clips', 'b.wav'), reason: 'line 5: duplicate of line 2', line: 5 },
      { path: join(dir, 'clips', 'folder.wav'), reason: 'line 6: file not found', line: 6 },
    ]);
  });

  it('fails clearly when the manifest itself is missing', async () => {
    await expect(loadManifest(join(dir, 'nope.csv'))).rejects.toThrow(/ENOENT.*nope\.csv/);
  });
});
