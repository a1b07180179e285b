/**
 * A small RFC 4180 CSV reader and writer for manifests.
 *
 * Written here rather than imported because no CSV package is installed in the workspace and the
 * format is small enough to get exactly right with tests; what a manifest needs beyond
 * `line.split(',')` is quoted fields (paths with commas, quotes or line breaks) and, above all, the
 * physical line number of every record so that bad rows can be reported where the user can find them.
 */

/** One record of a CSV text. */
export interface CsvRecord {
  /** 1-based physical line on which the record starts (quoted line breaks count as lines). */
  line: number;
  /** The record's fields, unquoted; on error, the fields read before it. */
  fields: string[];
  /** Set when the record is malformed; its fields must not be used. */
  error?: string;
}

function isBreak(c: string | undefined): boolean {
  return c === '\n' || c === '\r';
}

/**
 * Parses CSV text into records. Follows RFC 4180 (comma separator, fields optionally enclosed in
 * double quotes, `""` for a quote inside a quoted field, line breaks allowed inside quotes), and
 * also accepts LF and lone CR line ends, a leading byte-order mark, and a missing final line end.
 * Blank lines are skipped. A malformed record (a quote inside an unquoted field, text after a
 * closing quote, an unterminated quote) is returned with `error` set and parsing resumes on the next
 * line, so one bad row cannot hide the others; an unterminated quote consumes the rest of the text.
 *
 * @example
 * parseCsv('path,label\n"a,b.wav",sad\n')
 * // [{ line: 1, fields: ['path', 'label'] }, { line: 2, fields: ['a,b.wav', 'sad'] }]
 */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const n = src.length;
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;

  const consumeBreak = (): void => {
    i += src[i] === '\r' && src[i + 1] === '\n' ? 2 : 1;
    line += 1;
  };
  const skipRestOfLine = (): void => {
    while (i < n && !isBreak(src[i])) i += 1;
    if (i < n) consumeBreak();
  };

  while (i < n) {
    if (isBreak(src[i])) {
      consumeBreak();
      continue;
    }
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    for (;;) {
      let value = '';
      if (src[i] === '"') {
        i += 1;
        let closed = false;
        while (i < n) {
          const c = src[i] as string;
          if (c === '"') {
            if (src[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i += 1;
            closed = true;
            break;
          }
          // A CRLF pair is one line end: count it at its LF.
          if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line += 1;
          value += c;
          i += 1;
        }
        if (!closed) {
          error = 'unterminated quoted field';
          fields.push(value);
          break;
        }
        if (i < n && src[i] !== ',' && !isBreak(src[i])) {
          error = `unexpected ${JSON.stringify(src[i])} after a closing quote`;
          fields.push(value);
          skipRestOfLine();
          break;
        }
      } else {
        let j = i;
        while (j < n && src[j] !== ',' && !isBreak(src[j]) && src[j] !== '"') j += 1;
        value = src.slice(i, j);
        i = j;
        if (src[i] === '"') {
          error = 'quote inside an unquoted field (quote the whole field and double inner quotes)';
          fields.push(value);
          skipRestOfLine();
          break;
        }
      }
      fields.push(value);
      if (i >= n) break;
      if (src[i] === ',') {
        i += 1;
        continue;
      }
      consumeBreak();
      break;
    }
    records.push(error === undefined ? { line: start, fields } : { line: start, fields, error });
  }
  return records;
}

/** Encodes one field, quoting it only when it holds a comma, quote or line break. */
export function formatCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Encodes one record without its line end. A record of a single empty field is written as `""`
 * so that it does not read back as a skipped blank line.
 */
export function formatCsvRow(fields: readonly string[]): string {
  if (fields.length === 1 && fields[0] === '') return '""';
  return fields.map(formatCsvField).join(',');
}
