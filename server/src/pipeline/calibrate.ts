/**
 * Stage 5: logits to calibrated class probabilities (temperature-scaled softmax, the temperature
 * fitted on validation speakers and stored with the model), exactly as `analyze` and `evaluate` do.
 *
 * @example
 * logits$.pipe(calibrate(config.temperature))
 */
import { calibratedProbs } from '@emostream/shared/model/postprocess';
import { map, type OperatorFunction } from 'rxjs';
import type { InferenceItem, ScoredItem } from './types.ts';

export function calibrate(temperature: number): OperatorFunction<InferenceItem, ScoredItem> {
  return map((i: InferenceItem): ScoredItem => {
    if (i.kind !== 'logits') return i;
    return { kind: 'scored', item: i.item, probs: calibratedProbs(i.logits, temperature) };
  });
}
