/**
 * Resampler throughput: 48 kHz mono to 16 kHz on one core, fed in 20 ms chunks as a live stream
 * delivers them, for both converter qualities. Also the cost of opening a stream.
 */
import { type ResamplerQuality, StreamingResampler } from './resample.ts';

export interface ResampleBenchResult {
  suite: 'resample';
  inputRate: number;
  chunkMs: number;
  /** Seconds of 48 kHz audio resampled per CPU second, per quality. */
  audioSecondsPerCpuSecond: Record<ResamplerQuality, number>;
  /** CPU milliseconds to create a resampler (each builds its own libsamplerate-js module). */
  createMs: number;
}

/** Runs the benchmark for about `seconds` of CPU time per quality. */
export async function runResampleBench(opts: { seconds?: number } = {}): Promise<ResampleBenchResult> {
  const inputRate = 48000;
  const chunk = inputRate / 50;
  const x = new Float32Array(inputRate * 10);
  for (let i = 0; i < x.length; i++) {
    x[i] = 0.3 * Math.sin((2 * Math.PI * 180 * i) / inputRate) + 0.05 * Math.sin(i * 1.7);
  }
  const speed = {} as Record<ResamplerQuality, number>;
  for (const quality of ['medium', 'fastest'] as const) {
    const rs = await StreamingResampler.create({ inputRate, quality });
    const runOnce = () => {
      rs.reset();
      for (let pos = 0; pos < x.length; pos += chunk) rs.push(x.subarray(pos, pos + chunk));
      rs.flush();
    };
    runOnce(); // warm up the JIT
    const budget = (opts.seconds ?? 3) * 1e6;
    const t0 = process.cpuUsage();
    let audio = 0;
    let used = 0;
    while (used < budget) {
      runOnce();
      audio += x.length / inputRate;
      const d = process.cpuUsage(t0);
      used = d.user + d.system;
    }
    speed[quality] = Math.round(audio / (used / 1e6));
    rs.destroy();
  }
  const creates = 20;
  const t0 = process.cpuUsage();
  for (let i = 0; i < creates; i++) (await StreamingResampler.create({ inputRate })).destroy();
  const d = process.cpuUsage(t0);
  return {
    suite: 'resample',
    inputRate,
    chunkMs: 20,
    audioSecondsPerCpuSecond: speed,
    createMs: Math.round((d.user + d.system) / creates / 100) / 10,
  };
}
