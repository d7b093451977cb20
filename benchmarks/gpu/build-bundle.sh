#!/usr/bin/env bash
# Builds the device-check bundle (docs/gpu.md): plstm-gpu-runner (thin runtime
# only), the PTX + .launch of each PERFORMANCE.md shape for sm_90, each
# shape's CPU kernel (AOT library) and device-check.sh, into DIR.
#
#   benchmarks/gpu/build-bundle.sh [DIR] [BUILD]      (default build/gpu-bundle, build)
#
# On the GPU machine: DIR/device-check.sh prints the table.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${1:-$ROOT/build/gpu-bundle}"
BUILD="${2:-$ROOT/build}"
BIN="$BUILD/bin"
for tool in plstm-compile plstm-run plstm-gpu-runner; do
  [[ -x "$BIN/$tool" ]] || { echo "build-bundle: error: $BIN/$tool is missing (build first)" >&2; exit 1; }
done
SPECS="$ROOT/benchmarks/specs"
# name  spec  dims  GPU schedule (the CPU reference runs the sequential one)
SHAPES=(
  "1d-lm $SPECS/scan1d_d64.mlir B=16,T=4096 sequential"
  "1d-lm-ck64 $SPECS/scan1d_d64.mlir B=16,T=4096 chunkwise:64"
  "1d-xl $SPECS/scan1d_d128.mlir B=64,T=4096 sequential"
  "1d-xl-ck64 $SPECS/scan1d_d128.mlir B=64,T=4096 chunkwise:64"
  "1d-lm-ld64 $SPECS/scan1d_d64.mlir B=16,T=4096 logdepth:64"
  "1d-j4 $SPECS/scan1d_j4.mlir B=8,T=2048 sequential"
  "2d-16 $SPECS/scan2d_16x16.mlir B=8 sequential"
  "2d-32 $SPECS/scan2d_32x32.mlir B=8 sequential"
  "2d-64 $SPECS/scan2d_64x64.mlir B=64 sequential"
  "2d-64-ck8 $SPECS/scan2d_64x64.mlir B=64 chunkwise:8"
  "2d-64-ck16 $SPECS/scan2d_64x64.mlir B=64 chunkwise:16"
  "2d-64-ck1 $SPECS/scan2d_64x64.mlir B=64 chunkwise:1"
  "2d-16-ck1 $SPECS/scan2d_16x16.mlir B=8 chunkwise:1"
  "vit-t $SPECS/vit_16x16.mlir B=24 sequential"
  "vit-t-ld $SPECS/vit_16x16.mlir B=24 logdepth"
  "vit-t-384-ld $SPECS/vit_32x32.mlir B=24 logdepth"
  "2d-32-ld $SPECS/scan2d_32x32.mlir B=8 logdepth"
  "vit-b $SPECS/vit_16x16.mlir B=96 sequential"
  "vit-t-384 $SPECS/vit_32x32.mlir B=24 sequential"
  "mol $ROOT/examples/scan_dag_molecules.mlir B=4,N=2048 sequential 64"
  "dag-2048 $ROOT/examples/scan_dag_molecules.mlir B=4,N=2048 sequential 1"
  "mol-ck1 $ROOT/examples/scan_dag_molecules.mlir B=4,N=2048 chunkwise:1 64"
  # A/B variants of choices made without a GPU (docs/gpu.md): the one-launch
  # forms the grids replaced, LLVM's LSR off for sequential kernels, and no
  # register tiles for the matrix products.
  "1d-xl-ck64-notiles $SPECS/scan1d_d128.mlir B=64,T=4096 chunkwise:64 1 --gpu-register-tiles=false"
  "2d-64-ck8-notiles $SPECS/scan2d_64x64.mlir B=64 chunkwise:8 1 --gpu-register-tiles=false"
  "vit-t-ld-notiles $SPECS/vit_16x16.mlir B=24 logdepth 1 --gpu-register-tiles=false"
  "2d-64-ck1-nofuse $SPECS/scan2d_64x64.mlir B=64 chunkwise:1 1 --gpu-fuse-loops=false"
  "vit-t-ld-1launch $SPECS/vit_16x16.mlir B=24 logdepth 1 --gpu-chunk-grid=false"
  "2d-32-ld-noopgrid $SPECS/scan2d_32x32.mlir B=8 logdepth 1 --gpu-op-grid=false"
  "1d-lm-nolsr $SPECS/scan1d_d64.mlir B=16,T=4096 sequential 1 --gpu-lsr=off"
  "2d-32-nolsr $SPECS/scan2d_32x32.mlir B=8 sequential 1 --gpu-lsr=off"
  # Up to 227 KiB of (dynamic) shared memory a block instead of 48 KiB: the
  # d = 128 state (64 KiB) on chip.
  "1d-xl-smem $SPECS/scan1d_d128.mlir B=64,T=4096 sequential 1 --gpu-shared-bytes=232448"
  "1d-xl-ck64-smem $SPECS/scan1d_d128.mlir B=64,T=4096 chunkwise:64 1 --gpu-shared-bytes=232448"
)
names=()
rm -rf "$DIR.tmp" && mkdir -p "$DIR.tmp"
cp "$BIN/plstm-gpu-runner" "$DIR.tmp/"
{
  echo '#!/usr/bin/env bash'
  echo '# The device check: each kernel checked against its CPU library on fresh'
  echo '# random inputs (outputs poisoned first), then timed with CUDA events.'
  echo 'cd "$(dirname "$0")"; status=0'
  echo '# Fresh inputs at every run of the script: SEED=N repeats one.'
  echo 'SEED=${SEED:-$(( $(date +%s) % 1000000 ))}; echo "seed: $SEED (SEED=$SEED repeats these inputs)"'
  echo 'echo "| shape | dims | median ms | min ms | runs | TB/s (% of 4.3) | TFLOP/s (% of 67 fp32) | max rel err | check |"'
  echo 'echo "|---|---|---:|---:|---:|---:|---:|---:|---|"'
} > "$DIR.tmp/device-check.sh"
for entry in "${SHAPES[@]}"; do
  # The fifth field: the graph's components (PERFORMANCE.md's mol: 64 DAGs
  # of 32 nodes; plstm-run and plstm-gpu-runner --graph-components).
  # The sixth field on: plstm-compile flags of an A/B variant.
  read -r name spec dims sched comps flags <<<"$entry"
  comps=${comps:-1}
  echo "build-bundle: $name ($dims, $sched)" >&2
  # The GPU kernel: a block of 128 threads per row (docs/gpu.md), the
  # schedule named; the CPU reference: the sequential schedule.
  # shellcheck disable=SC2086 # flags: zero or more words
  "$BIN/plstm-compile" "$spec" --target=nvptx --chip=sm_90 --schedule="$sched" ${flags:-} -o "$DIR.tmp/$name.ptx"
  "$BIN/plstm-compile" "$spec" --emit=so --schedule=sequential -o "$DIR.tmp/$name.so"
  # FLOPs per run (SPEC §9 formulas, the cost model's sequential count):
  # printed by plstm-run --bench on the CPU kernel.
  graphArgs=()
  [ "$comps" != 1 ] && graphArgs=(--graph-components="$comps")
  flops=$("$BIN/plstm-run" "$spec" --random --seed 1 --dim "$dims" "${graphArgs[@]}" --backend=cpu --schedule=sequential --bench 1 2>&1 \
          | sed -n 's/.* \([0-9.e+]*\) FLOP per run.*/\1/p' | awk '{s += $1} END {printf "%.6g", s}')
  echo "./plstm-gpu-runner --label $name --ptx $name.ptx --cpu ./$name.so --dim $dims --graph-components $comps --flops $flops --runs 20 --max-seconds \${MAX_SECONDS:-30} --seed \$((SEED + ${#names[@]})) || status=1" >> "$DIR.tmp/device-check.sh"
  names+=("$name")
done
echo 'exit $status' >> "$DIR.tmp/device-check.sh"
chmod +x "$DIR.tmp/device-check.sh"
rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
echo "build-bundle: $(du -sh "$DIR" | cut -f1) in $DIR" >&2
