import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsvField, formatCsvRow, parseCsv } from './csv.ts';

describe('parseCsv', () => {
  it('reads plain records with their line numbers', () => {
    expect(parseCsv('a,b,c\n1,2,3\n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '2', '3'] },
    ]);
  });

  it('reads quoted commas, doubled quotes and empty fields', () => {
    expect(parseCsv('"a,b","say ""hi""",,""\n')).toEqual([{ line: 1, fields: ['a,b', 'say "hi"', '', ''] }]);
    expect(parseCsv('x,\n')).toEqual([{ line: 1, fields: ['x', ''] }]);
    expect(parseCsv('x,')).toEqual([{ line: 1, fields: ['x', ''] }]);
  });

  it('keeps line breaks inside quotes and counts them as lines', () => {
    const records = parseCsv('h1,h2\n"two\nlines",x\r\n"three\r\n\r\nlines",y\nlast,z');
    expect(records).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['two\nlines', 'x'] },
      { line: 4, fields: ['three\r\n\r\nlines', 'y'] },
      { line: 7, fields: ['last', 'z'] },
    ]);
  });

  it('accepts CRLF, LF and lone CR line ends, a BOM, and skips blank lines', () => {
    expect(parseCsv('\uFEFFa,b\r\n\r\nc,d\re,f\n\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['c', 'd'] },
      { line: 4, fields: ['e', 'f'] },
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\n\n')).toEqual([]);
    // A quoted empty field is a record, not a blank line.
    expect(parseCsv('""\n')).toEqual([{ line: 1, fields: [''] }]);
  });

  it('reports malformed records and resumes on the next line', () => {
    const records = parseCsv('a,b"c,d\nok,1\n"x"y,z\nok,2\n');
    expect(records[0]).toMatchObject({
      line: 1,
      error: expect.stringMatching(/quote inside an unquoted field/),
    });
    expect(records[1]).toEqual({ line: 2, fields: ['ok', '1'] });
    expect(records[2]).toMatchObject({
      line: 3,
      error: expect.stringMatching(/unexpected "y" after a closing quote/),
    });
    expect(records[3]).toEqual({ line: 4, fields: ['ok', '2'] });
    expect(records).toHaveLength(4);
  });

  it('reports an unterminated quote, which swallows the rest of the text', () => {
    const records = parseCsv('a,b\n"open,1\nc,d\n');
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ line: 2, error: 'unterminated quoted field' });
  });
});

describe('formatCsvRow', () => {
  it('quotes only fields that need it', () => {
    expect(formatCsvField('plain text')).toBe('plain text');
    expect(formatCsvField('a,b')).toBe('"a,b"');
    expect(formatCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(formatCsvRow(['x', 'a\nb', ''])).toBe('x,"a\nb",');
    expect(formatCsvRow([''])).toBe('""');
  });

  it('round-trips through parseCsv with exact line numbers, whatever the content and line ends', () => {
    const field = fc.string({
      unit: fc.constantFrom('a', 'é', ' ', ',', '"', '\n', '\r', 'z'),
      maxLength: 6,
    });
    const row = fc.array(field, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 6 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        (rows, eol, final) => {
          const text = rows.map(formatCsvRow).join(eol) + (final ? eol : '');
          const records = parseCsv(text);
          let line = 1;
          const expected = rows.map((fields) => {
            const record = { line, fields };
            const breaks = fields.reduce((n, f) => n + (f.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
            line += breaks + 1;
            return record;
          });
          expect(records).toEqual(expected);
        },
      ),
    );
  });
});
