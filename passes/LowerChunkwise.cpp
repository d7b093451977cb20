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
#include "llvm/ADT/StringSwitch.h"

namespace mlir::plstm {
#define GEN_PASS_DEF_PLSTMLOWERCHUNKWISE
#include "passes/Passes.h.inc"
} // namespace mlir::plstm

using namespace mlir;
using namespace mlir::plstm;

namespace {

/// The two forms of the 1D chunkwise schedule (option chunk-order).
enum class ChunkOrder { Parallel, InOrder, ByThreads };

/// Chunks in order: every batch entry in parallel, its chunks in order,
/// each chunk finished before the next (outputs from the entering state,
/// then C_c = T_c·C_{c-1} + Skv_c). Nothing per chunk is stacked, and the
/// state stays in cache: the form for batches that fill the threads. The
/// full chunks run in one loop with the static length C (k and v are views
/// of the inputs, the construction loops have static bounds); a partial
/// last chunk in a second loop of at most one iteration.
std::pair<Value, Value> chunksInOrder(ImplicitLocOpBuilder &b, Scan1DOp op,
                                      int64_t capacity, Value batch,
                                      Value length, Value y0, Value last0) {
  auto stateType = cast<RankedTensorType>(op.getLast().getType());
  Type et = stateType.getElementType();
  ArrayRef<int64_t> stateShape = stateType.getShape().drop_front();
  Value zero = indexConst(b, 0), c = indexConst(b, capacity);
  Value numFull = arith::DivUIOp::create(b, length, c);
  Value numChunks = chunkCount(b, length, capacity);
  scf::ForallOp entries = parallelLoop(
      b, zero, batch, {y0, last0},
      [&](ImplicitLocOpBuilder &b, Value bi, ValueRange args) {
        Value state0 = op.getInitial() ? sliceAt(b, op.getInitial(), {bi})
                                       : zeroTensor(b, stateShape, et);
        auto step = [&](ImplicitLocOpBuilder &b, Value ci, ValueRange it,
                        bool full) {
          Value start = arith::MulIOp::create(b, ci, c);
          Value len = full ? c : chunkLength(b, length, start, capacity);
          Chunk1D chunk = buildChunk1D(b, op, bi, start, len, capacity);
          Value y = rmsNormalizeRows(b, chunkOutputs(b, chunk, it[0]),
                                     op.getOutputNormEpsAttr());
          Value next =
              applyTransition(b, chunk.tc, it[0], chunkSourceState(b, chunk));
          return SmallVector<Value>{
              next, insertChunkRows(b, y, it[1], {}, start, len)};
        };
        scf::ForOp fullChunks =
            forLoop(b, zero, numFull, {state0, sliceAt(b, args[0], {bi})},
                    [&](ImplicitLocOpBuilder &b, Value ci, ValueRange it) {
                      return step(b, ci, it, /*full=*/true);
                    });
        // The partial chunk in a function of its own (a second copy of the
        // chunk's code: outlined, it costs LLVM less compile time).
        SmallVector<Value> tail = outlined(b, [&] {
          scf::ForOp loop =
              forLoop(b, numFull, numChunks, fullChunks.getResults(),
                      [&](ImplicitLocOpBuilder &b, Value ci, ValueRange it) {
                        return step(b, ci, it, /*full=*/false);
                      });
          return SmallVector<Value>(loop.getResults());
        });
        return SmallVector<Value>{insertAt(b, tail[1], args[0], {bi}),
                                  insertAt(b, tail[0], args[1], {bi})};
      });
  return {entries.getResult(0), entries.getResult(1)};
}

/// Parallel chunks: per batch entry, three loops (SPEC §2.3-§2.4):
///   1. every chunk in parallel: its intra-chunk outputs (Q Kᵀ ⊙ G) V, its
///      transition product T_c, source state Skv_c and mark products M_c;
///   2. the chunk-state recurrence C_c = T_c·C_{c-1} + Skv_c in order (NT
///      small steps), keeping the state entering each chunk;
///   3. every chunk in parallel: y = intra + q·M_c·(entering state).
std::pair<Value, Value> parallelChunks(ImplicitLocOpBuilder &b, Scan1DOp op,
                                       int64_t capacity, Value batch,
                                       Value length, Value y0, Value last0) {
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
  Value numChunks = chunkCount(b, length, capacity);
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
                  insertChunkRows(b, y, it[0], {bi}, start, len)};
            });
        Value last = insertAt(b, states.getResult(0), args[1], {bi});
        return SmallVector<Value>{outputs.getResult(0), last};
      });
  return {batchLoop.getResult(0), batchLoop.getResult(1)};
}

/// `omp_get_max_threads()` as an index: the threads the kernel's parallel
/// loops run on (the runtime sets it per call, after splitting the batch).
Value kernelThreads(ImplicitLocOpBuilder &b, ModuleOp module) {
  StringRef name = "omp_get_max_threads";
  auto type = b.getFunctionType({}, {b.getI32Type()});
  if (!module.lookupSymbol<func::FuncOp>(name)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    func::FuncOp::create(b, name, type).setPrivate();
  }
  Value threads = func::CallOp::create(b, name, type.getResults(), ValueRange{})
                      .getResult(0);
  return arith::IndexCastOp::create(b, b.getIndexType(), threads);
}

/// The chunkwise schedule of one scan1d in the form `order` says.
void lowerScan1DChunkwise(Scan1DOp op, int64_t capacity, ChunkOrder order) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Value batch = tensor::DimOp::create(b, op.getQ(), 0);
  Value length = tensor::DimOp::create(b, op.getQ(), 1);
  Value y0 = emptyLike(b, op.getY().getType(), {batch, length});
  Value last0 = emptyLike(b, op.getLast().getType(), {batch});
  auto build = [&](ImplicitLocOpBuilder &b, bool inOrder) {
    return inOrder ? chunksInOrder(b, op, capacity, batch, length, y0, last0)
                   : parallelChunks(b, op, capacity, batch, length, y0, last0);
  };
  std::pair<Value, Value> results;
  if (order != ChunkOrder::ByThreads) {
    results = build(b, order == ChunkOrder::InOrder);
  } else {
    Value enough = arith::CmpIOp::create(
        b, arith::CmpIPredicate::uge, batch,
        kernelThreads(b, op->getParentOfType<ModuleOp>()));
    // The branches are built into the created scf.if (its regions belong to
    // an op while the forms' loops are moved around).
    auto form = scf::IfOp::create(
        b, TypeRange{op.getY().getType(), op.getLast().getType()}, enough,
        /*withElseRegion=*/true);
    for (bool inOrder : {true, false}) {
      Block *block = inOrder ? form.thenBlock() : form.elseBlock();
      ImplicitLocOpBuilder ib(op.getLoc(), block, block->end());
      auto [y, last] = build(ib, inOrder);
      scf::YieldOp::create(ib, ValueRange{y, last});
    }
    results = {form.getResult(0), form.getResult(1)};
  }
  op.getY().replaceAllUsesWith(results.first);
  op.getLast().replaceAllUsesWith(results.second);
  op.erase();
}

struct LowerChunkwisePass
    : public plstm::impl::PLSTMLowerChunkwiseBase<LowerChunkwisePass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<ChunkOrder> order =
        llvm::StringSwitch<std::optional<ChunkOrder>>(chunkOrder)
            .Case("parallel", ChunkOrder::Parallel)
            .Case("in-order", ChunkOrder::InOrder)
            .Case("threads", ChunkOrder::ByThreads)
            .Default(std::nullopt);
    if (!order) {
      emitError(getOperation().getLoc())
          << "plstm-lower-chunkwise: chunk-order = '" << chunkOrder
          << "', expected parallel, in-order or threads";
      return signalPassFailure();
    }
    for (Operation *op :
         scansWithSchedule(getOperation(), ScheduleKind::Chunkwise)) {
      int64_t chunk = op->getAttrOfType<ScheduleAttr>("schedule").getChunk();
      if (auto scan = dyn_cast<Scan1DOp>(op))
        lowerScan1DChunkwise(scan, chunk, *order);
      else if (auto scan = dyn_cast<Scan2DOp>(op))
        lowerScan2DTiled(scan, chunk, /*hierarchical=*/false,
                         dynamicQuadLevels);
      else
        lowerScanDagBlocked(cast<ScanDagOp>(op), chunk);
    }
  }
};

} // namespace
