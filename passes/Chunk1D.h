//===- Chunk1D.h - per-chunk building blocks of the 1D parallel schedules -===//
//
// Shared by plstm-lower-chunkwise and plstm-lower-logdepth for scan1d
// (SPEC §2.3, §2.4). For the chunk [start, start + len) of batch entry b,
// with chunk capacity C (len <= C; positions >= len are zero padding):
//
//   tc [JT, JT]              T0_{len-1} ⋯ T0_0               (prefix product)
//   sc [C, JT, JK, JV]       T0_{len-1} ⋯ T0_{a+1} · S0_a     (suffix products)
//   mc [C, JO, JQ, JT]       M0_a · T0_{a-1} ⋯ T0_0
//   g  [C, C, JO, JQ, JK, JV] M0_a · T0_{a-1} ⋯ T0_{a'+1} · S0_{a'} (a > a'),
//                            D0_a on the diagonal, 0 above it
//   q (scaled by s), k, v    [C, DK, JQ], [C, DK, JK], [C, DV, JV], zero padded
//                            (k and v of a full chunk, len the constant C, are
//                            views of the inputs)
//
// The products are accumulated position by position ("cumulative products"),
// never divided, so zero transitions are fine.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_PASSES_CHUNK1D_H
#define PLSTM_PASSES_CHUNK1D_H

#include "dialect/PLSTMDialect.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::plstm {

struct Chunk1D {
  Value tc, sc, mc, g, q, k, v;
};

/// Builds the chunk tensors of `op` for batch entry `bi`.
Chunk1D buildChunk1D(ImplicitLocOpBuilder &b, Scan1DOp op, Value bi,
                     Value start, Value len, int64_t capacity);

/// y of the chunk [C, DV, JO] = intra ((Q Kᵀ ⊙ G) V in J form) + inter
/// (q·M_c·state), already scaled by s.
Value chunkOutputs(ImplicitLocOpBuilder &b, const Chunk1D &chunk, Value state);

/// The intra-chunk part alone: (Q Kᵀ ⊙ G) V in J form [C, DV, JO].
Value intraChunkOutputs(ImplicitLocOpBuilder &b, const Chunk1D &chunk);

/// acc [C, DV, JO] + q·M_c·state (q [C, DK, JQ] scaled, mc [C, JO, JQ, JT],
/// state [DK, DV, JT]).
Value addChunkReadout(ImplicitLocOpBuilder &b, Value q, Value mc, Value state,
                      Value acc);

/// The chunk's q alone (scaled by s, zero padded to [C, DK, JQ]), without
/// building the rest of the chunk.
Value chunkQuery(ImplicitLocOpBuilder &b, Scan1DOp op, Value bi, Value start,
                 Value len, int64_t capacity);

/// Σ_a S_c[a] ⋆ (k_a ⊗ v_a)   [DK, DV, JT].
Value chunkSourceState(ImplicitLocOpBuilder &b, const Chunk1D &chunk);

/// T·state + add  (state and add [DK, DV, JT], t [JT, JT]).
Value applyTransition(ImplicitLocOpBuilder &b, Value t, Value state, Value add);

/// Writes rows [0, len) of `chunkY` [C, DV, JO] into
/// y[lead..., start:start+len] (y: [lead..., T, DV, JO]).
Value insertChunkRows(ImplicitLocOpBuilder &b, Value chunkY, Value y,
                      ValueRange lead, Value start, Value len);

/// The JT × JT identity.
Value identityMatrix(ImplicitLocOpBuilder &b, int64_t n, Type elementType);

/// Chunk count ceil(T / C) and the length of chunk `c`.
Value chunkCount(ImplicitLocOpBuilder &b, Value length, int64_t capacity);
Value chunkLength(ImplicitLocOpBuilder &b, Value length, Value start,
                  int64_t capacity);

/// The default leaf chunk of log-depth schedules without `chunk`.
constexpr int64_t kDefaultLogdepthChunk = 64;

} // namespace mlir::plstm

#endif // PLSTM_PASSES_CHUNK1D_H
