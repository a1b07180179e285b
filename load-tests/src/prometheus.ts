/**
 * Reads a server's Prometheus metrics (`GET /metrics`) into numbers, so that load tools can take the
 * server's own view of a run (per-stage time, CPU, audio, shed windows) as differences between two
 * scrapes.
 *
 * @example
 * const before = await scrapeMetrics('http://127.0.0.1:8080');
 * // ... load ...
 * const after = await scrapeMetrics('http://127.0.0.1:8080');
 * const stageS = delta(before, after, 'emostream_stage_seconds_total', { stage: 'vad' });
 */

/** Samples by metric name; each holds its labels and value. */
export type MetricSamples = Map<string, { labels: Record<string, string>; value: number }[]>;

/** Parses the Prometheus text format (comments skipped; histogram series keep their suffixed names). */
export function parsePrometheus(text: string): MetricSamples {
  const out: MetricSamples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    const value = Number(m[4]);
    const name = m[1]!;
    let list = out.get(name);
    if (!list) {
      list = [];
      out.set(name, list);
    }
    list.push({ labels, value });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include `match` (0 when absent). */
export function metricValue(
  samples: MetricSamples,
  name: string,
  match: Record<string, string> = {},
): number {
  let sum = 0;
  for (const s of samples.get(name) ?? [])
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  return sum;
}

/** `after - before` of {@link metricValue}. */
export function delta(
  before: MetricSamples,
  after: MetricSamples,
  name: string,
  match: Record<string, string> = {},
): number {
  return metricValue(after, name, match) - metricValue(before, name, match);
}

/**
 * Fetches and parses `GET /metrics` of a server (http:// or ws:// base URL).
 *
 * @throws {Error} when the server does not answer 200.
 */
export async function scrapeMetrics(baseUrl: string): Promise<MetricSamples> {
  const url = new URL('/metrics', baseUrl.replace(/^ws/, 'http'));
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return parsePrometheus(await res.text());
}

/** Names under which a server may publish its process CPU seconds (prom-client default metrics, with or without a prefix). */
export const PROCESS_CPU_METRICS = [
  'emostream_process_cpu_seconds_total',
  'emostream_process_process_cpu_seconds_total',
  'process_cpu_seconds_total',
] as const;

/** Process CPU seconds between two scrapes, from the first of {@link PROCESS_CPU_METRICS} present. */
export function cpuSecondsDelta(before: MetricSamples, after: MetricSamples): number {
  const name = PROCESS_CPU_METRICS.find((n) => after.has(n));
  return name ? delta(before, after, name) : Number.NaN;
}
