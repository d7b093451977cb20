//===- CostModel.h - the schedule cost model of plstm-select-schedule -----===//
//
// Estimates, for one scan op, the cost of every schedule with a lowering:
// FLOPs (SPEC §9), bytes moved, sequential depth, parallel width, and a time
// estimate from per-kind throughputs of the target. The throughputs are
// calibrated on the generated code as it is today (see docs/schedules.md for
// the measurements); the schedule with the lowest estimated time wins.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_PASSES_COSTMODEL_H
#define PLSTM_PASSES_COSTMODEL_H

#include "dialect/PLSTMDialect.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::plstm {

/// What the model knows of the target.
struct TargetInfo {
  int64_t cores = 2;
  /// Whether calls spread the batch over the cores (the runtime splits the
  /// batch dim over threads: runtime/Kernel.h).
  bool batchParallel = true;
  /// fp32 lanes of a vector register (16 with AVX-512).
  int64_t vectorWidth = 16;
  int64_t l2Bytes = 1 << 20;
  /// Measured throughputs of the generated code (GFLOP/s per core):
  /// scalar recurrence steps, [C, C]-block contractions, and the time of one
  /// small per-position step of the chunk construction (microseconds).
  double recurrenceGflops = 2.2;
  double blockGflops = 2.5;
  /// 0.2 µs: from the 1d-lm chunkwise:16 run of docs/performance.md, after
  /// unit-dim folding made the construction steps cheaper (was 1.5).
  double constructionStepUs = 0.2;
  /// 1D chunks whose contractions plstm-cpu-microkernels register-blocks
  /// (every J = 1, DK and DV >= 8): block and chunk-state contraction
  /// rates, a cost per chunk and element of its state (the read-out, the
  /// state update and the chunk's buffers) and the time of a construction
  /// step (f32 scalars). Non-negative least-squares fit (2026-11-30, the
  /// chunks-in-order form) of 1d-lm and 1d-xl at chunkwise:16/32/64/128,
  /// 2 threads, medians of 2-3 runs: every prediction within 20 % of the
  /// measured time, and the best chunk of each shape predicted (32).
  double vectorBlockGflops = 45;
  double vectorStateGflops = 167;
  double chunkStateNs = 1.06;
  double vectorStepUs = 0.00265;
  /// Sequential 1D and 2D schedules whose nodes' states take one
  /// elementwise pass (JT = JK = JV = 1, plstm-lower-sequential) and whose
  /// read-outs are register-blocked: GFLOP/s per core (SPEC §9 sequential
  /// FLOPs). Measured 2026-11-30 (docs/performance.md, 2 threads): 1d-lm 66,
  /// 1d-xl 47, 2d-64 48, 2d-32 39, 2d-16 21 (1 thread 47), vit-t 40,
  /// vit-t-384 43.
  double vectorRecurrenceGflops = 40;
  /// The same when every J is 1 (the read-out fused into the state update:
  /// one pass over the states per node) and a node's states fit in L1
  /// (`l1StateBytes`). Measured 2026-11-30 (docs/performance.md, per core
  /// with 2 threads) after the direct term joined the pass: 1d-lm 72, 2d-16
  /// 52, 2d-32 78, 2d-64 64, vit-t 85, vit-b 63, vit-t-384 82; median 72
  /// (65 before, the median of the run before the direct term moved).
  double fusedRecurrenceGflops = 72;
  /// Sequential 1D schedule with JT, JK or JV > 1: the state kept as JT
  /// planes [DK, DV] and the terms factored, one pass per step over the
  /// planes (plstm-lower-sequential): GFLOP/s per core counted as the pass
  /// computes them, 2·DK·DV·JT·(JT + JK + JQ) per step (SPEC §9 counts
  /// the unfactored 2·DK·DV·(JT² + JT·JK·JV + JO·JQ·JT + JO·JQ·JK·JV)).
  /// Measured 2026-11-30 on 1d-j4 (JT = JV = JO = 4): 69 per core with 2
  /// threads.
  double planeRecurrenceGflops = 69;
  /// Bytes of a node's states (1D: C; 2D: C^r and C^d) up to which the
  /// fused rate applies; above it the states stream from L2 (1d-xl's
  /// 128 x 128 state: 43 GFLOP/s per core).
  double l1StateBytes = 32 * 1024;
  /// 2D tiled and log-depth schedules with every J = 1 and DK, DV >= 8 run
  /// this many times faster than the scalar rates above predict (their
  /// contractions are register-blocked microkernels). Measured / predicted
  /// on 2026-11-30: 5.2, 6.1 and 6.3 for the four-orientation log-depth
  /// kernels (vit-t, vit-b, vit-t-384), the ones that compete with the
  /// sequential schedule; 8 to 15 for one orientation (2d-16 chunkwise:4,
  /// :8, log-depth) and vit-t chunkwise:4, where the sequential schedule is
  /// 3-10x faster either way. 10 before the fused sequential read-out, when
  /// vit-t and vit-b log-depth measured 11.6-15.8 and 42 ms.
  double vectorTiled2DSpeedup = 6;
};

/// Sizes assumed for dynamic dims ("B", "T", "N", "E", "L").
using SizeHints = std::map<std::string, int64_t>;
SizeHints defaultSizeHints();
/// Parses "B=16,T=4096"; false on bad text.
bool parseSizeHints(llvm::StringRef text, SizeHints &hints);

struct ScheduleEstimate {
  ScheduleAttr schedule;
  double flops = 0, bytes = 0, depth = 0, width = 0, seconds = 0;
  std::string note;
};

/// FLOPs of one sequential run of a scan op (SPEC §9, J dims written out),
/// dynamic sizes from `hints`; 0 for any other op. Also the FLOP count that
/// `plstm-run --bench` reports.
double sequentialFlops(Operation *op, const SizeHints &hints);

/// Every schedule with a lowering for `op`, cheapest first.
std::vector<ScheduleEstimate> estimateSchedules(Operation *op,
                                                const TargetInfo &target,
                                                const SizeHints &hints);

/// One line per alternative, the chosen one first.
std::string explainSchedules(Operation *op,
                             const std::vector<ScheduleEstimate> &estimates);

} // namespace mlir::plstm

#endif // PLSTM_PASSES_COSTMODEL_H
