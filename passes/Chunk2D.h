//===- Chunk2D.h - the tiled (quad-tree) schedules of scan2d --------------===//
//
// Shared by plstm-lower-chunkwise (tiles of side P = the schedule's chunk)
// and plstm-lower-logdepth (one tile: P = the grid side rounded up to a power
// of two). SPEC §3.3-§3.6, per batch entry:
//
//   y = s·q⋅D⋅kv for every node, once for all orientations (SPEC A5);
//   per orientation o (one scf.for over stacked, flipped and padded copies of
//   the inputs):
//     per tile, in anti-diagonal wavefronts (SPEC §3.4):
//       the quad tree of SPEC §3.3 builds the tile's border transitions
//       T_rl/T_du/T_dl/T_ru [P, P, JT, JT], sources S_r/S_d [P, P, P, ...],
//       marks M_l/M_u [P, P, P, ...] and path sums G [P, P, P, P, J...] in
//       log2 P merge levels;
//       y_tile += (Q Kᵀ ⊙ G) V + Q·M·(incoming border states);
//       outgoing border states = T·incoming + S⋆kv.
//
// Padding (SPEC A2): grids are padded to whole tiles at the high-x / high-y
// ends. Padded cells have zero sources, marks and turns and *identity*
// straight transitions, so border states pass through them unchanged: the
// last states of partial tiles are the real ones, and no padded cell is an
// ancestor of a real one.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_PASSES_CHUNK2D_H
#define PLSTM_PASSES_CHUNK2D_H

#include "dialect/PLSTMDialect.h"

namespace mlir::plstm {

/// Replaces `op` by the tiled schedule with P×P tiles (P a power of two):
/// tiles in anti-diagonal wavefronts, or (`hierarchical`) leaf tiles of a
/// state quad tree over a square grid of 2^K tiles per side, whose up- and
/// down-sweeps give every tile its incoming border states in O(log) depth.
/// `dynamicLevels`: the tiles' quad-tree merges up to 8×8 cells as one
/// scf.while with dynamic level shapes (tiles from 32×32 on; fewer functions
/// for LLVM to compile; the CPU pipeline's). `parallelOrientations`: with
/// one tile and several orientations, the orientations as an scf.forall,
/// each orientation's path sums G in its own slot, summed after the loop
/// (the GPU pipeline's: a block per (row, orientation)); otherwise an
/// scf.for that adds each orientation's G into one.
void lowerScan2DTiled(Scan2DOp op, int64_t tileSide, bool hierarchical = false,
                      bool dynamicLevels = false,
                      bool parallelOrientations = false);

/// The leaf tile of the hierarchical log-depth form (grids over
/// kMaxTileSide2D).
constexpr int64_t kLogdepthLeafTile2D = 16;

/// Smallest power of two >= n (n >= 1).
int64_t nextPowerOfTwo(int64_t n);

} // namespace mlir::plstm

#endif // PLSTM_PASSES_CHUNK2D_H
