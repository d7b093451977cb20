#!/usr/bin/env bash
# Counts, without a GPU, the barriers a block of each GPU kernel passes one
# after another (docs/gpu.md, "Testing without a GPU"): each kernel's
# GPU-mapped IR runs on the CPU (plstm-run --backend=gpu-on-cpu) with the
# race check, which also prints that chain (per launch, the block with the
# most, summed over the launches; one row, B = 1) and the memory accesses
# the blocks' threads made (loads and stores of the mapped IR: what register
# tiles and in-place updates save). Prints a Markdown table.
#
#   benchmarks/gpu/barrier-chains.sh [BUILD]      (default build)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
RUN="$BUILD/bin/plstm-run"
[[ -x "$RUN" ]] || { echo "barrier-chains: error: $RUN is missing (build first)" >&2; exit 1; }
SPECS="$ROOT/benchmarks/specs"
EX="$ROOT/examples"
# name  spec  dims  schedule ("-": the spec's default)
KERNELS=(
  "1d-d64-seq $SPECS/scan1d_d64.mlir B=1,T=256 sequential"
  "1d-d128-seq $SPECS/scan1d_d128.mlir B=1,T=256 sequential"
  "1d-d64-ck64 $SPECS/scan1d_d64.mlir B=1,T=256 chunkwise:64"
  "1d-d64-ld64 $SPECS/scan1d_d64.mlir B=1,T=256 logdepth:64"
  "scan1d_lm-seq $EX/scan1d_lm.mlir B=1,T=9 sequential"
  "2d-16-seq $SPECS/scan2d_16x16.mlir B=1 sequential"
  "2d-16-ck8 $SPECS/scan2d_16x16.mlir B=1 chunkwise:8"
  "2d-16-ld $SPECS/scan2d_16x16.mlir B=1 logdepth"
  "2d-16-ck1 $SPECS/scan2d_16x16.mlir B=1 chunkwise:1"
  "vit-16-seq $SPECS/vit_16x16.mlir B=1 sequential"
  "mol-seq $EX/scan_dag_molecules.mlir B=1,N=32 sequential"
  "mol-ld $EX/scan_dag_molecules.mlir B=1,N=32 logdepth"
  "layer1d_lm $EX/layer1d_lm.mlir B=1,T=16 -"
)
echo "| kernel | dims | schedule | barriers one after another | memory accesses | races |"
echo "|---|---|---|---:|---:|---:|"
status=0
for k in "${KERNELS[@]}"; do
  read -r name spec dims sched <<<"$k"
  args=("$spec" --random --seed 84 --dim "$dims" --backend=gpu-on-cpu --check --gpu-race-check)
  [[ "$sched" != - ]] && args+=("--schedule=$sched")
  if ! out=$("$RUN" "${args[@]}" 2>&1); then
    echo "barrier-chains: error: $name failed:" >&2
    echo "$out" | tail -5 >&2
    status=1
    continue
  fi
  line=$(grep -o "[0-9]* accesses, [0-9]* races; [0-9]* barriers" <<<"$out" | head -1)
  accesses=${line%% accesses*}
  races=${line#*accesses, }
  races=${races%% races*}
  chain=${line##*; }
  chain=${chain%% *}
  echo "| $name | $dims | $sched | $chain | $accesses | $races |"
done
exit $status
