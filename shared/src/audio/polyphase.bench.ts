/**
 * Polyphase resampler against libsamplerate, in one process: throughput for 48, 44.1 and 8 kHz live
 * streams (20 ms chunks) to 16 kHz, and the memory each stream costs. Run it alone with
 * `npx tsx shared/src/audio/polyphase.bench.ts [seconds]`; it prints one JSON object.
 */
import { fileURLToPath } from 'node:url';
import { PolyphaseResampler, type StreamResampler } from './polyphase.ts';
import { StreamingResampler } from './resample.ts';

type Engine = 'polyphase' | 'libsamplerateMedium' | 'libsamplerateFastest';
const ENGINES: Engine[] = ['polyphase', 'libsamplerateMedium', 'libsamplerateFastest'];
const RATES = [48000, 44100, 8000] as const;

export interface PolyphaseBenchResult {
  suite: 'polyphase';
  chunkMs: number;
  /** Seconds of input audio resampled to 16 kHz per CPU second, by input rate and engine. */
  audioSecondsPerCpuSecond: Record<string, Record<Engine, number>>;
  /** Polyphase speed over libsamplerate medium, by input rate. */
  speedupOverMedium: Record<string, number>;
  /** Bytes each stream owns (polyphase: its history ring; libsamplerate: measured growth per instance). */
  bytesPerStream: Record<'polyphase48k' | 'polyphase8k' | 'libsamplerate48k', number>;
}

async function open(engine: Engine, inputRate: number): Promise<StreamResampler> {
  if (engine === 'polyphase') return new PolyphaseResampler({ inputRate });
  return StreamingResampler.create({
    inputRate,
    quality: engine === 'libsamplerateMedium' ? 'medium' : 'fastest',
  });
}

function speech(rate: number, seconds: number): Float32Array {
  const x = new Float32Array(rate * seconds);
  for (let i = 0; i < x.length; i++) {
    x[i] = 0.3 * Math.sin((2 * Math.PI * 180 * i) / rate) + 0.05 * Math.sin(i * 1.7);
  }
  return x;
}

async function throughput(engine: Engine, inputRate: number, seconds: number): Promise<number> {
  const x = speech(inputRate, 10);
  const chunk = inputRate / 50;
  const rs = await open(engine, inputRate);
  const runOnce = () => {
    rs.reset();
    for (let pos = 0; pos < x.length; pos += chunk) rs.push(x.subarray(pos, pos + chunk));
    rs.flush();
  };
  runOnce(); // warm up the JIT
  const t0 = process.cpuUsage();
  let audio = 0;
  let used = 0;
  while (used < seconds * 1e6) {
    runOnce();
    audio += 10;
    const d = process.cpuUsage(t0);
    used = d.user + d.system;
  }
  rs.destroy();
  return Math.round(audio / (used / 1e6));
}

// libsamplerate-js keeps each converter's heap in an ArrayBuffer; typed arrays count there too.
const bufferBytes = () => process.memoryUsage().arrayBuffers;

/** Runs the benchmark for about `seconds` of CPU time per engine and rate. */
export async function runPolyphaseBench(opts: { seconds?: number } = {}): Promise<PolyphaseBenchResult> {
  const seconds = opts.seconds ?? 2;
  const speed: Record<string, Record<Engine, number>> = {};
  const speedup: Record<string, number> = {};
  for (const rate of RATES) {
    const row = {} as Record<Engine, number>;
    for (const engine of ENGINES) row[engine] = await throughput(engine, rate, seconds);
    speed[rate] = row;
    speedup[rate] = Math.round((row.polyphase / row.libsamplerateMedium) * 10) / 10;
  }
  // Libsamplerate's per-instance cost is its module heap; measure it on a few live instances.
  const before = bufferBytes();
  const held = await Promise.all(Array.from({ length: 4 }, () => open('libsamplerateMedium', 48000)));
  const libBytes = Math.round((bufferBytes() - before) / held.length);
  for (const rs of held) rs.destroy();
  return {
    suite: 'polyphase',
    chunkMs: 20,
    audioSecondsPerCpuSecond: speed,
    speedupOverMedium: speedup,
    bytesPerStream: {
      polyphase48k: new PolyphaseResampler({ inputRate: 48000 }).stateBytes,
      polyphase8k: new PolyphaseResampler({ inputRate: 8000 }).stateBytes,
      libsamplerate48k: libBytes,
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(await runPolyphaseBench({ seconds }), null, 2));
}
