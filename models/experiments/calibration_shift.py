#!/usr/bin/env python3
"""Session 8, rule S8-2: how much sharper do members get when trained on more speakers?

A temperature fitted on held-out members (trained without the validation speakers) is shipped with
members trained on every non-test speaker; the latter are sharper on new voices, so the held-out
temperature leaves them over-confident. This measures the shift one level down, where it can be
measured without the test speakers:

  pseudo world: members trained on RAVDESS 1-10 + EmoDB 03 08 09 12, temperature T_p fitted on
  RAVDESS 11-14 + EmoDB 10 14 (train --val-speakers ... --test-speakers <official val>; ensemble with
  the same flags). The ordinary held-out members (trained on all of those) play "all speakers" and
  the official validation speakers play "test": their own best temperature there is T* (= T_ho).

  r = T* / T_p. Shipped T = T_ho * r**k, k = ln(26/20) / ln(20/14): the shift assumed to grow with
  the log of the number of training speakers (14 -> 20 in the pseudo step, 20 -> 26 in the real one).

usage: calibration_shift.py <pseudo ensemble dir> <held-out ensemble dir> <val json at T_ho> <val json at T_p> [<apply-to dir>]
(the val JSONs: `npm run evaluate -- --model <held-out ensemble> --split val --json ...`, the second
with `--temperature T_p`). Prints the figures and the rule's decision; with <apply-to dir>, a held-out
ensemble of another structure, also the corrected temperature for its all-speaker counterpart.
"""
import json
import math
import sys

import numpy as np


def clip_stats(path):
    d = json.load(open(path))
    cls = d['classes']
    out = {}
    for corpus in ('ravdess', 'emodb', None):
        preds = [p for p in d['predictions'] if (corpus is None or p['corpus'] == corpus) and p['truth'] in cls]
        probs = np.array([p['probs'] for p in preds])
        truth = np.array([cls.index(p['truth']) for p in preds])
        nll = float(-np.log(np.clip(probs[np.arange(len(truth)), truth], 1e-12, 1)).mean())
        conf = float(probs.max(1).mean())
        acc = float((probs.argmax(1) == truth).mean())
        out[corpus or 'pooled'] = (len(truth), nll, conf, acc)
    return d.get('temperature'), d['ece'], out


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    pseudo, heldout, at_ho, at_p = sys.argv[1:5]
    t_p = json.load(open(f'{pseudo}/config.json'))['temperature']
    t_ho = json.load(open(f'{heldout}/config.json'))['temperature']
    r = t_ho / t_p
    k = math.log(26 / 20) / math.log(20 / 14)
    print(f'T_p (pseudo members, pseudo-val) {t_p:.3f}; T* = T_ho (held-out members, val) {t_ho:.3f}; r = {r:.3f}')
    rows = {}
    for name, path in (('T*', at_ho), ('T_p', at_p)):
        temp, ece, stats = clip_stats(path)
        rows[name] = stats
        print(f'held-out members on val at {name} (T {temp if temp is not None else "of the package"}): ECE {ece:.3f}; ' + '; '.join(
            f'{c} n {n} NLL {nll:.3f} conf {conf:.3f} acc {acc:.3f}' for c, (n, nll, conf, acc) in stats.items()))
    worse = rows['T_p']['pooled'][1] - rows['T*']['pooled'][1]
    shipped = t_ho * r ** k
    print(f'NLL(T_p) - NLL(T*) = {worse:+.4f} (rule: correct when > 0.005); k = {k:.3f}')
    if worse > 0.005:
        print(f'S8-2: the transfer is measurably off -> ship T = T_ho * r^k = {t_ho:.3f} * {r:.3f}^{k:.3f} = {shipped:.3f}')
    else:
        print(f'S8-2: the transfer is within 0.005 NLL -> keep T = T_ho = {t_ho:.3f}')
    if len(sys.argv) == 6:
        t_other = json.load(open(f'{sys.argv[5]}/config.json'))['temperature']
        t_ship = t_other * r ** k if worse > 0.005 else t_other
        print(f'{sys.argv[5]}: T_ho {t_other:.3f} -> ship {t_ship:.3f}')


if __name__ == '__main__':
    main()
