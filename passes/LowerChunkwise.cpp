//===- LowerChunkwise.cpp - plstm-lower-chunkwise -------------------------===//
//
// The chunkwise schedule of scan1d (SPEC §2.3-§2.4): the chunks' matrix-form
// parts in parallel, the chunk-state recurrence in order, the outputs in
// parallel (Chunk1D.h); and of scan2d
// (SPEC §3.3-§3.4): P×P tiles built by the quad tree, border states in
// anti-diagonal wavefronts (Chunk2D.h); and of scan_dag: blocks of C
// consecutive line-graph levels with dense path sums (DagBlocks.h; C = 1 is
// the level-parallel wavefront schedule).
//
//===----------------------------------------------------------------------===//

#include "passes/Chunk1D.h"
#include "passes/Chunk2D.h"
#include "passes/DagBlocks.h"
#include "passes/Passes.h"
#include "passes/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::plstm {
#define GEN_PASS_DEF_PLSTMLOWERCHUNKWISE
#include "passes/Passes.h.inc"
} // namespace mlir::plstm

using namespace mlir;
using namespace mlir::plstm;

namespace {

/// Per batch entry, three loops (SPEC §2.3-§2.4):
///   1. every chunk in parallel: its intra-chunk outputs (Q Kᵀ ⊙ G) V, its
///      transition product T_c, source state Skv_c and mark products M_c;
///   2. the chunk-state recurrence C_c = T_c·C_{c-1} + Skv_c in order (NT
///      small steps), keeping the state entering each chunk;
///   3. every chunk in parallel: y = intra + q·M_c·(entering state).
void lowerScan1DChunkwise(Scan1DOp op, int64_t capacity) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto stateType = cast<RankedTensorType>(op.getLast().getType());
  Type et = stateType.getElementType();
  ArrayRef<int64_t> stateShape = stateType.getShape().drop_front();
  int64_t jt = stateShape[2];
  ArrayRef<int64_t> yShape = cast<RankedTensorType>(op.getY().getType())
                                 .getShape()
                                 .drop_front(2); // [DV, JO]
  ArrayRef<int64_t> mShape =
      cast<RankedTensorType>(op.getMark().getType()).getShape().drop_front(2);
  Value zero = indexConst(b, 0);
  Value batch = tensor::DimOp::create(b, op.getQ(), 0);
  Value length = tensor::DimOp::create(b, op.getQ(), 1);
  Value numChunks = chunkCount(b, length, capacity);
  Value y0 = emptyLike(b, op.getY().getType(), {batch, length});
  Value last0 = emptyLike(b, op.getLast().getType(), {batch});
  // Per-chunk stacks [NT, ...].
  auto stackType = [&](ArrayRef<int64_t> inner) {
    SmallVector<int64_t> shape = {ShapedType::kDynamic};
    llvm::append_range(shape, inner);
    return RankedTensorType::get(shape, et);
  };
  SmallVector<int64_t> intraShape = {capacity};
  llvm::append_range(intraShape, yShape);
  SmallVector<int64_t> markShape = {capacity};
  llvm::append_range(markShape, mShape); // [C, JO, JQ, JT]
  auto startOf = [&](ImplicitLocOpBuilder &b, Value c) {
    return arith::MulIOp::create(b, c, indexConst(b, capacity));
  };

  scf::ForOp batchLoop = forLoop(
      b, zero, batch, {y0, last0},
      [&](ImplicitLocOpBuilder &b, Value bi, ValueRange args) {
        Value state0 = op.getInitial() ? sliceAt(b, op.getInitial(), {bi})
                                       : zeroTensor(b, stateShape, et);
        // 1. The chunks, independently.
        scf::ForallOp chunks = parallelLoop(
            b, zero, numChunks,
            {emptyLike(b, stackType(intraShape), {numChunks}),
             emptyLike(b, stackType({jt, jt}), {numChunks}),
             emptyLike(b, stackType(stateShape), {numChunks}),
             emptyLike(b, stackType(markShape), {numChunks})},
            [&](ImplicitLocOpBuilder &b, Value c, ValueRange it) {
              Value start = startOf(b, c);
              Value len = chunkLength(b, length, start, capacity);
              Chunk1D chunk = buildChunk1D(b, op, bi, start, len, capacity);
              return SmallVector<Value>{
                  insertAt(b, intraChunkOutputs(b, chunk), it[0], {c}),
                  insertAt(b, chunk.tc, it[1], {c}),
                  insertAt(b, chunkSourceState(b, chunk), it[2], {c}),
                  insertAt(b, chunk.mc, it[3], {c})};
            });
        Value intra = chunks.getResult(0), tcs = chunks.getResult(1),
              skvs = chunks.getResult(2), marks = chunks.getResult(3);
        // 2. The chunk states in order; entering[c] is the state before c.
        scf::ForOp states = forLoop(
            b, zero, numChunks,
            {state0, emptyLike(b, stackType(stateShape), {numChunks})},
            [&](ImplicitLocOpBuilder &b, Value c, ValueRange it) {
              Value next = applyTransition(b, sliceAt(b, tcs, {c}), it[0],
                                           sliceAt(b, skvs, {c}));
              return SmallVector<Value>{next, insertAt(b, it[0], it[1], {c})};
            });
        Value entering = states.getResult(1);
        // 3. The outputs, independently.
        scf::ForallOp outputs = parallelLoop(
            b, zero, numChunks, {args[0]},
            [&](ImplicitLocOpBuilder &b, Value c, ValueRange it) {
              Value start = startOf(b, c);
              Value len = chunkLength(b, length, start, capacity);
              Value q = chunkQuery(b, op, bi, start, len, capacity);
              Value y = addChunkReadout(b, q, sliceAt(b, marks, {c}),
                                        sliceAt(b, entering, {c}),
                                        sliceAt(b, intra, {c}));
              y = rmsNormalizeRows(b, y, op.getOutputNormEpsAttr());
              return SmallVector<Value>{
                  insertChunkRows(b, y, it[0], bi, start, len)};
            });
        Value last = insertAt(b, states.getResult(0), args[1], {bi});
        return SmallVector<Value>{outputs.getResult(0), last};
      });
  op.getY().replaceAllUsesWith(batchLoop.getResult(0));
  op.getLast().replaceAllUsesWith(batchLoop.getResult(1));
  op.erase();
}

struct LowerChunkwisePass
    : public plstm::impl::PLSTMLowerChunkwiseBase<LowerChunkwisePass> {
  void runOnOperation() override {
    for (Operation *op :
         scansWithSchedule(getOperation(), ScheduleKind::Chunkwise)) {
      int64_t chunk = op->getAttrOfType<ScheduleAttr>("schedule").getChunk();
      if (auto scan = dyn_cast<Scan1DOp>(op))
        lowerScan1DChunkwise(scan, chunk);
      else if (auto scan = dyn_cast<Scan2DOp>(op))
        lowerScan2DTiled(scan, chunk);
      else
        lowerScanDagBlocked(cast<ScanDagOp>(op), chunk);
    }
  }
};

} // namespace
