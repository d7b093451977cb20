#!/usr/bin/env bash
# scripts/demo.sh - set everything up (scripts/setup.sh), then run the demo:
# the four-orientation ViT-T scan of examples/scan2d_vit.mlir through
# plstm-opt (parse, verify, print, lower) and plstm-run (random inputs,
# JIT-compiled CPU kernel checked against the reference evaluator, results
# written as .npy), then the AOT path (plstm-compile --emit=so).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PLSTM_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh" "$BUILD"

SPEC="$ROOT/examples/scan2d_vit.mlir"
OUT="$BUILD/demo-out"
echo
echo "== plstm-opt $SPEC (parsed, verified, printed)"
"$BUILD/bin/plstm-opt" "$SPEC"
echo
echo "== plstm-opt $SPEC --plstm-cpu-pipeline=stop-after-scan-lowering (first lines)"
mkdir -p "$OUT"
"$BUILD/bin/plstm-opt" "$SPEC" --plstm-cpu-pipeline=stop-after-scan-lowering > "$OUT/loops.mlir"
head -n 40 "$OUT/loops.mlir"
echo "   ... (all of it in $OUT/loops.mlir)"
echo
echo "== plstm-run $SPEC --random --seed 1 --dim B=3 --backend=cpu --check --bench 3 --output-dir $OUT"
"$BUILD/bin/plstm-run" "$SPEC" --random --seed 1 --dim B=3 --backend=cpu --check --bench 3 --output-dir "$OUT"
echo
echo "== plstm-compile $SPEC --emit=so -o $OUT/libvit.so (+ libvit.h)"
"$BUILD/bin/plstm-compile" "$SPEC" --emit=so -o "$OUT/libvit.so"
ls -l "$OUT/libvit.so" "$OUT/libvit.h"
