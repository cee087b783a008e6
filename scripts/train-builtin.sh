#!/usr/bin/env bash
# Regenerates the built-in models (crates/mien/models/*.safetensors):
# aligns all of JAFFE (every neutral take × every expression take, no test
# split) and trains masked regression (r = 3) and the pixel model for each of
# the six expressions. The built-in models shrink towards the identity map
# with λ = 30 (PRIOR, LAMBDA override): on held-out JAFFE subjects that costs
# some MSE against the library default (zero prior, λ = 3), but on faces unlike
# JAFFE (other people, paintings, animals) the default paints JAFFE's mean
# face over the input while this keeps the person recognisable (README). JAFFE is research-use data: it must sit in
# ../shared/data/jaffe and never enters this repository; the models trained
# on it ship with that licence noted in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
jaffe=${JAFFE:-../shared/data/jaffe}
work=${WORK:-target/builtin-data}
out=crates/mien/models
# A binary without built-in models bootstraps them.
cargo build --release -p mien-cli --no-default-features
mien=target/release/mien
rm -rf "$work"
"$mien" align --jaffe "$jaffe" --expression all --pairs-all -o "$work"
mkdir -p "$out"
for expr in happy surprise sad angry disgust fear; do
  "$mien" train --model masked -r 3 --prior "${PRIOR:-identity}" --lambda "${LAMBDA:-30}" --data "$work/$expr" --expression "$expr" -o "$out/masked-$expr.safetensors"
  "$mien" train --model pixel --prior "${PRIOR:-identity}" --lambda "${LAMBDA:-30}" --data "$work/$expr" --expression "$expr" -o "$out/pixel-$expr.safetensors"
done
# One AU-conditioned deformation model over all six expressions; its texture
# step too is regularised harder (λ = 30, library default 1) for faces unlike JAFFE.
"$mien" train --model deform --lambda "${DEFORM_LAMBDA:-30}" --data "$work" -o "$out/deform-all.safetensors"
ls -l "$out"
cargo build --release -p mien-cli
