/**
 * Stage 1: binary messages to mono float samples at the input rate. Messages that break the
 * declared format (a partial frame, NaN in f32) are not passed on: `onFault` is told at once, so
 * the session can end the stream with the right error code while the audio accepted before it is
 * still analysed and summarised.
 *
 * @example
 * messages$.pipe(decodeAudio({ encoding: 'pcm_s16le', channels: 2, sampleRate: 48000 }, { onFault }))
 */
import { downmix } from '@emostream/shared/audio/downmix';
import { decodePcmFrame, type PcmEncoding } from '@emostream/shared/audio/pcm';
import { AudioError } from '@emostream/shared/errors';
import { filter, map, type Observable, type OperatorFunction } from 'rxjs';
import type { AudioChunk, IngestMessage, StageTimer } from './types.ts';

export interface DecodeFormat {
  encoding: PcmEncoding;
  channels: number;
  sampleRate: number;
}

export interface DecodeOptions {
  /** A message that cannot be decoded; `code` is a protocol error code. */
  onFault: (code: string, message: string) => void;
  timer?: StageTimer;
}

export function decodeAudio(
  format: DecodeFormat,
  options: DecodeOptions,
): OperatorFunction<IngestMessage, AudioChunk> {
  let endSample = 0;
  let faulted = false;
  return (source: Observable<IngestMessage>) =>
    source.pipe(
      map((m): AudioChunk | null => {
        if (faulted) return null;
        const t0 = performance.now();
        try {
          const interleaved = decodePcmFrame(m.bytes, format.encoding, format.channels);
          const samples = format.channels === 1 ? interleaved : downmix(interleaved, format.channels);
          endSample += samples.length;
          return { samples, sampleRate: format.sampleRate, endSample, receivedAt: m.receivedAt };
        } catch (e) {
          faulted = true;
          const code = e instanceof AudioError ? e.code : 'INTERNAL';
          options.onFault(code, (e as Error).message);
          return null;
        } finally {
          options.timer?.('decode', performance.now() - t0);
        }
      }),
      filter((c): c is AudioChunk => c !== null && c.samples.length > 0),
    );
}
