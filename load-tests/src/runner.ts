/**
 * Node load runner: the k6 scenarios with the SDK, printing the report as Markdown and JSON.
 * Exits 99 when a threshold fails (as k6 does), 2 on bad arguments.
 *
 * @example
 * npx tsx load-tests/src/runner.ts --url ws://127.0.0.1:8080 --scenario ramp --streams 20 --duration 60s
 * npm run load -- --url ws://127.0.0.1:8080 --scenario constant --streams 8 --duration 30s --format json
 */
import { existsSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadSpeech, readAudio, toS16le, toTelephone } from './audio.ts';
import { parseDurationS } from './duration.ts';
import { type LoadFormat, TELEPHONE, WIDEBAND } from './formats.ts';
import { runLoad } from './load-run.ts';
import { DEFAULT_THRESHOLDS, formatMarkdown } from './metrics.ts';
import { isScenarioName, SCENARIOS } from './scenarios.ts';

interface CliOptions {
  url: string;
  scenario: string;
  streams: number;
  duration?: number;
  session: number;
  audio?: string;
  telephone?: boolean;
  apiKey?: string;
  hopMs?: number;
  earlyMs?: number;
  p95: number;
  maxErrorRate: number;
  format: 'md' | 'json' | 'both';
  out?: string;
  quiet?: boolean;
}

const duration = (v: string) => {
  try {
    return parseDurationS(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0)) throw new InvalidArgumentError('must be an integer > 0');
  return n;
};
const number = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
};

/** The audio to send: the file given, else the format's default file, else speech made in memory. */
async function audioBytes(
  path: string | undefined,
  format: LoadFormat,
): Promise<{ bytes: Uint8Array; source: string }> {
  if (path) return { bytes: readAudio(path, format), source: path };
  if (existsSync(format.defaultPath))
    return { bytes: readAudio(format.defaultPath, format), source: format.defaultPath };
  const speech = await loadSpeech({ seconds: 120 });
  const s16 = toS16le(speech.samples);
  return {
    bytes: format === TELEPHONE ? await toTelephone(s16) : s16,
    source: `${speech.files.length} RAVDESS clips (in memory)`,
  };
}

const program = new Command()
  .name('load')
  .description('stream real speech to an emostream server and measure event latency')
  .requiredOption('--url <url>', 'server URL, e.g. ws://127.0.0.1:8080')
  .option('--scenario <name>', `one of: ${SCENARIOS.join(', ')}`, 'constant')
  .option('--streams <n>', 'peak concurrent streams', positiveInt, 10)
  .option('--duration <d>', 'scenario length (e.g. 60s, 5m); the scenario default when absent', duration)
  .option('--session <d>', 'length of one stream before its user reconnects', duration, 60)
  .option(
    '--audio <path>',
    `raw audio from make-audio.ts: s16le 16 kHz mono (default ${WIDEBAND.defaultPath} if present), or with --telephone 8 kHz mu-law (${TELEPHONE.defaultPath})`,
  )
  .option('--telephone', 'send 8 kHz G.711 mu-law, as a call platform does (narrowband VAD on the server)')
  .option('--api-key <key>', 'API key sent in start')
  .option('--hop-ms <ms>', 'start.options.hopMs', positiveInt)
  .option('--early-ms <ms>', 'start.options.earlyMs (an early emotion per segment)', positiveInt)
  .option('--p95 <ms>', 'threshold on p95 event latency', number, DEFAULT_THRESHOLDS.p95LatencyMs)
  .option(
    '--max-error-rate <r>',
    'threshold on the session error rate',
    number,
    DEFAULT_THRESHOLDS.maxErrorRate,
  )
  .option('--format <f>', 'md, json or both', 'both')
  .option('--out <file>', 'also write the JSON report to this file')
  .option('--quiet', 'no progress lines on stderr')
  .action(async (o: CliOptions) => {
    if (!isScenarioName(o.scenario)) {
      console.error(`unknown scenario '${o.scenario}'; choose one of: ${SCENARIOS.join(', ')}`);
      process.exit(2);
    }
    const format = o.telephone ? TELEPHONE : WIDEBAND;
    const { bytes, source } = await audioBytes(o.audio, format);
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    if (!o.quiet)
      console.error(
        `audio: ${source} (${format.name}); ${o.scenario} with up to ${o.streams} streams against ${o.url}`,
      );
    const report = await runLoad({
      url: o.url,
      scenario: o.scenario,
      streams: o.streams,
      audio: bytes,
      format,
      sessionS: o.session,
      thresholds: { p95LatencyMs: o.p95, maxErrorRate: o.maxErrorRate },
      signal: abort.signal,
      ...(o.duration !== undefined ? { durationS: o.duration } : {}),
      ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      ...(o.hopMs ? { hopMs: o.hopMs } : {}),
      ...(o.earlyMs ? { earlyMs: o.earlyMs } : {}),
      ...(o.quiet ? {} : { onProgress: (line: string) => console.error(line) }),
    });
    if (o.format !== 'json') console.log(formatMarkdown(report));
    if (o.format !== 'md') console.log(JSON.stringify(report));
    if (o.out) writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = report.thresholds.passed ? 0 : 99;
  });

await program.parseAsync();
