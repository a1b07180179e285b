/**
 * Stage 4: model windows to logits through the micro-batcher shared by all streams. The window's
 * network input (the window itself, or its statistics) is built here, once. Windows the batcher
 * sheds under overload, or whose batch fails in the engine, become `shed` / `failed` items: the
 * stream goes on and the client is told. VAD events pass straight through.
 *
 * Results of one stream arrive in submission order (the batcher guarantees it), so items leave in
 * the order windows were cut, except that shed windows may be reported early.
 *
 * @example
 * analysis$.pipe(inferWindows(batcher, (w, out, o) => modelInput(config, w, out, o), engine.inputSize, id))
 */
import type { FeatureWindow } from '@emostream/shared/analysis/windower';
import { from, mergeMap, type OperatorFunction, of } from 'rxjs';
import { InferenceError, type MicroBatcher, ShedError } from '../batcher/micro-batcher.ts';
import type { AnalysisItem, InferenceItem } from './types.ts';

export type InputBuilder = (w: FeatureWindow, out: Float32Array, offset: number) => void;

export function inferWindows(
  batcher: MicroBatcher,
  buildInput: InputBuilder,
  inputSize: number,
  streamId: string,
  signal?: AbortSignal,
): OperatorFunction<AnalysisItem, InferenceItem> {
  return mergeMap((a: AnalysisItem) => {
    if (a.kind !== 'window') return of(a);
    const data = new Float32Array(inputSize);
    buildInput(a.window, data, 0);
    return from(
      batcher.submit({ streamId, data, signal }).then(
        (logits): InferenceItem => ({ kind: 'logits', item: a, logits }),
        (e: unknown): InferenceItem => {
          if (e instanceof ShedError) return { kind: 'shed', item: a, reason: e.reason };
          if (e instanceof InferenceError) return { kind: 'failed', item: a, message: e.message };
          return { kind: 'failed', item: a, message: e instanceof Error ? e.message : String(e) };
        },
      ),
    );
  });
}
