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
from proxy_models import E7, labels, load_frames, ua

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

def stats(c):
    e = c[:, 104]; thr = np.max(e) * 0.05; act = c[e > thr] if (e > thr).sum() > 5 else c
    v = act[act[:, 105] > 0]
    return act[:, :104], (np.log(v[:, 105]) if len(v) > 3 else np.zeros(1))

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

per = [stats(c) for c in clips]
RH = np.array([rhythm(c) for c in clips])
A = np.concatenate([p[0] for i, p in enumerate(per) if tr_mask[i]]); gmu = A.mean(0); gvar = A.var(0)
gf0 = np.concatenate([p[1] for i, p in enumerate(per) if tr_mask[i]]).mean()

def feat(a, f0, mu, var, fmu):
    an = (a - mu) / np.sqrt(var + 1e-6); f = f0 - fmu
    q = np.percentile(an, [10, 50, 90], axis=0)
    return np.concatenate([an.mean(0), an.std(0), q.ravel(), np.abs(np.diff(an, axis=0)).mean(0),
                           [f.mean(), f.std(), np.percentile(f, 90) - np.percentile(f, 10) if len(f) > 2 else 0, len(f0) / len(a)]])

def causal(n0, reps, rng):
    rows = []; ix = []
    for _ in range(reps):
        for s in sorted(set(spk)):
            idx = [i for i in range(len(clips)) if spk[i] == s]; rng.shuffle(idx)
            n = 0; S = 0; SS = 0; fn = 0; fs = 0.0
            for i in idx:
                a, f0 = per[i]; n += len(a); S = S + a.sum(0); SS = SS + (a ** 2).sum(0); fn += len(f0); fs += f0.sum()
                mu = (n0 * gmu + S) / (n0 + n); var = (n0 * (gvar + gmu ** 2) + SS) / (n0 + n) - mu ** 2; fmu = (n0 * gf0 + fs) / (n0 + fn)
                rows.append(feat(a, f0, mu, var, fmu)); ix.append(i)
    return np.array(rows), np.array(ix)

rng = np.random.default_rng(0)
Ftr, itr = causal(300, 4, rng); Fte, ite = causal(300, 1, rng)

def fit_mlp(X, yt, K, seed, h=256, ep=150, lr=1e-3, drop=0.5, wd=1e-4):
    r = np.random.default_rng(seed); d = X.shape[1]
    P = [r.normal(0, np.sqrt(2 / d), (d, h)), np.zeros(h), r.normal(0, np.sqrt(1 / h), (h, K)), np.zeros(K)]
    m = [np.zeros_like(p) for p in P]; v = [np.zeros_like(p) for p in P]
    cw = np.bincount(yt, minlength=K); cw = len(yt) / (K * np.maximum(cw, 1)); t = 0
    for _ in range(ep):
        perm = r.permutation(len(yt))
        for s in range(0, len(perm), 64):
            b = perm[s:s + 64]; x = X[b] + r.normal(0, 0.1, X[b].shape); yy = yt[b]
            W1, b1, W2, b2 = P
            z1 = x @ W1 + b1; a1 = np.maximum(z1, 0); mask = (r.random(a1.shape) > drop) / (1 - drop); a1d = a1 * mask
            z2 = a1d @ W2 + b2; z2 -= z2.max(1, keepdims=True); p = np.exp(z2); p /= p.sum(1, keepdims=True)
            g = p.copy(); g[np.arange(len(yy)), yy] -= 1; g *= cw[yy][:, None] / len(yy)
            ga1 = (g @ W2.T) * mask * (z1 > 0)
            grads = [x.T @ ga1 + wd * W1, ga1.sum(0), a1d.T @ g + wd * W2, g.sum(0)]
            t += 1
            for i, (pp, gg) in enumerate(zip(P, grads)):
                m[i] = 0.9 * m[i] + 0.1 * gg; v[i] = 0.999 * v[i] + 0.001 * gg * gg
                pp -= lr * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
    W1, b1, W2, b2 = P
    return lambda X: np.maximum(X @ W1 + b1, 0) @ W2 + b2

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
        f = fit_mlp((Xtr[trm] - mu) / sd, (y8 if mode == 'e8' else y)[itr][trm], K, seed)
        for c in ('r', 'e'):
            mk = valid[ite] & val[ite] & (corp[ite] == c)
            p = softmax(f((Xte[mk] - mu) / sd))
            if K == 8: p = np.concatenate([p[:, :1] + p[:, 7:8], p[:, 1:7]], 1)
            pred = p.argmax(1); yy = y[ite][mk]
            res.setdefault(c, []).append((ua(pred, yy), (pred[yy == 2] == 2).mean()))
    for c, v in res.items():
        v = np.array(v)
        print(f'{mode} val {"RAVDESS" if c == "r" else "EmoDB"}: UA {v[:, 0].mean():.3f} (seeds {" ".join(f"{u:.3f}" for u in v[:, 0])}), sad recall {v[:, 1].mean():.3f}')
