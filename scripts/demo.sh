#!/usr/bin/env bash
# scripts/demo.sh - set everything up (scripts/setup.sh), then run the demo:
# the four-orientation ViT-T scan of examples/scan2d_vit.mlir through
# plstm-opt (parse, verify, print) and plstm-run (random inputs, reference
# backend, results written as .npy).
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
echo "== plstm-run $SPEC --random --seed 1 --dim B=3 --output-dir $OUT"
"$BUILD/bin/plstm-run" "$SPEC" --random --seed 1 --dim B=3 --output-dir "$OUT"
