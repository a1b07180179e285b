#!/usr/bin/env bash
# The default model's full training run, two trainings at a time (one per core), from the repository root:
#
#   bash models/recipes/train-default.sh <out dir> [held-out]
#
# Without `held-out`: the eight members trained on every non-test speaker (--include-val), merged into
# one ONNX package at <out dir>/package with the temperature the recipe fixed on held-out speakers
# (HELD_OUT=<held-out package>, whose temperature and figures are then recorded; or a bare T_HELD;
# default the shipped default's temperature). With `held-out`: the same members trained without the
# validation speakers, merged with the temperature fitted on them (what the recipe is chosen and
# calibrated on). Member packages, logs and the timing go to <out dir>. TDNN_EPOCHS (default 150) sets
# the frame members' epochs, STATS_EPOCHS (default 150) the statistics members'; DATA the corpora and
# speaker flags given to every step (default --data ../shared/data/ravdess --data ../shared/data/emodb;
# e.g. "--manifest my-calls.csv --test-speakers cy"); TRAIN_EXTRA more `train` options, given last
# (e.g. "--label-set valence3", or "--cache <dir>"); COMBINE how the ensemble combines its members
# (mean-logit or mean-prob; default the shipped default's); CALIBRATION_CHANNELS, held-out mode, the
# channels its temperature is fitted over (comma-separated `evaluate --channel` names; default the
# shipped default's, clean,peak,phone,noise:20,noise:10: calibrated for calls, not only for studio audio);
# CALIBRATION_DRAWS, independent draws per clip of each random channel (default 1, the shipped default's).
set -euo pipefail
out=${1:?usage: train-default.sh <out dir> [held-out]}
mode=${2:-all}
[[ $mode == all || $mode == held-out ]] || { echo "second argument: held-out or nothing" >&2; exit 2; }
tdnn_epochs=${TDNN_EPOCHS:-150}
stats_epochs=${STATS_EPOCHS:-150}
train_extra=${TRAIN_EXTRA:-}
combine=${COMBINE:-$(node -p "require('./models/default/config.json').ensembleCombine ?? 'mean-logit'")}
calibration=${CALIBRATION_CHANNELS:-$(node -p "(require('./models/default/config.json').training?.temperatureFrom?.calibrationChannels ?? ['clean']).join(',')")}
draws=${CALIBRATION_DRAWS:-1}
data=${DATA:-"--data ../shared/data/ravdess --data ../shared/data/emodb"}
include=""; [[ $mode == all ]] && include="--include-val"
# The shipped temperature was fitted for these corpora; other data needs its own: run held-out first
# and pass its package as HELD_OUT (or its temperature as T_HELD).
if [[ $mode == all && -n ${DATA:-} && -z ${T_HELD:-} && -z ${HELD_OUT:-} ]]; then
  echo "with DATA, give HELD_OUT=<dir>/package of your held-out run (train-default.sh <dir> held-out), or T_HELD=<its temperature>" >&2
  exit 2
fi
if [[ -n ${T_HELD:-} && -n ${HELD_OUT:-} ]]; then echo "give HELD_OUT or T_HELD, not both" >&2; exit 2; fi
if [[ -n ${HELD_OUT:-} && ! -f $HELD_OUT/config.json ]]; then echo "HELD_OUT=$HELD_OUT: no config.json there" >&2; exit 2; fi
mkdir -p "$out"
start=$(date +%s)
common="$data --features logmel,mfcc,rms,pitch --augment 2 --augment-seed 1 --schedule cosine --mixup 0.4 --checkpoint last --mel-floor 35 --noisy-copies $include"
job() { # job <arch> <seed>
  local arch=$1 seed=$2 extra="--epochs $stats_epochs --speech-only"
  [[ $arch == tdnn ]] && extra="--epochs $tdnn_epochs"
  local t0=$(date +%s)
  npm run --silent train -- $common --arch "$arch" $extra --seed "$seed" --out "$out/$arch-s$seed" $train_extra \
    > "$out/$arch-s$seed.log" 2>&1 || { echo "$arch seed $seed failed: $out/$arch-s$seed.log" >&2; return 1; }
  echo "$arch seed $seed: $(( ($(date +%s) - t0) / 60 )) min" | tee -a "$out/timing.txt"
}
export -f job; export common out tdnn_epochs stats_epochs train_extra
# The first member builds the feature cache alone (two builds of one cache would race and double the work).
job stats-mlp 1
printf '%s\n' "tdnn 1" "tdnn 2" "tdnn 3" "tdnn 4" "stats-mlp 2" "stats-mlp 3" "stats-mlp 4" |
  xargs -P 2 -L 1 bash -c 'job $0 $1'
members=""
for s in 1 2 3 4; do members="$members --model $out/stats-mlp-s$s"; done
for s in 1 2 3 4; do members="$members --model $out/tdnn-s$s"; done
temperature="--calibration-channels $calibration --calibration-draws $draws"
if [[ $mode == all ]]; then
  if [[ -n ${HELD_OUT:-} ]]; then temperature="--temperature-from $HELD_OUT"
  elif [[ -n ${T_HELD:-} ]]; then temperature="--temperature $T_HELD"
  else # the shipped default's temperatures (full and early windows)
    temperature=$(node -p "const c = require('./models/default/config.json'); '--temperature ' + c.temperature + (c.earlyTemperature ? ' --early-temperature ' + c.earlyTemperature : '')")
  fi
fi
npm run --silent ensemble -- $members $data $temperature --combine "$combine" --out "$out/package" > "$out/ensemble.log" 2>&1 ||
  { tail -5 "$out/ensemble.log" >&2; echo "ensemble failed: $out/ensemble.log" >&2; exit 1; }
tail -1 "$out/ensemble.log" | tee -a "$out/timing.txt"
echo "full run ($mode, stats-mlp $stats_epochs and tdnn $tdnn_epochs epochs): $(( ($(date +%s) - start) / 60 )) min" | tee -a "$out/timing.txt"
