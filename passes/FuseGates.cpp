//===- FuseGates.cpp - plstm-fuse-gates -----------------------------------===//
//
// Moves elementwise gate computations into the loops of the lowered scans.
// `plstm-decompose-layers` writes every gate as one elementwise
// `linalg.generic` over the projected pre-activations (sigmoid, tanh, the
// P-mode algebra), already in the scan's layout. The scan lowerings read
// their operands only through `tensor.extract_slice` (a batch entry, a
// chunk, an orientation) or `tensor.extract`. This pass rewrites each such
// read of an elementwise generic into the generic applied to the same slice
// of its inputs (or, for one element, the generic's body on the extracted
// elements). Once every read is rewritten the full gate tensor is dead: the
// activations are computed inside the scan kernels, one slice at a time, and
// no gate tensor of the whole batch is materialised.
//
// A generic is fused only when all its uses are slices, element reads or
// `tensor.dim`, so nothing is both materialised and recomputed.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::plstm {
#define GEN_PASS_DEF_PLSTMFUSEGATES
#include "passes/Passes.h.inc"
} // namespace mlir::plstm

using namespace mlir;

namespace {

/// Whether `generic` computes its one result elementwise from operands of
/// the result's shape: all loops parallel, every indexing map the identity,
/// no `linalg.index` in the body.
bool isElementwiseGate(linalg::GenericOp generic) {
  if (generic.getNumResults() != 1 || !generic.hasPureTensorSemantics() ||
      generic.hasIndexSemantics())
    return false;
  if (generic.getNumParallelLoops() != generic.getNumLoops())
    return false;
  auto resultType = cast<RankedTensorType>(generic.getResult(0).getType());
  for (OpOperand &operand : generic->getOpOperands()) {
    if (!generic.getMatchingIndexingMap(&operand).isIdentity())
      return false;
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type || type.getShape() != resultType.getShape())
      return false;
  }
  for (Operation &op : generic.getBody()->without_terminator())
    if (op.getNumRegions() || !isPure(&op))
      return false;
  return true;
}

/// Whether every use of `value` is a read that this pass can rewrite.
bool onlySlicedReads(Value value) {
  return llvm::all_of(value.getUsers(), [&](Operation *user) {
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(user))
      return slice.getSource() == value;
    return isa<tensor::ExtractOp, tensor::DimOp>(user);
  });
}

/// The gate generic `value` comes from, when it can be fused.
linalg::GenericOp fusableProducer(Value value) {
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || !isElementwiseGate(generic) || !onlySlicedReads(value))
    return {};
  return generic;
}

/// extract_slice(gate(a, b, ...)) -> gate(extract_slice(a), ...).
struct SliceOfGate : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractSliceOp slice,
                                PatternRewriter &rewriter) const override {
    linalg::GenericOp gate = fusableProducer(slice.getSource());
    if (!gate)
      return rewriter.notifyMatchFailure(slice, "not a fusable gate");
    Location loc = slice.getLoc();
    RankedTensorType sliceType = slice.getResultType();
    auto sliceOf = [&](Value operand) -> Value {
      auto type = RankedTensorType::get(
          sliceType.getShape(),
          cast<RankedTensorType>(operand.getType()).getElementType());
      return tensor::ExtractSliceOp::create(
          rewriter, loc, type, operand, slice.getMixedOffsets(),
          slice.getMixedSizes(), slice.getMixedStrides());
    };
    SmallVector<Value> inputs, inits;
    for (Value input : gate.getDpsInputs())
      inputs.push_back(sliceOf(input));
    for (Value init : gate.getDpsInits())
      inits.push_back(sliceOf(init));
    int64_t rank = sliceType.getRank();
    SmallVector<AffineMap> maps(
        inputs.size() + inits.size(),
        AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext()));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto fused = linalg::GenericOp::create(rewriter, loc, TypeRange{sliceType},
                                           inputs, inits, maps, iterators);
    rewriter.cloneRegionBefore(gate.getRegion(), fused.getRegion(),
                               fused.getRegion().begin());
    rewriter.replaceOp(slice, fused.getResult(0));
    return success();
  }
};

/// extract(gate(a, b, ...), i) -> the gate's body on extract(a, i), ...
struct ElementOfGate : OpRewritePattern<tensor::ExtractOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractOp extract,
                                PatternRewriter &rewriter) const override {
    linalg::GenericOp gate = fusableProducer(extract.getTensor());
    if (!gate)
      return rewriter.notifyMatchFailure(extract, "not a fusable gate");
    Location loc = extract.getLoc();
    IRMapping mapping;
    Block *body = gate.getBody();
    for (OpOperand &operand : gate->getOpOperands())
      mapping.map(body->getArgument(operand.getOperandNumber()),
                  tensor::ExtractOp::create(rewriter, loc, operand.get(),
                                            extract.getIndices())
                      .getResult());
    for (Operation &op : body->without_terminator())
      rewriter.clone(op, mapping);
    Value yielded = body->getTerminator()->getOperand(0);
    rewriter.replaceOp(extract, mapping.lookupOrDefault(yielded));
    return success();
  }
};

/// dim(gate(...), i) -> dim(init, i): the sizes come from the init.
struct DimOfGate : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::DimOp dim,
                                PatternRewriter &rewriter) const override {
    linalg::GenericOp gate = fusableProducer(dim.getSource());
    if (!gate)
      return rewriter.notifyMatchFailure(dim, "not a fusable gate");
    rewriter.replaceOpWithNewOp<tensor::DimOp>(dim, gate.getDpsInits()[0],
                                               dim.getIndex());
    return success();
  }
};

struct FuseGatesPass
    : public plstm::impl::PLSTMFuseGatesBase<FuseGatesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SliceOfGate, ElementOfGate, DimOfGate>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
