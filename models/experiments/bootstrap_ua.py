#!/usr/bin/env python3
"""Paired bootstrap over clips of the UA difference between two evaluations of the same clips (A - B),
per corpus: is A significantly worse than B? (Session 8, rule S8-3.)

usage: bootstrap_ua.py <A.json> <B.json>   (`npm run evaluate -- ... --json <file>` of two packages on
the same split and channel; clips are matched by path; 2000 seeded resamples)
"""
import gzip
import json
import sys

import numpy as np

if len(sys.argv) != 3:
    sys.exit(__doc__)
def load(path):  # evaluate --json output, gzipped or not (models/experiments/results/*.json.gz)
    with (gzip.open if path.endswith('.gz') else open)(path, 'rt') as f:
        return json.load(f)


a = load(sys.argv[1]); b = load(sys.argv[2])
cls = a['classes']; assert cls == b['classes']
rng = np.random.default_rng(1)
def ua(truth, pred, idx):
    t = truth[idx]; p = pred[idx]
    rec = [np.mean(p[t == c] == c) for c in range(len(cls)) if np.any(t == c)]
    return np.mean(rec)
for corp in ['ravdess', 'emodb']:
    pa = {x['path']: x for x in a['predictions'] if x['corpus'] == corp and x['truth'] in cls}
    pb = {x['path']: x for x in b['predictions'] if x['corpus'] == corp and x['truth'] in cls}
    keys = sorted(set(pa) & set(pb))
    t = np.array([cls.index(pa[k]['truth']) for k in keys])
    ya = np.array([cls.index(pa[k]['predicted']) for k in keys])
    yb = np.array([cls.index(pb[k]['predicted']) for k in keys])
    n = len(keys); base = ua(t, ya, np.arange(n)) - ua(t, yb, np.arange(n))
    diffs = []
    for _ in range(2000):
        i = rng.integers(0, n, n)
        diffs.append(ua(t, ya, i) - ua(t, yb, i))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    print(f'{corp}: n {n}  UA A {ua(t, ya, np.arange(n)):.3f} B {ua(t, yb, np.arange(n)):.3f}  diff {base:+.3f}  95% [{lo:+.3f}, {hi:+.3f}]  {"not significantly worse" if hi >= 0 else "SIGNIFICANTLY WORSE"}')
