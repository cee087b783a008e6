#!/usr/bin/env bash
# Reproduces the README's defgan comparison on JAFFE (needs ../shared/data/jaffe):
# one leave-one-subject-out fold (test subject KA), 64×64 grey, defgan in both
# settings (self-supervised, and with the paired L1 term) against masked
# regression, pixel-based synthesis and the fast deform model trained on the
# same nine subjects. CPU training takes a long while: STEPS (default 2000)
# and CRITIC_STEPS (default 2, as in the recorded run) set the adversarial
# runs' length; the paired model first runs WARMUP (default 4000) supervised
# steps (--critic-steps 0, augmented pairs), then adversarial ones (with the
# paired term, ADV steps, default 1000) up to WARMUP + ADV.
# Usage: scripts/defgan-jaffe.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/defgan-jaffe.sh OUT_DIR}
jaffe=${JAFFE:-../shared/data/jaffe}
steps=${STEPS:-2000}
critic=${CRITIC_STEPS:-2}
subject=${SUBJECT:-KA}
warmup=${WARMUP:-4000}
adv=${ADV:-1000}
cargo build --release -p mien-cli --features defgan
mien=target/release/mien
mkdir -p "$out"
rm -rf "$out/aligned"
"$mien" align --jaffe "$jaffe" --expression all --pairs-all --size 64 --test-subjects "$subject" -o "$out/aligned"
for e in happy surprise sad angry disgust fear; do
  "$mien" train --model masked --data "$out/aligned/$e" --size 64 --expression "$e" -o "$out/mr-$e.safetensors"
  "$mien" train --model pixel --data "$out/aligned/$e" --size 64 --expression "$e" -o "$out/pix-$e.safetensors"
done
"$mien" train --model deform --data "$out/aligned" --size 64 -o "$out/deform.safetensors"
resume() { [ -f "$out/$1.safetensors.ckpt/state.json" ] && echo --resume || true; }
# Self-supervised: adversarial from the start, no paired term.
"$mien" train --model defgan --data "$out/aligned" --size 64 --steps "$steps" --critic-steps "$critic" \
  --checkpoint-every 25 $(resume defgan-self) -o "$out/defgan-self.safetensors"
# Paired: supervised warm-up, then adversarial with the paired term (same checkpoint).
common=(--model defgan --data "$out/aligned" --size 64 --w-paired 100 --augment --checkpoint-every 250)
"$mien" train "${common[@]}" --steps "$warmup" --critic-steps 0 --w-cycle 0 --lr 5e-4 \
  $(resume defgan-paired) -o "$out/defgan-paired.safetensors"
"$mien" train "${common[@]}" --steps $((warmup + adv)) --critic-steps "$critic" \
  --resume -o "$out/defgan-paired.safetensors"
for e in happy surprise sad angry disgust fear; do
  "$mien" eval --data "$out/aligned/$e" -m "$out/mr-$e.safetensors" -m "$out/pix-$e.safetensors" \
    -m "$out/deform.safetensors" -m "$out/defgan-self.safetensors" -m "$out/defgan-paired.safetensors" \
    --markdown "$out/defgan-$e.md" --grid "$out/defgan-$e.png" --grid-rows 3 > /dev/null
done
ls -l "$out"
