/**
 * Stage 2: mono audio at the input rate to 16 kHz. The resampler is streaming and chunk-invariant,
 * so stream positions at 16 kHz are exact sample counts; its held-back tail is released when the
 * stream completes. A 16 kHz stream passes through untouched.
 *
 * @example
 * chunks$.pipe(resampleTo16k(createStreamResampler(48000)))
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { AudioChunk, StageTimer } from './types.ts';

/** What the stage needs from a streaming resampler. */
export interface ChunkResampler {
  push(samples: Float32Array): Float32Array;
  flush(): Float32Array;
}

export function resampleTo16k(
  resampler: ChunkResampler | null,
  timer?: StageTimer,
): OperatorFunction<AudioChunk, AudioChunk> {
  return (source) =>
    new Observable<AudioChunk>((sub) => {
      if (!resampler) return source.subscribe(sub);
      let endSample = 0;
      let lastReceivedAt = 0;
      return source.subscribe({
        next(c) {
          const t0 = performance.now();
          const out = resampler.push(c.samples);
          timer?.('resample', performance.now() - t0);
          lastReceivedAt = c.receivedAt;
          if (out.length === 0) return;
          endSample += out.length;
          sub.next({ samples: out, sampleRate: 16000, endSample, receivedAt: c.receivedAt });
        },
        error: (e) => sub.error(e),
        complete() {
          const out = resampler.flush();
          if (out.length > 0) {
            endSample += out.length;
            sub.next({ samples: out, sampleRate: 16000, endSample, receivedAt: lastReceivedAt });
          }
          sub.complete();
        },
      });
    });
}
