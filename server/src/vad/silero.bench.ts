/**
 * Silero VAD cost per 96 ms frame in each of its modes, batched as the server batches streams: the
 * 16 kHz mode (wideband streams) and the 8 kHz mode (narrowband streams: each frame low-passed and
 * decimated 2:1 first), the decimation filter alone, and band detection (wideband-rate streams
 * with `bandwidth: "auto"`, until it decides), and the SNR estimate every stream runs. CPU time of this process (ONNX Runtime runs
 * one intra-op thread, as the server configures it).
 */
import { BandDetector } from '@emostream/shared/analysis/band';
import { SnrEstimator } from '@emostream/shared/analysis/snr';
import { DECIMATION_HISTORY, decimateHalf, SileroVad, type VadRate } from './silero.ts';

export interface VadBenchResult {
  suite: 'vad';
  batch: number;
  /** CPU ms per frame (96 ms of one stream) in each mode. */
  msPerFrame: { wideband: number; narrowband: number };
  /** CPU ms per second of one stream in each mode (10.4 frames). */
  msPerStreamSecond: { wideband: number; narrowband: number };
  /** CPU microseconds of the 8 kHz mode's decimation filter per frame. */
  decimationUsPerFrame: number;
  /**
   * CPU microseconds of band detection per frame (a wideband-rate stream with `bandwidth: "auto"`
   * runs it on each frame until it decides, about the first two seconds of sound).
   */
  bandDetectionUsPerFrame: number;
  /**
   * CPU microseconds of the SNR estimate per second of one stream: its block powers (every sample)
   * and one window's estimate per second (the 1 s hop), over a full 30 s history.
   */
  snrUsPerStreamSecond: number;
}

export async function runVadBench(o: { seconds?: number } = {}): Promise<VadBenchResult> {
  const seconds = o.seconds ?? 2;
  const batch = 16;
  const vad = await SileroVad.load();
  const n = vad.frameSamples;
  const frames = Array.from({ length: batch }, (_, i) =>
    Float32Array.from({ length: n }, (_, j) => 0.05 * Math.sin(j * (0.01 + i * 0.003))),
  );
  const timeMode = async (rate: VadRate) => {
    const states = frames.map(() => vad.newState());
    for (let i = 0; i < 20; i++) await vad.run(frames, states, rate);
    const t0 = process.cpuUsage();
    let count = 0;
    let used = 0;
    while (used < (seconds / 2) * 1e6 || count < 5) {
      await vad.run(frames, states, rate);
      count++;
      const u = process.cpuUsage(t0);
      used = u.user + u.system;
    }
    return used / 1000 / (count * batch);
  };
  const wideband = await timeMode(16000);
  const narrowband = await timeMode(8000);
  await vad.release();
  const tail = new Float32Array(DECIMATION_HISTORY);
  const out = new Float32Array(n / 2);
  for (let i = 0; i < 200; i++) decimateHalf(frames[0]!, tail, out);
  const t0 = process.cpuUsage();
  const reps = Math.max(100, Math.round(seconds * 2000));
  for (let i = 0; i < reps; i++) decimateHalf(frames[i % batch]!, tail, out);
  const u = process.cpuUsage(t0);
  // A detector that never decides (minActiveBlocks out of reach), so every frame is read in full.
  const detector = new BandDetector({ minActiveBlocks: Number.MAX_SAFE_INTEGER });
  const t1 = process.cpuUsage();
  for (let i = 0; i < reps; i++) detector.push(frames[i % batch]!);
  const ub = process.cpuUsage(t1);
  // The SNR estimate: 40 s of audio pushed in frames (the history full), then timed over `reps` frames
  // with one window estimate per 10.4 frames (a second).
  const snr = new SnrEstimator();
  for (let i = 0; i < Math.ceil((40 * 16000) / n); i++) snr.push(frames[i % batch]!);
  const t2 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    snr.push(frames[i % batch]!);
    if (i % 10 === 0) snr.snrDb(snr.samples - 48000, snr.samples);
  }
  const us = process.cpuUsage(t2);
  const perSecond = 16000 / n;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    suite: 'vad',
    batch,
    msPerFrame: { wideband: r3(wideband), narrowband: r3(narrowband) },
    msPerStreamSecond: { wideband: r3(wideband * perSecond), narrowband: r3(narrowband * perSecond) },
    decimationUsPerFrame: r3((u.user + u.system) / reps),
    bandDetectionUsPerFrame: r3((ub.user + ub.system) / reps),
    snrUsPerStreamSecond: r3(((us.user + us.system) / reps) * perSecond),
  };
}
