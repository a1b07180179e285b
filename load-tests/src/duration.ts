/**
 * Durations as people write them on a command line or in a k6 env var: `500ms`, `90s`, `5m`,
 * `1h30m`, or a bare number of seconds. Pure (no Node APIs), so the k6 script can import it.
 *
 * @example
 * parseDurationS('1m30s'); // 90
 * formatK6Duration(90); // '90s'
 */

const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * Seconds in `text`.
 *
 * @throws {RangeError} for anything that is not a non-negative duration.
 */
export function parseDurationS(text: string | number): number {
  if (typeof text === 'number') {
    if (!(Number.isFinite(text) && text >= 0)) throw new RangeError(`invalid duration: ${text}`);
    return text;
  }
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const parts = s.match(/(\d+(?:\.\d+)?)(ms|s|m|h)/g);
  if (!parts || parts.join('') !== s)
    throw new RangeError(`invalid duration '${text}' (e.g. 500ms, 90s, 5m, 1h30m)`);
  let total = 0;
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(p);
    if (!m) throw new RangeError(`invalid duration '${text}'`);
    total += Number(m[1]) * (UNIT_S[m[2] ?? ''] ?? Number.NaN);
  }
  return total;
}

/** A duration in k6's syntax, to the millisecond. */
export function formatK6Duration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
