import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandLine, withoutOptions } from './common.ts';

describe('commandLine', () => {
  it('leaves plain arguments bare and quotes the rest', () => {
    expect(
      commandLine('train', ['--data', '../shared/data/ravdess', '--val-speakers', 'ravdess:01,emodb:03']),
    ).toBe('npm run train -- --data ../shared/data/ravdess --val-speakers ravdess:01,emodb:03');
    expect(
      commandLine('ensemble', ['--temperature-factor-note', "the speakers' factor (0.738); see README"]),
    ).toBe(`npm run ensemble -- --temperature-factor-note 'the speakers'\\'' factor (0.738); see README'`);
  });

  it('property: a shell splits the line back into the same arguments', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1, maxLength: 12 }).filter((a) => !a.includes('\0')),
          { maxLength: 5 },
        ),
        (args) => {
          const line = commandLine('x', args).replace(/^npm run x -- /, '');
          const out = execFileSync('/bin/sh', [
            '-c',
            `for a in ${line}; do printf '%s\\0' "$a"; done`,
          ]).toString('utf8');
          expect(out.split('\0').slice(0, -1)).toEqual(args);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('withoutOptions', () => {
  it('drops options and their quoted values from a recorded command, whatever the values hold', () => {
    const drop = ['--temperature-factor', '--temperature-factor-note'];
    expect(
      withoutOptions(
        commandLine('ensemble', [
          '--model',
          'a',
          '--temperature-factor',
          '0.99',
          '--temperature-factor-note',
          "a 4+2 ensemble's T",
          '--out',
          'x',
        ]),
        drop,
      ),
    ).toBe('npm run ensemble -- --model a --out x');
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z/.]{1,8}$/), { minLength: 1, maxLength: 4 }),
        fc.array(
          fc.string({ minLength: 1, maxLength: 12 }).filter((a) => !a.includes('\0')),
          {
            minLength: 2,
            maxLength: 2,
          },
        ),
        fc.nat(4),
        (kept, values, at) => {
          const i = Math.min(at, kept.length);
          const dropped = ['--temperature-factor', values[0]!, '--temperature-factor-note', values[1]!];
          const line = commandLine('x', [...kept.slice(0, i), ...dropped, ...kept.slice(i)]);
          expect(withoutOptions(line, drop)).toBe(commandLine('x', kept));
        },
      ),
      { numRuns: 200 },
    );
  });
});
