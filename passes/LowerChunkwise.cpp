//===- LowerChunkwise.cpp - plstm-lower-chunkwise -------------------------===//
//
// The chunkwise schedule of scan1d (SPEC §2.3-§2.4): a chunk loop carrying
// the state, each chunk's outputs in matrix form (Chunk1D.h); and of scan2d
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

void lowerScan1DChunkwise(Scan1DOp op, int64_t capacity) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto stateType = cast<RankedTensorType>(op.getLast().getType());
  Type et = stateType.getElementType();
  ArrayRef<int64_t> stateShape = stateType.getShape().drop_front();
  Value zero = indexConst(b, 0);
  Value batch = tensor::DimOp::create(b, op.getQ(), 0);
  Value length = tensor::DimOp::create(b, op.getQ(), 1);
  Value numChunks = chunkCount(b, length, capacity);
  Value y0 = emptyLike(b, op.getY().getType(), {batch, length});
  Value last0 = emptyLike(b, op.getLast().getType(), {batch});

  scf::ForOp batchLoop = forLoop(
      b, zero, batch, {y0, last0},
      [&](ImplicitLocOpBuilder &b, Value bi, ValueRange args) {
        Value state0 = op.getInitial() ? sliceAt(b, op.getInitial(), {bi})
                                       : zeroTensor(b, stateShape, et);
        scf::ForOp chunkLoop = forLoop(
            b, zero, numChunks, {state0, args[0]},
            [&](ImplicitLocOpBuilder &b, Value c, ValueRange it) {
              Value start =
                  arith::MulIOp::create(b, c, indexConst(b, capacity));
              Value len = chunkLength(b, length, start, capacity);
              Chunk1D chunk = buildChunk1D(b, op, bi, start, len, capacity);
              Value y = insertChunkRows(b, chunkOutputs(b, chunk, it[0]), it[1],
                                        bi, start, len);
              Value next = applyTransition(b, chunk.tc, it[0],
                                           chunkSourceState(b, chunk));
              return SmallVector<Value>{next, y};
            });
        Value last = insertAt(b, chunkLoop.getResult(0), args[1], {bi});
        return SmallVector<Value>{chunkLoop.getResult(1), last};
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
