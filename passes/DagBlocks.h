//===- DagBlocks.h - the level-block schedules of scan_dag ----------------===//
//
// Shared by plstm-lower-chunkwise (blocks of C consecutive levels; C = 1 is
// the level-parallel wavefront schedule) and plstm-lower-logdepth (one block
// holding every level). In the kernel, once per call: the level of every edge
// (the longest line-graph path from a source edge), the edges sorted by level.
// Per batch entry and block, with n edges in the block:
//
//   A [n, n, JT, JT]   transitions between edges of the block;
//   X [n, DK, DV, JT]  S_e ⋆ kv(tail e) + Σ T·C_e' over line edges e' -> e
//                      from earlier blocks (their states are final);
//   R = Σ_i A^i        by repeated squaring (R ← R + B·R, B ← B², from R = I,
//                      B = A) in ⌈log2 levels⌉ stages: A is nilpotent;
//   C = R·X            the block's states; y_head(e) += s·q·M_e·C_e.
//
// The edges of one level are independent (no line edge joins them); with one
// level per block A = 0 and C = X: the wavefront schedule.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_PASSES_DAGBLOCKS_H
#define PLSTM_PASSES_DAGBLOCKS_H

#include "dialect/PLSTMDialect.h"

namespace mlir::plstm {

/// Replaces `op` by the level-block schedule; `levelsPerBlock` = 0: one block.
void lowerScanDagBlocked(ScanDagOp op, int64_t levelsPerBlock);

} // namespace mlir::plstm

#endif // PLSTM_PASSES_DAGBLOCKS_H
