/**
 * Stage 7: the decision for each window: the top class, its confidence, and `uncertain` when the
 * confidence is below the stream's threshold (default: the model's, 0.55 as in the reference
 * pipeline).
 *
 * @example
 * smoothed$.pipe(decideLabels(config.classes, 0.55))
 */
import { decide } from '@emostream/shared/model/postprocess';
import { map, type OperatorFunction } from 'rxjs';
import type { DecidedItem, ScoredItem } from './types.ts';

export function decideLabels(
  classes: readonly string[],
  uncertainThreshold: number,
): OperatorFunction<ScoredItem, DecidedItem> {
  return map((i: ScoredItem): DecidedItem => {
    if (i.kind !== 'scored') return i;
    const d = decide(i.probs, classes, uncertainThreshold);
    return { kind: 'decided', item: i.item, ...d };
  });
}
