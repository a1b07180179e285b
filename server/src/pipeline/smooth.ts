/**
 * Stage 6 (optional): exponential smoothing of probabilities across consecutive windows of one
 * speech segment, reset at each new segment so that one utterance's emotion does not leak into the
 * next. `alpha` is the weight of the newest window; `method: 'none'` passes windows unchanged, and
 * so does every early window.
 *
 * @example
 * scored$.pipe(smoothScores({ method: 'ema', alpha: 0.5 }))
 */
import type { ResolvedStreamOptions } from '@emostream/shared/protocol/messages';
import { map, type OperatorFunction } from 'rxjs';
import type { ScoredItem } from './types.ts';

export function smoothScores(
  smoothing: ResolvedStreamOptions['smoothing'],
): OperatorFunction<ScoredItem, ScoredItem> {
  let segment = -1;
  let state: number[] | null = null;
  return map((i: ScoredItem): ScoredItem => {
    // An early window is shown as it is and leaves the segment's smoothing alone (its audio is
    // the start of the segment's first full window, which would otherwise count it twice).
    if (i.kind !== 'scored' || smoothing.method === 'none' || i.item.window.kind === 'early') return i;
    const seg = i.item.window.segment;
    if (seg !== segment || !state) {
      segment = seg;
      state = i.probs.slice();
      return i;
    }
    const a = smoothing.alpha;
    const prev = state;
    state = i.probs.map((p, j) => a * p + (1 - a) * prev[j]!);
    return { ...i, probs: state.slice() };
  });
}
