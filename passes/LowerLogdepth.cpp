//===- LowerLogdepth.cpp - plstm-lower-logdepth ---------------------------===//
//
// The log-depth schedule of scan1d: chunk pairs (T_c, Skv_c), an inclusive
// Hillis-Steele scan over them in ⌈log2 NT⌉ stages, then every chunk's
// outputs from the state entering it. scan2d: the quad tree of SPEC §3.3
// over the whole grid as one tile (Chunk2D.h), log2 P merge levels.
// scan_dag: the path sums of the whole line graph by repeated squaring of its
// transition matrix, ⌈log2 levels⌉ stages (DagBlocks.h).
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
#define GEN_PASS_DEF_PLSTMLOWERLOGDEPTH
#include "passes/Passes.h.inc"
} // namespace mlir::plstm

using namespace mlir;
using namespace mlir::plstm;

namespace {

/// state after the chunks [0, c] from the inclusive scan: A[c]·init + B[c].
Value stateAfter(ImplicitLocOpBuilder &b, Value as, Value bs, Value c,
                 Value init) {
  return applyTransition(b, sliceAt(b, as, {c}), init, sliceAt(b, bs, {c}));
}

void lowerScan1DLogdepth(Scan1DOp op, int64_t capacity) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto stateType = cast<RankedTensorType>(op.getLast().getType());
  Type et = stateType.getElementType();
  SmallVector<int64_t> stateShape(stateType.getShape().drop_front());
  int64_t jt = stateShape[2];
  Value zero = indexConst(b, 0), one = indexConst(b, 1);
  Value batch = tensor::DimOp::create(b, op.getQ(), 0);
  Value length = tensor::DimOp::create(b, op.getQ(), 1);
  Value numChunks = chunkCount(b, length, capacity);
  Value y0 = emptyLike(b, op.getY().getType(), {batch, length});
  Value last0 = emptyLike(b, op.getLast().getType(), {batch});
  auto pairsA = RankedTensorType::get({ShapedType::kDynamic, jt, jt}, et);
  SmallVector<int64_t> pairsBShape = {ShapedType::kDynamic};
  pairsBShape.append(stateShape);
  auto pairsB = RankedTensorType::get(pairsBShape, et);

  scf::ForOp batchLoop = forLoop(
      b, zero, batch, {y0, last0},
      [&](ImplicitLocOpBuilder &b, Value bi, ValueRange args) {
        Value init = op.getInitial() ? sliceAt(b, op.getInitial(), {bi})
                                     : zeroTensor(b, stateShape, et);
        auto startOf = [&](ImplicitLocOpBuilder &b, Value c) {
          return arith::MulIOp::create(b, c, indexConst(b, capacity));
        };
        // 1. The pair (T_c, Skv_c) of every chunk.
        scf::ForallOp pairs =
            parallelLoop(b, zero, numChunks,
                    {emptyLike(b, pairsA, {numChunks}),
                     emptyLike(b, pairsB, {numChunks})},
                    [&](ImplicitLocOpBuilder &b, Value c, ValueRange it) {
                      Value start = startOf(b, c);
                      Value len = chunkLength(b, length, start, capacity);
                      Chunk1D chunk =
                          buildChunk1D(b, op, bi, start, len, capacity);
                      return SmallVector<Value>{
                          insertAt(b, chunk.tc, it[0], {c}),
                          insertAt(b, chunkSourceState(b, chunk), it[1], {c})};
                    });
        // 2. Inclusive scan, stride 1, 2, 4, ... < NT: each stage combines
        //    (A[c], B[c]) with (A[c - stride], B[c - stride]) of the
        //    previous stage (c < stride: copied), every chunk in parallel
        //    into fresh tensors.
        auto scan = whileBelow(
            b, numChunks,
            ValueRange{one, pairs.getResult(0), pairs.getResult(1)},
            [&](ImplicitLocOpBuilder &ib, ValueRange after) {
              Value stride = after[0], as = after[1], bs = after[2];
              scf::ForallOp stage = parallelLoop(
                  ib, zero, numChunks,
                  {emptyLike(ib, pairsA, {numChunks}),
                   emptyLike(ib, pairsB, {numChunks})},
                  [&](ImplicitLocOpBuilder &b, Value c, ValueRange it) {
                    Value a2 = sliceAt(b, as, {c}), b2 = sliceAt(b, bs, {c});
                    Value combine = arith::CmpIOp::create(
                        b, arith::CmpIPredicate::uge, c, stride);
                    auto pair = scf::IfOp::create(
                        b, combine,
                        [&](OpBuilder &nested, Location loc) {
                          ImplicitLocOpBuilder tb(loc, nested);
                          Value prev = arith::SubIOp::create(tb, c, stride);
                          Value a = einsum(tb,
                                           {{a2, "iu"},
                                            {sliceAt(tb, as, {prev}), "uw"}},
                                           zeroTensor(tb, {jt, jt}, et), "iw");
                          Value bb = applyTransition(
                              tb, a2, sliceAt(tb, bs, {prev}), b2);
                          scf::YieldOp::create(tb, ValueRange{a, bb});
                        },
                        [&](OpBuilder &nested, Location loc) {
                          scf::YieldOp::create(nested, loc,
                                               ValueRange{a2, b2});
                        });
                    return SmallVector<Value>{
                        insertAt(b, pair.getResult(0), it[0], {c}),
                        insertAt(b, pair.getResult(1), it[1], {c})};
                  });
              Value doubled = arith::AddIOp::create(ib, stride, stride);
              return SmallVector<Value>{doubled, stage.getResult(0),
                                        stage.getResult(1)};
            });
        Value as = scan.getResult(1), bs = scan.getResult(2);
        // The state after the first `count` chunks: the initial state when
        // count = 0, else A[count-1]·init + B[count-1].
        auto stateAfterChunks = [&](ImplicitLocOpBuilder &b, Value count) {
          Value none =
              arith::CmpIOp::create(b, arith::CmpIPredicate::eq, count, zero);
          auto state = scf::IfOp::create(
              b, none,
              [&](OpBuilder &nested, Location loc) {
                scf::YieldOp::create(nested, loc, init);
              },
              [&](OpBuilder &nested, Location loc) {
                ImplicitLocOpBuilder ib(loc, nested);
                Value last = arith::SubIOp::create(ib, count, one);
                scf::YieldOp::create(ib, stateAfter(ib, as, bs, last, init));
              });
          return state.getResult(0);
        };
        // 3. Outputs of every chunk from the state entering it.
        scf::ForallOp outputs = parallelLoop(
            b, zero, numChunks, {args[0]},
            [&](ImplicitLocOpBuilder &b, Value c, ValueRange it) {
              Value entering = stateAfterChunks(b, c);
              Value start = startOf(b, c);
              Value len = chunkLength(b, length, start, capacity);
              Chunk1D chunk = buildChunk1D(b, op, bi, start, len, capacity);
              Value y = rmsNormalizeRows(b, chunkOutputs(b, chunk, entering),
                                         op.getOutputNormEpsAttr());
              return SmallVector<Value>{
                  insertChunkRows(b, y, it[0], {bi}, start, len)};
            });
        // The last state: after every chunk (the initial one when T = 0).
        Value lastState = stateAfterChunks(b, numChunks);
        return SmallVector<Value>{outputs.getResult(0),
                                  insertAt(b, lastState, args[1], {bi})};
      });
  op.getY().replaceAllUsesWith(batchLoop.getResult(0));
  op.getLast().replaceAllUsesWith(batchLoop.getResult(1));
  op.erase();
}

struct LowerLogdepthPass
    : public plstm::impl::PLSTMLowerLogdepthBase<LowerLogdepthPass> {
  using PLSTMLowerLogdepthBase::PLSTMLowerLogdepthBase;
  void runOnOperation() override {
    for (Operation *op :
         scansWithSchedule(getOperation(), ScheduleKind::Logdepth)) {
      if (auto scan = dyn_cast<Scan1DOp>(op)) {
        int64_t chunk = scan.getScheduleAttr().getChunk();
        lowerScan1DLogdepth(scan, chunk ? chunk : kDefaultLogdepthChunk);
        continue;
      }
      if (auto dag = dyn_cast<ScanDagOp>(op)) {
        lowerScanDagBlocked(dag, /*levelsPerBlock=*/0);
        continue;
      }
      auto scan = cast<Scan2DOp>(op);
      auto qType = cast<RankedTensorType>(scan.getQ().getType());
      int64_t side =
          nextPowerOfTwo(std::max(qType.getDimSize(1), qType.getDimSize(2)));
      // One tile spans grids up to kMaxTileSide2D; larger ones use the
      // state quad tree over leaf tiles.
      if (side <= kMaxTileSide2D)
        lowerScan2DTiled(scan, side, /*hierarchical=*/false, dynamicQuadLevels,
                         parallelOrientations);
      else
        lowerScan2DTiled(scan, kLogdepthLeafTile2D, /*hierarchical=*/true,
                         dynamicQuadLevels);
    }
  }
};

} // namespace
