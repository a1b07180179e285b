/**
 * `npm run analyze -- <files or folders>... [--model <dir>] [--json <out>] [--csv <out>] [--session] [--early-ms <ms>]`
 *
 * Emotion analysis of recordings with the live pipeline's own core (the seeds' "predict emotion
 * for an audio file", and batch processing of recorded calls): a per-window timeline and a per-file
 * summary (the same `summary` the server sends when a stream ends). Any format and sample rate the
 * decoder reads; each file is one stream, or, with `--session`, all files are one speaker's session.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { NormalizerState } from '@emostream/shared/analysis/normalizer';
import { type Bandwidth, detectsBandwidth, resolveBandwidth } from '@emostream/shared/analysis/vad';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { progress } from '@emostream/shared/cli/progress';
import {
  EARLY_MS_RANGE,
  type EmotionEvent,
  isEarlyMs,
  type SpeechEvent,
  type SummaryEvent,
} from '@emostream/shared/protocol/messages';
import { SummaryBuilder } from '@emostream/shared/protocol/summary';
import { Command, InvalidArgumentError, Option } from 'commander';
import { analyzeSamples, type WindowResult } from '../core/clip-analysis.ts';
import { loadModelPackage } from '../engine/model-package.ts';
import { SileroVad } from '../vad/silero.ts';

const AUDIO = new Set(['.wav', '.flac', '.mp3', '.ogg', '.oga', '.opus']);
const here = (p: string) => resolve(process.env.INIT_CWD ?? process.cwd(), p);

async function collectFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string) => {
    const s = await stat(p);
    if (s.isDirectory()) {
      for (const e of (await readdir(p)).sort()) await walk(join(p, e));
    } else if (AUDIO.has(extname(p).toLowerCase())) out.push(p);
  };
  for (const p of paths) await walk(here(p));
  return out;
}

export interface FileAnalysis {
  path: string;
  durationS: number;
  summary: SummaryEvent | null;
  windows: WindowResult[];
  /**
   * The band the file was analysed as: from its rate with `--bandwidth auto`, then, for files above
   * 8 kHz, as found from the audio (a telephone call recorded at 16 kHz switches to narrowband).
   */
  bandwidth?: Bandwidth;
  /** With `auto` above 8 kHz, where (ms) the band was found to be narrowband, when it was. */
  narrowbandFromMs?: number;
  error?: string;
}

const program = new Command()
  .name('analyze')
  .description('Analyse the emotions in audio files with the streaming pipeline')
  .argument('<paths...>', 'audio files or folders (searched recursively)')
  .option('--model <dir>', 'model package', 'models/default')
  .option('--json <file>', 'write timelines and summaries as JSON')
  .option('--csv <file>', 'write the per-window timeline as CSV')
  .option('--session', 'treat all files as one speaker session (normalisation carries over)')
  .option(
    '--early-ms <ms>',
    `also an early, provisional window per segment after this much of it, as a stream's options.earlyMs (${EARLY_MS_RANGE.min}-${EARLY_MS_RANGE.max}, a multiple of ${EARLY_MS_RANGE.step}); kind "early" in the timelines, left out of the summaries`,
    (v: string) => {
      const ms = Number(v);
      const r = EARLY_MS_RANGE;
      if (!isEarlyMs(ms)) throw new InvalidArgumentError(`a multiple of ${r.step} from ${r.min} to ${r.max}`);
      return ms;
    },
  )
  .addOption(
    new Option(
      '--bandwidth <band>',
      "the band the audio carries, as a stream's options.bandwidth: narrowband (telephone) runs the VAD in Silero's 8 kHz mode; auto = narrowband for files at 8 kHz or less, and for wider files narrowband from where their audio is found to be telephone audio",
    )
      .choices(['auto', 'narrowband', 'wideband'])
      .default('auto'),
  )
  .option('--quiet', 'no progress output')
  .action(async (paths: string[], opts) => {
    const files = await collectFiles(paths);
    if (files.length === 0) throw new Error('no audio files found');
    const pkg = await loadModelPackage(here(opts.model));
    const vad = await SileroVad.load();
    const { classes, id } = pkg.config;
    const results: FileAnalysis[] = [];
    let session: NormalizerState | undefined;
    const bar = progress('analyze', files.length, { quiet: opts.quiet });
    for (const path of files) {
      try {
        const audio = await decodeAudioFile(path);
        const rate = audio.original.sampleRate;
        const r = await analyzeSamples(audio.samples, pkg, {
          vad,
          session: opts.session ? session : undefined,
          bandwidth: resolveBandwidth(opts.bandwidth, rate),
          detectBandwidth: detectsBandwidth(opts.bandwidth, rate),
          ...(opts.earlyMs ? { earlyMs: opts.earlyMs as number } : {}),
        });
        session = r.session;
        const totals = new SummaryBuilder(classes);
        const streamId = path;
        const emittedAt = Date.now();
        for (const ev of r.vad) {
          if (ev.type !== 'speechEnd') continue;
          const speech: SpeechEvent = {
            type: 'speech',
            streamId,
            event: 'end',
            segment: 0,
            startMs: (ev.startSample / 16000) * 1000,
            endMs: (ev.endSample / 16000) * 1000,
            detectedMs: (ev.detectedSample / 16000) * 1000,
            emittedAt,
          } as SpeechEvent;
          totals.add(speech);
        }
        r.windows.forEach((w, seq) => {
          const e = {
            type: 'emotion',
            streamId,
            seq,
            segment: w.segment,
            kind: w.kind,
            startMs: w.startMs,
            endMs: w.endMs,
            label: w.label,
            confidence: w.confidence,
            scores: Object.fromEntries(classes.map((c, j) => [c, w.probs[j]!])),
            uncertain: w.uncertain,
            ...(w.snrDb !== undefined ? { snrDb: Math.round(w.snrDb * 10) / 10 } : {}),
            modelId: id,
            receivedAt: emittedAt,
            emittedAt,
          } as EmotionEvent;
          totals.add(e);
        });
        const summary = totals.build({
          streamId,
          durationMs: r.durationS * 1000,
          endReason: 'stop',
          emittedAt,
        });
        const narrowed = r.band?.bandwidth === 'narrowband';
        results.push({
          path,
          durationS: r.durationS,
          summary,
          windows: r.windows,
          bandwidth: narrowed ? 'narrowband' : resolveBandwidth(opts.bandwidth, rate),
          ...(narrowed ? { narrowbandFromMs: (r.band!.atSample / 16000) * 1000 } : {}),
        });
      } catch (e) {
        results.push({ path, durationS: 0, summary: null, windows: [], error: (e as Error).message });
      }
      bar.tick();
    }
    bar.stop();
    const lines = [
      '| file | duration s | speech s | windows | dominant | mean confidence | median SNR dB |',
      '|---|---|---|---|---|---|---|',
    ];
    for (const r of results) {
      if (!r.summary) {
        lines.push(`| ${r.path} | error: ${r.error} | | | | | |`);
        continue;
      }
      // Full windows only (early ones are provisional, as in the summary).
      const full = r.windows.filter((w) => w.kind !== 'early');
      const conf = full.length ? full.reduce((a, w) => a + w.confidence, 0) / full.length : 0;
      const snrs = full.flatMap((w) => (w.snrDb === undefined ? [] : [w.snrDb])).sort((a, b) => a - b);
      const snr = snrs.length ? snrs[(snrs.length - 1) >> 1]!.toFixed(1) : '';
      lines.push(
        `| ${r.path} | ${r.durationS.toFixed(2)} | ${(r.summary.speechMs / 1000).toFixed(2)} | ${full.length} | ${r.summary.dominant ?? 'no speech'} | ${conf.toFixed(2)} | ${snr} |`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    if (opts.json) {
      await writeFile(
        here(opts.json),
        `${JSON.stringify({ model: id, classes, files: results }, null, 2)}\n`,
      );
    }
    if (opts.csv) {
      const header = [
        'file',
        'seq',
        'kind',
        'startMs',
        'endMs',
        'label',
        'confidence',
        'uncertain',
        'snrDb',
        ...classes,
      ];
      const rows = results.flatMap((r) =>
        r.windows.map((w, i) =>
          [
            JSON.stringify(r.path),
            i,
            w.kind,
            w.startMs.toFixed(1),
            w.endMs.toFixed(1),
            w.label,
            w.confidence.toFixed(4),
            w.uncertain,
            w.snrDb === undefined ? '' : w.snrDb.toFixed(1),
            ...w.probs.map((p) => p.toFixed(4)),
          ].join(','),
        ),
      );
      await writeFile(here(opts.csv), `${[header.join(','), ...rows].join('\n')}\n`);
    }
    await vad.release();
    await pkg.engine.release();
    if (results.some((r) => r.error)) process.exitCode = 1;
  });

await program.parseAsync();
