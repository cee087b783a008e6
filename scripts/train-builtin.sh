#!/usr/bin/env bash
# Regenerates the built-in models (crates/mien/models/*.safetensors) from the
# pooled data in ../shared: JAFFE (10 women, grey), the Taiwanese corpus
# (24 performers, colour, all six expressions) and the London set (86 people,
# neutral/smiling, as happy). One aligned 128×128 folder per expression, then
#   - deform (the default model): motion from each expression's mean landmark
#     displacement, texture residual with λ = 30 so faces unlike the training
#     set keep their look;
#   - masked regression (r = 3) and the pixel model per expression, on grey
#     (the editor keeps the photo's chroma), shrunk towards the identity map
#     with λ = 30.
# The London faces shown in docs/london-grid.png (HELD_OUT) are left out of
# training, so the grid shows people the models never saw.
#
# JAFFE and the Taiwanese corpus are research-use data and never enter this
# repository; models trained on them carry those terms (README, and each
# model's metadata: `mien info`). The London set is CC BY 4.0.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared/data}
work=${WORK:-target/builtin-data}
out=crates/mien/models
held_out=${HELD_OUT:-london004,london008,london013,london024,london034,london042,london062,london066}
licence="Trained on JAFFE (Lyons et al. 1998; research use only), the Taiwanese corpus of Chinese emotions (Chen et al. 2013; research use only) and the Face Research Lab London set (DeBruine & Jones 2017, doi 10.6084/m9.figshare.5047666; CC BY 4.0). For research use."
# A binary without built-in models bootstraps them.
cargo build --release -p mien-cli --no-default-features
mien=target/release/mien
rm -rf "$work"
"$mien" align --jaffe "$shared/jaffe" --taiwanese "$shared/taiwanese" --london "$shared/london" \
  --expression all --test-subjects "$held_out" -o "$work"
mkdir -p "$out"
start=$(date +%s)
"$mien" train --model deform --lambda "${DEFORM_LAMBDA:-30}" --data "$work" --data-licence "$licence" \
  -o "$out/deform-all.safetensors"
for expr in happy surprise sad angry disgust fear; do
  "$mien" train --model masked -r 3 --channels grey --prior identity --lambda "${LAMBDA:-30}" --data "$work/$expr" \
    --expression "$expr" --data-licence "$licence" -o "$out/masked-$expr.safetensors"
  "$mien" train --model pixel --channels grey --prior identity --lambda "${LAMBDA:-30}" --data "$work/$expr" \
    --expression "$expr" --data-licence "$licence" -o "$out/pixel-$expr.safetensors"
done
echo "trained every built-in model in $(($(date +%s) - start)) s"
ls -l "$out"
du -ch "$out"/*.safetensors | tail -1
cargo build --release -p mien-cli
