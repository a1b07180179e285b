/**
 * Benchmark runner: `npm run bench -- <suite> [--json] [--seconds N]`. Suites print one JSON object
 * with `--json`, a readable summary otherwise. Benchmarks measure; they never fail on a figure.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { runCapacityBench } from '../load-tests/src/bench/capacity.bench.ts';
import { runRatiosBench } from '../load-tests/src/bench/ratios.bench.ts';
import { runOnnxBench } from '../models/src/export/onnx.bench.ts';
import { runBatcherBench } from '../server/src/batcher/micro-batcher.bench.ts';
import { runVadBench } from '../server/src/vad/silero.bench.ts';
import { runPolyphaseBench } from '../shared/src/audio/polyphase.bench.ts';
import { runResampleBench } from '../shared/src/audio/resample.bench.ts';
import { runFeatureBench } from '../shared/src/features/extractor.bench.ts';
import { runFirstEventBench } from '../tests/src/browser/first-event.bench.ts';

type SuiteOptions = {
  seconds?: number;
  duration?: string;
  clip?: string[];
  model?: string;
  early?: boolean;
  telephone?: boolean;
};

const suites: Record<string, (o: SuiteOptions) => Promise<object>> = {
  features: runFeatureBench,
  resample: runResampleBench,
  polyphase: runPolyphaseBench,
  onnx: runOnnxBench,
  batcher: runBatcherBench,
  vad: runVadBench,
  ratios: runRatiosBench,
  capacity: (o) =>
    runCapacityBench({
      duration: o.duration,
      telephone: o.telephone,
      ...(o.model ? { server: { modelDir: resolve(process.env.INIT_CWD ?? process.cwd(), o.model) } } : {}),
    }),
  'first-event': (o) => runFirstEventBench({ clips: o.clip ?? [], early: o.early !== false }),
};

const program = new Command()
  .name('bench')
  .argument('<suite>', `one of: ${Object.keys(suites).join(', ')}`)
  .option('--json', 'print one JSON object')
  .option('--seconds <n>', 'CPU seconds to spend measuring', (v) => Number(v))
  .option('--duration <d>', 'wall-clock length of a sustained run, e.g. 60s or 5m (capacity)')
  .option(
    '--clip <file>',
    'audio file to play as the microphone (first-event; repeatable)',
    (v: string, prev: string[] = []) => [...prev, v],
  )
  .option('--model <dir>', 'model package the server runs (capacity; default models/default)')
  .option(
    '--telephone',
    'capacity: stream 8 kHz G.711 mu-law calls (narrowband VAD) instead of 16 kHz pcm_s16le',
  )
  .option(
    '--no-early',
    "first-event: the try-it page's early estimate off (the first emotion is then a full window's)",
  )
  .action(async (suite: string, opts: SuiteOptions & { json?: boolean }) => {
    const run = suites[suite];
    if (!run) {
      console.error(`unknown suite '${suite}'; choose one of: ${Object.keys(suites).join(', ')}`);
      process.exit(2);
    }
    const result = await run({
      seconds: opts.seconds,
      duration: opts.duration,
      clip: opts.clip,
      model: opts.model,
      early: opts.early,
      telephone: opts.telephone,
    });
    if (opts.json) console.log(JSON.stringify(result));
    else
      for (const [k, v] of Object.entries(result))
        console.log(`${k.padEnd(18)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`);
  });

await program.parseAsync();
