# Why RAVDESS's sad is heard as neutral: numpy proxies on the dumped clip frames (dump-features.ts),
# with the causal session normalisation of baseline_mlp.py and a one-hidden-layer MLP (3 seeds, 150
# epochs, no checkpoint selection). Prints validation figures only (RAVDESS 15-18, EmoDB 11 and 13):
#   e7      ekman7 as trained (calm merged into neutral)
#   e8      calm kept as its own class in training, its probability added to neutral's afterwards
#   ronly   ekman7 trained on RAVDESS alone
#   rhythm  e7 plus speech-rhythm descriptors (voiced segments per second, their mean and spread of
#           length, mean unvoiced-gap length, loudness peaks per second, log active length)
# usage: python3 models/experiments/sad_proxy.py [e7 e8 ronly rhythm]
import os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from proxy_models import E7, causal_sessions, clip_stats, fit_mlp, labels, load_frames, mlp_logits, ua

paths, clips = load_frames('.cache/experiments/feats')
lab, spk, corp = labels(paths)
corp = np.array(corp)
calm = np.array([('ravdess' in p and os.path.basename(p).split('-')[2] == '02') for p in paths])
test = np.array([(c == 'r' and int(s[1:]) >= 19) or (c == 'e' and s[1:] in ('15', '16')) for c, s in zip(corp, spk)])
val = np.array([(c == 'r' and 15 <= int(s[1:]) <= 18) or (c == 'e' and s[1:] in ('11', '13')) for c, s in zip(corp, spk)])
valid = np.array([l is not None for l in lab])
y = np.array([E7.index(l) if l else -1 for l in lab])
y8 = y.copy(); y8[calm] = 7
tr_mask = ~test & ~val

def runs(b):
    out = []; n = 0
    for v in b:
        if v: n += 1
        elif n: out.append(n); n = 0
    if n: out.append(n)
    return out

def rhythm(c):
    e = c[:, 104]; act = np.where(e > np.max(e) * 0.05)[0]
    seg = c[act[0]:act[-1] + 1] if len(act) > 5 else c
    T = len(seg); v = seg[:, 105] > 0; vr = runs(v); ur = runs(~v)
    le = np.log(seg[:, 104] + 1e-8)
    peaks = ((le[1:-1] > le[:-2]) & (le[1:-1] >= le[2:]) & (le[1:-1] > le.max() - 12)).sum()
    return np.array([len(vr) / T * 100, np.mean(vr) if vr else 0, np.std(vr) if vr else 0,
                     np.mean(ur) if ur else 0, peaks / T * 100, np.log(T)])

per = [clip_stats(c) for c in clips]
RH = np.array([rhythm(c) for c in clips])
A = np.concatenate([p[0] for i, p in enumerate(per) if tr_mask[i]]); gmu = A.mean(0); gvar = A.var(0)
gf0 = np.concatenate([p[1] for i, p in enumerate(per) if tr_mask[i]]).mean()

rng = np.random.default_rng(0)
prior = (gmu, gvar, gf0)
Ftr, itr = causal_sessions(per, spk, prior, 300, 4, rng); Fte, ite = causal_sessions(per, spk, prior, 300, 1, rng)

def softmax(z):
    z = z - z.max(1, keepdims=True); p = np.exp(z); return p / p.sum(1, keepdims=True)

for mode in sys.argv[1:] or ['e7', 'e8', 'ronly', 'rhythm']:
    Xtr = np.concatenate([Ftr, RH[itr]], 1) if mode == 'rhythm' else Ftr
    Xte = np.concatenate([Fte, RH[ite]], 1) if mode == 'rhythm' else Fte
    mu = Xtr.mean(0); sd = Xtr.std(0) + 1e-6
    trm = valid[itr] & tr_mask[itr] & ((corp[itr] == 'r') if mode == 'ronly' else True)
    K = 8 if mode == 'e8' else 7
    res = {}
    for seed in range(3):
        params = fit_mlp((Xtr[trm] - mu) / sd, (y8 if mode == 'e8' else y)[itr][trm], ep=150, seed=seed, k=K)
        for c in ('r', 'e'):
            mk = valid[ite] & val[ite] & (corp[ite] == c)
            p = softmax(mlp_logits(params, (Xte[mk] - mu) / sd))
            if K == 8: p = np.concatenate([p[:, :1] + p[:, 7:8], p[:, 1:7]], 1)
            pred = p.argmax(1); yy = y[ite][mk]
            res.setdefault(c, []).append((ua(pred, yy), (pred[yy == 2] == 2).mean()))
    for c, v in res.items():
        v = np.array(v)
        print(f'{mode} val {"RAVDESS" if c == "r" else "EmoDB"}: UA {v[:, 0].mean():.3f} (seeds {" ".join(f"{u:.3f}" for u in v[:, 0])}), sad recall {v[:, 1].mean():.3f}')
