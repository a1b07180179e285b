/**
 * Stage 5: logits to calibrated class probabilities (temperature-scaled softmax, the temperature
 * fitted on validation speakers and stored with the model; early windows have their own when the model
 * has one, and noisy windows a higher one when the model says so), exactly as `analyze` and `evaluate` do.
 *
 * @example
 * logits$.pipe(calibrate(config))
 */
import { calibratedProbs, type SnrTemperature, windowTemperature } from '@emostream/shared/model/postprocess';
import { map, type OperatorFunction } from 'rxjs';
import type { InferenceItem, ScoredItem } from './types.ts';

export function calibrate(config: {
  temperature: number;
  earlyTemperature?: number | undefined;
  snrTemperature?: SnrTemperature | undefined;
}): OperatorFunction<InferenceItem, ScoredItem> {
  return map((i: InferenceItem): ScoredItem => {
    if (i.kind !== 'logits') return i;
    const t = windowTemperature(config, i.item.window.kind, i.item.window.snrDb);
    return { kind: 'scored', item: i.item, probs: calibratedProbs(i.logits, t) };
  });
}
