"""Leave-one-corpus-out UA of two recipes' models combined, as a hybrid ensemble combines them.

usage: python3 models/experiments/loco_mix.py <loco out A> <loco out B> <seed>
Reads the evaluate JSONs that `loco.sh` wrote for both recipes and averages, per clip, the two models'
log-probabilities (each at its own temperature; the product averages their logits), then prints each
direction's UA and their mean, like loco.sh.
"""
import json
import math
import sys

a, b, seed = sys.argv[1:4]
uas = []
for src, dst in (('ravdess', 'emodb'), ('emodb', 'ravdess')):
    truth, scores = {}, {}
    for out in (a, b):
        for split in ('train', 'val'):
            for p in json.load(open(f'{out}/{src}-s{seed}-on-{dst}-{split}.json'))['predictions']:
                truth[p['path']] = p['truth']
                logp = [math.log(max(q, 1e-12)) for q in p['probs']]
                prev = scores.get(p['path'])
                scores[p['path']] = logp if prev is None else [x + y for x, y in zip(prev, logp)]
        classes = json.load(open(f'{out}/{src}-s{seed}-on-{dst}-train.json'))['classes']
    predicted = {k: classes[max(range(len(v)), key=v.__getitem__)] for k, v in scores.items()}
    present = sorted(set(truth.values()))
    recall = {c: sum(predicted[k] == c for k in truth if truth[k] == c) / sum(t == c for t in truth.values()) for c in present}
    ua = sum(recall.values()) / len(recall)
    uas.append(ua)
    print(f'{src} -> {dst}: {len(truth)} clips, UA {ua:.3f} |', ' '.join(f'{c} {r:.2f}' for c, r in recall.items()))
print(f'LOCO mean UA {sum(uas) / len(uas):.3f}')
