//===- DagGraph.h - graph preparation inside DAG kernels ------------------===//
//
// Index-tensor building blocks the DAG lowerings share: compressed rows of
// the line edges, a topological order of the edges (Kahn's algorithm on the
// line graph), per-edge levels. Everything is computed in the kernel, once per
// call, from the `edges` / `line_edges` operands; the runtime validates the
// graph before every call.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_PASSES_DAGGRAPH_H
#define PLSTM_PASSES_DAGGRAPH_H

#include "dialect/PLSTMDialect.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <utility>

namespace mlir::plstm {

/// `indexTensor[row, col]` (i32 or i64) as an index.
Value loadIndex(ImplicitLocOpBuilder &b, Value indexTensor, Value row,
                int64_t col);
/// `vector[i]` and `vector` with `vector[i] = value` (rank-1 tensors).
Value loadAt(ImplicitLocOpBuilder &b, Value vector, Value i);
Value storeAt(ImplicitLocOpBuilder &b, Value value, Value vector, Value i);
/// A zero-filled tensor<?xindex> of `size` elements.
Value zeroIndexVector(ImplicitLocOpBuilder &b, Value size);

/// Compressed rows of the line edges grouped by their column `col` (0: the
/// incoming edge, 1: the outgoing edge): `ptr[e]..ptr[e+1]` indexes `list`,
/// which holds line-edge ids.
std::pair<Value, Value> buildLineEdgeRows(ImplicitLocOpBuilder &b,
                                          Value lineEdges, Value numEdges,
                                          Value numLines, int64_t col);

/// A topological order of the edges (Kahn's algorithm on the line graph,
/// the ready edges on a stack).
Value buildEdgeOrder(ImplicitLocOpBuilder &b, Value lineEdges, Value numEdges,
                     Value numLines, Value outPtr, Value outList);

/// Slots for the edges' states, reused once an edge's last consumer (in
/// `order`) has read it: `slots[e]` is e's slot, 1..numSlots-1, or 0 (a
/// shared dump slot) for an edge no line edge reads. The peak number of live
/// states, not E, sizes the states of a sequential DAG kernel (a random DAG
/// on 2048 nodes, 4096 edges: 815 in the stack order of buildEdgeOrder, 1325
/// breadth first; numSlots is the min of that + 1 and E + 1, which changes
/// nothing and gives the GPU mapping a bound its host knows: there the
/// slots' buffer is sized by E + 1). An edge's slot is taken before the
/// slots of its inputs are released, so it never shares a slot with one of
/// them. `inPtr`/`inList`: buildLineEdgeRows(..., 1).
std::pair<Value, Value> buildEdgeSlots(ImplicitLocOpBuilder &b, Value lineEdges,
                                       Value numEdges, Value numLines,
                                       Value order, Value inPtr, Value inList);

/// y[bi, n] = s·q_n⋅D_n⋅kv_n for every node n (the direct term, which also
/// initializes every output row); `scale` is s as an element-type constant.
Value initDagOutputs(ImplicitLocOpBuilder &b, ScanDagOp op, Value bi, Value y,
                     Value scale);

} // namespace mlir::plstm

#endif // PLSTM_PASSES_DAGGRAPH_H
