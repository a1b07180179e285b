# Learning curve over training speakers: linear model on per-speaker-normalised clip statistics,
# 5 speaker folds over the non-test speakers (RAVDESS 1-18, EmoDB all but 15 and 16); each fold is
# scored by models trained on 50%, 75% and 100% of the other folds' speakers (two draws each).
# Run from the repository root after dump-features.ts. Test speakers are never used.
import numpy as np
exec(open('models/experiments/baseline_linear.py').read().split("for norm in ['global'")[0])
per = [stats(c) for c in clips]
spk = np.array(spk); corp = np.array(corp)
nontest = valid & ~test
spks = sorted(set(spk[nontest]))
fold = {}
for group in ('r', 'e'):
    for i, s in enumerate(sorted(s for s in spks if s[0] == group)):
        fold[s] = i % 5
mu = {}; sd = {}; fm = {}
for s in set(spk):
    idx = np.where(spk == s)[0]
    A = np.concatenate([per[i][0] for i in idx]); mu[s] = A.mean(0); sd[s] = A.std(0) + 1e-3
    fm[s] = np.concatenate([per[i][1] for i in idx]).mean()
rows = []
for i, (a, f0) in enumerate(per):
    an = (a - mu[spk[i]]) / sd[spk[i]]; f = f0 - fm[spk[i]]
    q = np.percentile(an, [10, 50, 90], axis=0); d = np.diff(an, axis=0)
    spread = (np.percentile(f, 90) - np.percentile(f, 10)) if len(f) > 2 else 0
    rows.append(np.concatenate([an.mean(0), an.std(0), q.ravel(), np.abs(d).mean(0),
                                [f.mean(), f.std(), spread, len(f0) / len(a)]]))
F = np.array(rows)
rng = np.random.default_rng(1)
for frac in [0.5, 0.75, 1.0]:
    scores = {'r': [], 'e': []}
    for k in range(5):
        te = nontest & np.array([fold.get(s, -1) == k for s in spk])
        pool = [s for s in spks if fold[s] != k]
        for rep in range(2):
            pick = set(rng.choice(pool, int(round(len(pool) * frac)), replace=False))
            tr = nontest & np.array([s in pick for s in spk])
            pred = train_lr(F[tr], y[tr], lam=0.03, it=1500)(F[te]).argmax(1)
            for c in 're':
                m = corp[te] == c
                scores[c].append(ua(pred[m], y[te][m]))
    n = int(round(len(spks) * 0.8 * frac))
    print(f'~{n} training speakers: RAVDESS UA {np.mean(scores["r"]):.3f}, EmoDB UA {np.mean(scores["e"]):.3f}', flush=True)
