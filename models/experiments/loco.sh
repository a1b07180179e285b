#!/usr/bin/env bash
# Leave-one-corpus-out: how a recipe does on a corpus (language, studio, recording level) it has never
# heard, the closest this data comes to the product's users. Trains one model on every non-test speaker
# of RAVDESS and one on every non-test speaker of EmoDB, then evaluates each (session mode, clean) on
# the other corpus's non-test speakers (train and val splits pooled; the official test speakers stay
# untouched), and prints each direction's UA, per-class recall and their mean.
#
# usage: bash models/experiments/loco.sh <out dir> <seed> [extra train flags...]
# e.g.   bash models/experiments/loco.sh /tmp/loco/base 1
#        bash models/experiments/loco.sh /tmp/loco/level-robust 1 --level-robust
#        ARCH=tdnn bash models/experiments/loco.sh /tmp/loco/tdnn 1     (frame model: no --speech-only)
#        python3 models/experiments/loco_mix.py /tmp/loco/base /tmp/loco/tdnn 1   (their mean, as a hybrid)
# The two trainings run in parallel (one core each); ~20 min with a cold feature cache, ~6 with a warm one.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1 seed=$2
shift 2
mkdir -p "$out"
arch=${ARCH:-stats-mlp}
recipe=(--arch "$arch" --features logmel,mfcc,rms,pitch --augment 2 --augment-seed 1 --epochs 150
  --schedule cosine --mixup 0.4 --checkpoint last --include-val --mel-floor 35 --noisy-copies)
# Speech-only statistics are an option of the statistics model only.
[ "$arch" = stats-mlp ] && recipe+=(--speech-only)
for src in ravdess emodb; do
  m="$out/$src-s$seed"
  [ -f "$m/model.onnx" ] || npm run --silent train -- --data "../shared/data/$src" "${recipe[@]}" --seed "$seed" "$@" \
    --quiet --out "$m" > "$m.log" 2>&1 &
done
wait
for pair in "ravdess emodb" "emodb ravdess"; do
  read -r src dst <<< "$pair"
  for split in train val; do
    json="$out/$src-s$seed-on-$dst-$split.json"
    [ -f "$json" ] || npm run --silent evaluate -- --model "$out/$src-s$seed" --data "../shared/data/$dst" \
      --split "$split" --quiet --json "$json" > /dev/null
  done
done
python3 - "$out" "$seed" <<'PY'
import json, sys
out, seed = sys.argv[1:3]
uas = []
for src, dst in (('ravdess', 'emodb'), ('emodb', 'ravdess')):
    preds = []
    for split in ('train', 'val'):
        preds += json.load(open(f'{out}/{src}-s{seed}-on-{dst}-{split}.json'))['predictions']
    classes = sorted({p['truth'] for p in preds})
    recall = {c: sum(p['predicted'] == c for p in preds if p['truth'] == c) / sum(p['truth'] == c for p in preds) for c in classes}
    ua = sum(recall.values()) / len(recall)
    uas.append(ua)
    print(f'{src} -> {dst}: {len(preds)} clips, UA {ua:.3f} |', ' '.join(f'{c} {r:.2f}' for c, r in recall.items()))
print(f'LOCO mean UA {sum(uas) / len(uas):.3f}')
PY
