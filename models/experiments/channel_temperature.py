#!/usr/bin/env python3
"""The most a channel-aware temperature could give (session 12): for each channel's `evaluate --json`
output, the temperature minimising that channel's own NLL and the ECE there, against the ECE at the
temperature the predictions were made with. Logits are recovered as T x log p (up to a per-clip
constant, which softmax ignores). In-sample, so optimistic.

usage: channel_temperature.py <evaluate.json[.gz]>...
  e.g. python3 models/experiments/channel_temperature.py models/experiments/results/hyb8-val-*.json.gz
"""
import gzip
import json
import sys

import numpy as np

if len(sys.argv) < 2:
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


for path in sys.argv[1:]:
    r = load(path)
    t0, classes, preds = r['temperature'], r['classes'], r['predictions']
    probs = np.array([p['probs'] for p in preds])
    y = np.array([classes.index(p['truth']) for p in preds])
    logits = np.log(np.maximum(probs, 1e-30)) * t0

    def at(t):
        z = logits / t
        z -= z.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)

    grid = np.exp(np.linspace(np.log(0.3), np.log(3), 400))
    nll = [-np.log(np.maximum(at(t)[np.arange(len(y)), y], 1e-12)).mean() for t in grid]
    tc = grid[int(np.argmin(nll))]
    print(f"{r.get('channel') or path}: n {len(y)}  ECE at T {t0:.3f}: {ece(at(t0), y):.3f} "
          f"(evaluate: {r['ece']:.3f})  own T {tc:.3f} ({tc / t0:.2f} x)  ECE there {ece(at(tc), y):.3f}")
