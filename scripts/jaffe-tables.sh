#!/usr/bin/env bash
# Recomputes the README's JAFFE tables (needs ../shared/data/jaffe).
# Usage: scripts/jaffe-tables.sh OUT_DIR   — writes OUT_DIR/*.md and grids.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/jaffe-tables.sh OUT_DIR}
jaffe=${JAFFE:-../shared/data/jaffe}
cargo build --release -p mien-cli
mien=target/release/mien
mkdir -p "$out"
rm -rf "$out/aligned"
"$mien" align --jaffe "$jaffe" --expression all --pairs-all -o "$out/aligned"
for e in happy surprise; do
  # Masked regression settings, 128×128, leave one subject out.
  "$mien" eval --protocol loso --data "$out/aligned/$e" --no-expression-check \
    --models "masked,masked:prior=identity,masked:prior=identity:lambda=30,pixel,pixel:prior=identity:lambda=30" \
    --markdown "$out/masked-128-$e.md" > /dev/null
  # The papers' comparison, 64×64, leave one subject out.
  /usr/bin/time -f "%e s wall" -o "$out/compare-64-$e.time" \
    "$mien" eval --protocol loso --size 64 --data "$out/aligned/$e" \
    --models masked,pixel,pixel-kernel,omp,lsrf,ridge,lasso,pcr,kernel-ridge \
    --markdown "$out/compare-64-$e.md" --grid "$out/compare-64-$e.png" > /dev/null
done
# The deformation model against masked regression, 128×128, leave one subject out.
cargo run --release -q -p mien-deform --example jaffe_loso -- "$out/aligned" > "$out/deform-128.md"
ls -l "$out"
