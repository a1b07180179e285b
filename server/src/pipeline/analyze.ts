/**
 * Stage 3: 16 kHz audio to VAD events and model windows, through the same `StreamAnalyzer` that
 * `analyze` and `evaluate` use (features computed once per sample as audio arrives, VAD on fixed
 * frames, windows cut over speech). Chunks are processed strictly in order; the analyser's
 * remaining windows are cut when the stream completes.
 *
 * @example
 * audio16k$.pipe(analyzeStream(new StreamAnalyzer(pkg.analyzer, vads.forStream())))
 */
import { concat, defer, from, mergeMap, Observable, type OperatorFunction } from 'rxjs';
import type { AnalyzerOutput, StreamAnalyzer } from '../core/stream-analyzer.ts';
import { ReceiveClock } from './receive-clock.ts';
import type { AnalysisItem, AudioChunk, StageTimer } from './types.ts';

export interface AnalyzeOptions {
  timer?: StageTimer;
  /** Called after each chunk with the 16 kHz samples analysed so far. */
  onProgress?: (analysedSamples: number) => void;
}

export function analyzeStream(
  analyzer: StreamAnalyzer,
  options: AnalyzeOptions = {},
): OperatorFunction<AudioChunk, AnalysisItem> {
  return (source) => {
    const clock = new ReceiveClock();
    const items = (out: AnalyzerOutput): AnalysisItem[] => {
      const list: AnalysisItem[] = [];
      // VAD events first: a segment's start is announced before its windows.
      for (const event of out.vad) list.push({ kind: 'vad', event });
      for (const decision of out.bands) list.push({ kind: 'band', decision });
      for (const window of out.windows)
        list.push({ kind: 'window', window, receivedAt: clock.lookup(window.endSample) });
      return list;
    };
    const perChunk = source.pipe(
      // concatMap semantics with one analyser call at a time, in order.
      mergeMap(
        (c) =>
          defer(async () => {
            clock.add(c.endSample, c.receivedAt);
            const t0 = performance.now();
            const pending = analyzer.push(c.samples);
            options.timer?.('features', performance.now() - t0);
            const out = await pending;
            options.onProgress?.(c.endSample);
            return items(out);
          }).pipe(mergeMap((list) => from(list))),
        1,
      ),
    );
    const tail = defer(async () => items(await analyzer.end())).pipe(mergeMap((list) => from(list)));
    return new Observable<AnalysisItem>((sub) => concat(perChunk, tail).subscribe(sub));
  };
}
