#!/usr/bin/env python3
"""The most a channel-aware temperature could give (session 12): for each channel's `evaluate --json`
output, the temperature minimising that channel's own NLL and the ECE there, against the ECE at the
temperature the predictions were made with. Logits are recovered as T x log p (up to a per-clip
constant, which softmax ignores). In-sample, so optimistic.

With --pooled (session 13, rule S13-1): also the one temperature minimising the NLL of all the
files' clips pooled (each file a channel, weighted equally), and every channel's ECE, confidence -
accuracy and share of clips flagged uncertain (< 0.55) at the files' temperature and at that one;
--at T uses T instead of fitting one.

usage: channel_temperature.py [--pooled [--at T]] <evaluate.json[.gz]>...
  e.g. python3 models/experiments/channel_temperature.py --pooled models/experiments/results/hyb8-val-*.json.gz
"""
import gzip
import json
import sys

import numpy as np

args = sys.argv[1:]
at = None
if '--at' in args:
    i = args.index('--at')
    at = float(args[i + 1])
    del args[i:i + 2]
pooled = '--pooled' in args
paths = [a for a in args if a != '--pooled']
if not paths:
    sys.exit(__doc__)


def load(path):
    with (gzip.open if path.endswith('.gz') else open)(path, 'rt') as f:
        return json.load(f)


def ece(p, y, bins=10):  # the binning of models/src/eval/metrics.ts (equal width, first bin closed)
    conf, right = p.max(1), p.argmax(1) == y
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        m = ((conf > lo) if b > 0 else (conf >= lo)) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(conf[m].mean() - right[m].mean())
    return total


def softmax_at(logits, t):
    z = logits / t
    z -= z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def nll(logits, y, t):
    return -np.log(np.maximum(softmax_at(logits, t)[np.arange(len(y)), y], 1e-12)).mean()


def best_t(objective):  # golden-section search on log T over 0.3-3 (the NLL is unimodal in log T)
    lo, hi = np.log(0.3), np.log(3)
    g = (np.sqrt(5) - 1) / 2
    for _ in range(80):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if objective(np.exp(a)) < objective(np.exp(b)):
            hi = b
        else:
            lo = a
    return float(np.exp((lo + hi) / 2))


channels = []
for path in paths:
    r = load(path)
    t0, classes, preds = r['temperature'], r['classes'], r['predictions']
    probs = np.array([p['probs'] for p in preds])
    y = np.array([classes.index(p['truth']) for p in preds])
    logits = np.log(np.maximum(probs, 1e-30)) * t0
    name = r.get('channel') or path
    channels.append((name, t0, logits, y))
    tc = best_t(lambda t: nll(logits, y, t))
    print(f"{name}: n {len(y)}  ECE at T {t0:.3f}: {ece(softmax_at(logits, t0), y):.3f} "
          f"(evaluate: {r['ece']:.3f})  own T {tc:.3f} ({tc / t0:.2f} x)  ECE there {ece(softmax_at(logits, tc), y):.3f}")

if pooled:
    t0s = {c[1] for c in channels}
    if len(t0s) != 1:
        sys.exit(f'the files were made at different temperatures: {sorted(t0s)}')
    t0 = t0s.pop()
    tp = at if at is not None else best_t(lambda t: np.mean([nll(lg, y, t) for _, _, lg, y in channels]))
    print(f"\n{'given' if at is not None else 'pooled over ' + str(len(channels)) + ' channels'}: T {tp:.4f} ({tp / t0:.4f} x {t0:.4f})")
    print(f"{'channel':<10} {'ECE at ' + format(t0, '.3f'):>12} {'ECE at ' + format(tp, '.3f'):>12} {'change':>8}"
          f"  conf-acc at {t0:.3f} / {tp:.3f}  uncertain at {t0:.3f} / {tp:.3f}")
    before, after = [], []

    def gap_and_uncertain(p, y):
        return p.max(1).mean() - (p.argmax(1) == y).mean(), (p.max(1) < 0.55).mean()

    for name, _, lg, y in channels:
        e0, e1 = ece(softmax_at(lg, t0), y), ece(softmax_at(lg, tp), y)
        g0, u0 = gap_and_uncertain(softmax_at(lg, t0), y)
        g1, u1 = gap_and_uncertain(softmax_at(lg, tp), y)
        before.append(e0)
        after.append(e1)
        print(f"{name:<10} {e0:>12.4f} {e1:>12.4f} {e1 - e0:>+8.4f}  {g0:+.3f} / {g1:+.3f}  {u0:.1%} / {u1:.1%}")
    print(f"{'mean':<10} {np.mean(before):>12.4f} {np.mean(after):>12.4f} {np.mean(after) - np.mean(before):>+8.4f}")
