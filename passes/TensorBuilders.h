//===- TensorBuilders.h - small builders for structured IR on tensors -----===//
//
// Helpers the schedule lowerings share: an `einsum` that emits one
// linalg.generic from index strings ("dj,oju,dvu->vo"), rank-reducing slices
// at leading indices, zero-filled tensors and constants.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_PASSES_TENSORBUILDERS_H
#define PLSTM_PASSES_TENSORBUILDERS_H

#include "dialect/PLSTMDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::plstm {

/// One operand of an einsum: a tensor and one index letter per dim.
struct EinsumOperand {
  Value tensor;
  llvm::StringRef indices;
};

/// Emits `acc[out] += Π_i operands[i][indices_i]` as one linalg.generic:
/// output letters are parallel, every other letter is a reduction. Returns
/// the updated `acc`.
Value einsum(ImplicitLocOpBuilder &b, llvm::ArrayRef<EinsumOperand> operands,
             Value acc, llvm::StringRef outIndices);

// The per-node contractions of the recurrence (SPEC §0 shorthand), each
// accumulated into `acc`:
//   q⋅M⋅C   y[v,o] += Σ q[d,j] M[o,j,u] C[d,v,u]          (acc [DV, JO])
//   q⋅D⋅kv  y[v,o] += Σ q[d,j] D[o,j,k,l] k[d,k] v[v,l]   (acc [DV, JO])
//   T·C     C'[d,v,i] += Σ T[i,j] C[d,v,j]                 (acc [DK, DV, JT])
//   S⋆kv    C'[d,v,i] += Σ S[i,j,l] k[d,j] v[v,l]          (acc [DK, DV, JT])
Value addMarkReadout(ImplicitLocOpBuilder &b, Value acc, Value q, Value mark,
                     Value state);
Value addDirectTerm(ImplicitLocOpBuilder &b, Value acc, Value q, Value direct,
                    Value k, Value v);
Value addTransition(ImplicitLocOpBuilder &b, Value acc, Value transition,
                    Value state);
Value addSourceTerm(ImplicitLocOpBuilder &b, Value acc, Value source, Value k,
                    Value v);

/// Whether JT = JK = JV = 1, so that every transition and source of a node
/// is a scalar: the last dims of `state` (JT last: a state [..., DK, DV, JT]
/// or a transition [..., JT, JT]), `k` [..., DK, JK] and `v` [..., DV, JV].
bool isScalarJ(Value state, Value k, Value v);

/// One outgoing state for `updateStatesJ1`: Σ_i coefs[i]·states[i] +
/// source·(k ⊗ v); a null coefficient drops its term. The coefficients and
/// the source are scalars of the element type.
struct StateUpdate {
  llvm::SmallVector<Value, 2> coefs;
  Value source;
};

/// All outgoing states of one node (J = 1, `isScalarJ`) in one elementwise
/// linalg.generic over [DK, DV, 1]: the incoming states and k, v are read
/// once, each result is written once into its init (not read). Replaces the
/// fill + one pass per transition + one per source of the per-term
/// builders.
///
/// With `readout`, the same pass also adds the read-out of the incoming
/// states, `acc[v] += Σ_d q[d]·Σ_i marks[i]·states[i][d,v]` (the q⋅M⋅C of
/// each state, marks scalars, a null mark drops its state), and returns the
/// updated `acc` after the states. The pass is then a reduction over DK, so
/// the states are read through the inits, which must be `states` itself
/// (updated in place); see `canFuseReadoutJ1`.
/// With `direct` (a scalar, or null) the pass also adds the direct term
/// q⋅D⋅kv, `acc[v] += Σ_d ((q[d]·D)·k[d])·v[v]`.
struct ReadoutJ1 {
  Value q;                           // [DK, 1], scaled
  llvm::SmallVector<Value, 2> marks; // one scalar (or null) per state
  Value acc;                         // [DV, 1]
  Value direct = {};                 // scalar D, or null
};
llvm::SmallVector<Value> updateStatesJ1(ImplicitLocOpBuilder &b,
                                        ValueRange states, Value k, Value v,
                                        llvm::ArrayRef<StateUpdate> updates,
                                        ValueRange inits,
                                        const ReadoutJ1 *readout = nullptr);

/// Whether the read-out with `q` [..., DK, JK] and marks [..., JO, JT, JK]
/// (the last three dims) can be fused into `updateStatesJ1`: every J is 1.
/// `direct` (optional) [..., JO, JQ, JK, JV]: its last four dims too.
bool canFuseReadoutJ1(Value q, ValueRange marks, Value direct = {});

/// `x * scale` elementwise (scale is a scalar of x's element type; any
/// dims may be dynamic).
Value scaleTensor(ImplicitLocOpBuilder &b, Value x, Value scale);

/// y [rows..., DV, JO] (static) with every row divided by its RMS over the
/// last two dims, y / √(mean(y²) + eps); y itself when `eps` is null (the
/// `output_norm_eps` of plstm.scan1d).
Value rmsNormalizeRows(ImplicitLocOpBuilder &b, Value y, FloatAttr eps);

/// A tensor of `shape` (static) filled with zeros.
Value zeroTensor(ImplicitLocOpBuilder &b, llvm::ArrayRef<int64_t> shape,
                 Type elementType);

/// `dest` (a ranked tensor) filled with zeros: a linalg.fill into it.
Value zeroFill(ImplicitLocOpBuilder &b, Value dest);
/// A zero tensor of `sizes`, each static (an attribute) or dynamic.
Value zeroTensor(ImplicitLocOpBuilder &b, llvm::ArrayRef<OpFoldResult> sizes,
                 Type elementType);

/// The slice `source[lead..., :, ..., :]` with the leading dims dropped
/// (rank-reducing extract_slice); a dynamic trailing dim is taken whole
/// (tensor.dim of `source`).
Value sliceAt(ImplicitLocOpBuilder &b, Value source, ValueRange lead);

/// Inserts `value` (the trailing dims) into `dest` at `lead...`.
Value insertAt(ImplicitLocOpBuilder &b, Value value, Value dest,
               ValueRange lead);

/// Index constant.
Value indexConst(ImplicitLocOpBuilder &b, int64_t value);

/// Body of `forLoop`: gets the induction variable and the iter_args, returns
/// the values to yield.
using LoopBody =
    function_ref<SmallVector<Value>(ImplicitLocOpBuilder &, Value, ValueRange)>;

/// `build`'s values computed inside an `scf.execute_region no_inline`, which
/// the CPU pipeline moves into a function of its own (plstm-outline-regions):
/// LLVM's loop passes scale worse than linearly with a function's size, so
/// a few medium functions compile faster than one large one.
SmallVector<Value> outlined(ImplicitLocOpBuilder &b,
                            function_ref<SmallVector<Value>()> build);

/// scf.for from `lower` to `upper` (step 1) with `inits`.
scf::ForOp forLoop(ImplicitLocOpBuilder &b, Value lower, Value upper,
                   ValueRange inits, LoopBody body);

/// scf.while over `carried`, whose first value is an index counter: runs
/// `body` while the counter is below `limit` (unsigned); `body` gets the
/// carried values and returns the next ones (the counter first). For
/// doubling loops (strides, block sides) whose carried values may change
/// shape (an scf.for's canonicalization assumes they do not).
scf::WhileOp whileBelow(
    ImplicitLocOpBuilder &b, Value limit, ValueRange carried,
    function_ref<SmallVector<Value>(ImplicitLocOpBuilder &, ValueRange)> body);

/// Like forLoop, for loops whose iterations are independent: the body must
/// return, per iter_arg, a tensor.insert_slice into that iter_arg, the
/// slices of different iterations must be disjoint, and an iteration may
/// read an iter_arg only in the slice it writes. Built as scf.forall with
/// tensor.parallel_insert_slice: the CPU pipeline runs its iterations on all
/// the kernel's threads (OpenMP), so results do not depend on the thread
/// count.
scf::ForallOp parallelLoop(ImplicitLocOpBuilder &b, Value lower, Value upper,
                           ValueRange inits, LoopBody body);

/// A tensor.empty of `type`; `leadingSizes[d]` is the size of dim d for the
/// first dims (used where that dim is dynamic).
Value emptyLike(ImplicitLocOpBuilder &b, Type type, ValueRange leadingSizes);

/// The scan ops under `root` whose schedule attribute has `kind`, in walk
/// order (what one schedule's lowering pass rewrites).
SmallVector<Operation *> scansWithSchedule(Operation *root, ScheduleKind kind);

} // namespace mlir::plstm

#endif // PLSTM_PASSES_TENSORBUILDERS_H
