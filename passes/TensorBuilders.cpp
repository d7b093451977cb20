//===- TensorBuilders.cpp - small builders for structured IR on tensors ---===//
//
// See TensorBuilders.h.
//
//===----------------------------------------------------------------------===//

#include "passes/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

using namespace mlir;

Value plstm::indexConst(ImplicitLocOpBuilder &b, int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}

Value plstm::einsum(ImplicitLocOpBuilder &b, ArrayRef<EinsumOperand> operands,
                    Value acc, StringRef outIndices) {
  // Loop order: the output letters (parallel), the reduction letters in
  // order of first appearance, then the output's last letter of extent
  // other than 1. The innermost loop is then a parallel one that walks the
  // result contiguously, so the reduction is not a loop-carried dependency
  // of the innermost loop and LLVM's loop vectorizer can vectorize it (the
  // unit J dims are folded away before the loops are built).
  std::string reductions;
  for (const EinsumOperand &operand : operands)
    for (char c : operand.indices)
      if (outIndices.find(c) == StringRef::npos &&
          reductions.find(c) == std::string::npos)
        reductions.push_back(c);
  ArrayRef<int64_t> accShape =
      cast<RankedTensorType>(acc.getType()).getShape();
  int64_t inner = -1;
  for (int64_t i = static_cast<int64_t>(outIndices.size()) - 1; i >= 0; --i)
    if (accShape[i] != 1) {
      inner = i;
      break;
    }
  std::string letters;
  for (int64_t i = 0; i < static_cast<int64_t>(outIndices.size()); ++i)
    if (i != inner || reductions.empty())
      letters.push_back(outIndices[i]);
  letters += reductions;
  if (inner >= 0 && !reductions.empty())
    letters.push_back(outIndices[inner]);
  MLIRContext *ctx = b.getContext();
  auto mapFor = [&](StringRef indices) {
    SmallVector<AffineExpr> exprs;
    for (char c : indices)
      exprs.push_back(getAffineDimExpr(letters.find(c), ctx));
    return AffineMap::get(letters.size(), 0, exprs, ctx);
  };
  SmallVector<AffineMap> maps;
  SmallVector<Value> inputs;
  for (const EinsumOperand &operand : operands) {
    maps.push_back(mapFor(operand.indices));
    inputs.push_back(operand.tensor);
  }
  maps.push_back(mapFor(outIndices));
  SmallVector<utils::IteratorType> iterators;
  for (char c : letters)
    iterators.push_back(outIndices.contains(c)
                            ? utils::IteratorType::parallel
                            : utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, b.getLoc(), TypeRange{acc.getType()}, inputs, ValueRange{acc}, maps,
      iterators, [&](OpBuilder &nested, Location loc, ValueRange args) {
        // `contract` lets LLVM fuse the last product and the sum into one
        // FMA (one rounding instead of two; A8 allows it).
        auto contract = arith::FastMathFlags::contract;
        Value product = args[0];
        for (size_t i = 1; i + 1 < args.size(); ++i)
          product =
              arith::MulFOp::create(nested, loc, product, args[i], contract);
        Value sum =
            arith::AddFOp::create(nested, loc, args.back(), product, contract);
        linalg::YieldOp::create(nested, loc, sum);
      });
  return generic.getResult(0);
}

Value plstm::rmsNormalizeRows(ImplicitLocOpBuilder &b, Value y,
                              FloatAttr eps) {
  if (!eps)
    return y;
  auto type = cast<RankedTensorType>(y.getType());
  Type et = type.getElementType();
  int64_t rows = type.getRank() - 2;
  std::string rowIdx = std::string("abcefg").substr(0, rows);
  std::string yIdx = rowIdx + "vo";
  ArrayRef<int64_t> shape = type.getShape();
  double count = static_cast<double>(shape[rows] * shape[rows + 1]);
  Value squares = einsum(b, {{y, yIdx}, {y, yIdx}},
                         zeroTensor(b, shape.take_front(rows), et), rowIdx);
  // r = 1 / √(squares / count + eps), elementwise over the rows.
  auto rowType = cast<RankedTensorType>(squares.getType());
  AffineMap id = AffineMap::getMultiDimIdentityMap(rows, b.getContext());
  Value inverse =
      linalg::GenericOp::create(
          b, b.getLoc(), TypeRange{rowType}, ValueRange{squares},
          ValueRange{tensor::EmptyOp::create(b, rowType.getShape(), et)},
          ArrayRef<AffineMap>{id, id},
          SmallVector<utils::IteratorType>(rows,
                                           utils::IteratorType::parallel),
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            Value mean = arith::DivFOp::create(
                nested, loc, args[0],
                arith::ConstantOp::create(nested, loc,
                                          FloatAttr::get(et, count)));
            Value shifted = arith::AddFOp::create(
                nested, loc, mean,
                arith::ConstantOp::create(
                    nested, loc, FloatAttr::get(et, eps.getValueAsDouble())));
            linalg::YieldOp::create(
                nested, loc,
                math::RsqrtOp::create(nested, loc, shifted).getResult());
          })
          .getResult(0);
  return einsum(b, {{y, yIdx}, {inverse, rowIdx}}, zeroTensor(b, shape, et),
                yIdx);
}

Value plstm::addMarkReadout(ImplicitLocOpBuilder &b, Value acc, Value q,
                            Value mark, Value state) {
  return einsum(b, {{q, "dj"}, {mark, "oju"}, {state, "dvu"}}, acc, "vo");
}

Value plstm::addDirectTerm(ImplicitLocOpBuilder &b, Value acc, Value q,
                           Value direct, Value k, Value v) {
  return einsum(b, {{q, "dj"}, {direct, "ojkl"}, {k, "dk"}, {v, "vl"}}, acc,
                "vo");
}

Value plstm::addTransition(ImplicitLocOpBuilder &b, Value acc, Value transition,
                           Value state) {
  return einsum(b, {{transition, "ij"}, {state, "dvj"}}, acc, "dvi");
}

Value plstm::addSourceTerm(ImplicitLocOpBuilder &b, Value acc, Value source,
                           Value k, Value v) {
  return einsum(b, {{source, "ijl"}, {k, "dj"}, {v, "vl"}}, acc, "dvi");
}

bool plstm::isScalarJ(Value state, Value k, Value v) {
  auto lastIsOne = [](Value x) {
    return cast<RankedTensorType>(x.getType()).getShape().back() == 1;
  };
  return lastIsOne(state) && lastIsOne(k) && lastIsOne(v);
}

bool plstm::canFuseReadoutJ1(Value q, ValueRange marks, Value direct) {
  auto allOnes = [](Value x, size_t n) {
    return llvm::all_of(
        cast<RankedTensorType>(x.getType()).getShape().take_back(n),
        [](int64_t d) { return d == 1; });
  };
  return cast<RankedTensorType>(q.getType()).getShape().back() == 1 &&
         llvm::all_of(marks, [&](Value m) { return allOnes(m, 3); }) &&
         (!direct || allOnes(direct, 4));
}

SmallVector<Value> plstm::updateStatesJ1(ImplicitLocOpBuilder &b,
                                         ValueRange states, Value k, Value v,
                                         ArrayRef<StateUpdate> updates,
                                         ValueRange inits,
                                         const ReadoutJ1 *readout) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d = getAffineDimExpr(0, ctx), dv = getAffineDimExpr(1, ctx),
             u = getAffineDimExpr(2, ctx);
  AffineMap id = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap rowMap = AffineMap::get(3, 0, {d, u}, ctx);
  AffineMap colMap = AffineMap::get(3, 0, {dv, u}, ctx);
  // Without a read-out the pass is elementwise and reads the states as
  // inputs; with one it is a reduction over DK, and an input that is also
  // an init would make bufferization copy it: the states are read through
  // the inits (the same tensors) instead.
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (!readout) {
    inputs.append(states.begin(), states.end());
    maps.append(states.size(), id);
  } else {
    assert(llvm::equal(states, inits) &&
           "a fused read-out updates the states in place");
    assert(readout->marks.size() == states.size() && "one mark per state");
  }
  inputs.push_back(k);
  maps.push_back(rowMap);
  inputs.push_back(v);
  maps.push_back(colMap);
  if (readout) {
    inputs.push_back(readout->q);
    maps.push_back(rowMap);
  }
  SmallVector<Value> outs(inits.begin(), inits.end());
  maps.append(inits.size(), id);
  if (readout) {
    outs.push_back(readout->acc);
    maps.push_back(colMap);
  }
  SmallVector<Type> types;
  for (Value out : outs)
    types.push_back(out.getType());
  SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
  if (readout)
    iterators[0] = utils::IteratorType::reduction;
  size_t kIndex = inputs.size() - (readout ? 3 : 2);
  auto generic = linalg::GenericOp::create(
      b, b.getLoc(), types, inputs, outs, maps, iterators,
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        auto contract = arith::FastMathFlags::contract;
        // The incoming states: inputs, or the inits with a read-out.
        ValueRange in = readout ? args.slice(inputs.size(), states.size())
                                : args.take_front(states.size());
        // (source·k[d])·v[v]: the first product is one scalar per row.
        Value k = args[kIndex], v = args[kIndex + 1];
        SmallVector<Value> results;
        for (const StateUpdate &update : updates) {
          Value sum = arith::MulFOp::create(
              nested, loc,
              arith::MulFOp::create(nested, loc, update.source, k, contract), v,
              contract);
          for (auto [i, coef] : llvm::enumerate(update.coefs))
            if (coef)
              sum = arith::AddFOp::create(
                  nested, loc, sum,
                  arith::MulFOp::create(nested, loc, coef, in[i], contract),
                  contract);
          results.push_back(sum);
        }
        if (readout) {
          // acc += Σ_i (q[d]·m_i)·C_i: one scalar per row and state, one
          // fused multiply-add per element and state.
          Value acc = args.back();
          for (auto [i, mark] : llvm::enumerate(readout->marks))
            if (mark)
              acc = arith::AddFOp::create(
                  nested, loc, acc,
                  arith::MulFOp::create(nested, loc,
                                        arith::MulFOp::create(nested, loc,
                                                              args[kIndex + 2],
                                                              mark, contract),
                                        in[i], contract),
                  contract);
          // acc += ((q[d]·D)·k[d])·v[v]
          if (readout->direct)
            acc = arith::AddFOp::create(
                nested, loc, acc,
                arith::MulFOp::create(
                    nested, loc,
                    arith::MulFOp::create(
                        nested, loc,
                        arith::MulFOp::create(nested, loc, args[kIndex + 2],
                                              readout->direct, contract),
                        k, contract),
                    v, contract),
                contract);
          results.push_back(acc);
        }
        linalg::YieldOp::create(nested, loc, results);
      });
  return SmallVector<Value>(generic.getResults().begin(),
                            generic.getResults().end());
}

Value plstm::scaleTensor(ImplicitLocOpBuilder &b, Value x, Value scale) {
  auto type = cast<RankedTensorType>(x.getType());
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  SmallVector<Value> sizes; // of the dynamic dims
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, x, d));
  Value init = tensor::EmptyOp::create(b, type.getShape(),
                                       type.getElementType(), sizes);
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, b.getLoc(), TypeRange{type}, ValueRange{x}, ValueRange{init},
      ArrayRef<AffineMap>{id, id}, iterators,
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        Value product = arith::MulFOp::create(nested, loc, args[0], scale);
        linalg::YieldOp::create(nested, loc, product);
      });
  return generic.getResult(0);
}

Value plstm::zeroTensor(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape,
                        Type elementType) {
  return zeroFill(b, tensor::EmptyOp::create(b, shape, elementType));
}

Value plstm::zeroTensor(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                        Type elementType) {
  return zeroFill(b, tensor::EmptyOp::create(b, sizes, elementType));
}

Value plstm::zeroFill(ImplicitLocOpBuilder &b, Value dest) {
  Type et = cast<RankedTensorType>(dest.getType()).getElementType();
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(et));
  return linalg::FillOp::create(b, ValueRange{zero}, ValueRange{dest})
      .getResult(0);
}

/// Offsets/sizes/strides of a slice of `full` (a tensor of `type`) at
/// `lead` covering the trailing dims (a dynamic one: tensor.dim of `full`).
static void sliceParams(ImplicitLocOpBuilder &b, Value full,
                        RankedTensorType type, ValueRange lead,
                        SmallVector<OpFoldResult> &offsets,
                        SmallVector<OpFoldResult> &sizes,
                        SmallVector<OpFoldResult> &strides) {
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool leading = d < static_cast<int64_t>(lead.size());
    offsets.push_back(leading ? OpFoldResult(lead[d]) : b.getIndexAttr(0));
    if (leading)
      sizes.push_back(b.getIndexAttr(1));
    else if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, full, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
    strides.push_back(b.getIndexAttr(1));
  }
}

Value plstm::sliceAt(ImplicitLocOpBuilder &b, Value source, ValueRange lead) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  sliceParams(b, source, type, lead, offsets, sizes, strides);
  auto resultType = RankedTensorType::get(
      type.getShape().drop_front(lead.size()), type.getElementType());
  return tensor::ExtractSliceOp::create(b, resultType, source, offsets, sizes,
                                        strides);
}

Value plstm::insertAt(ImplicitLocOpBuilder &b, Value value, Value dest,
                      ValueRange lead) {
  auto type = cast<RankedTensorType>(dest.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  sliceParams(b, dest, type, lead, offsets, sizes, strides);
  return tensor::InsertSliceOp::create(b, value, dest, offsets, sizes, strides);
}

scf::ForOp plstm::forLoop(ImplicitLocOpBuilder &b, Value lower, Value upper,
                          ValueRange inits, LoopBody body) {
  Value one = indexConst(b, 1);
  return scf::ForOp::create(
      b, lower, upper, one, inits,
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange args) {
        ImplicitLocOpBuilder ib(loc, nested);
        scf::YieldOp::create(ib, body(ib, iv, args));
      });
}

scf::ForallOp plstm::parallelLoop(ImplicitLocOpBuilder &b, Value lower,
                                  Value upper, ValueRange inits,
                                  LoopBody body) {
  // Built as scf.for (the body builders write insert_slice), then moved
  // into an scf.forall whose terminator makes each insert a
  // parallel_insert_slice into the shared output.
  scf::ForOp loop = forLoop(b, lower, upper, inits, body);
  IRRewriter rewriter(b.getContext());
  rewriter.setInsertionPoint(loop);
  auto forall = scf::ForallOp::create(
      rewriter, loop.getLoc(), ArrayRef<OpFoldResult>{lower},
      ArrayRef<OpFoldResult>{upper}, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)},
      inits, std::nullopt);
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  SmallVector<tensor::InsertSliceOp> inserts;
  for (auto [i, value] : llvm::enumerate(yield.getOperands())) {
    auto insert = value.getDefiningOp<tensor::InsertSliceOp>();
    if (!insert || insert.getDest() != loop.getRegionIterArgs()[i] ||
        !value.hasOneUse())
      llvm::report_fatal_error("parallelLoop: result " + Twine(i) +
                               " is not one insert_slice into its iter_arg");
    inserts.push_back(insert);
  }
  SmallVector<Value> replacements = {forall.getInductionVar(0)};
  llvm::append_range(replacements, forall.getRegionIterArgs());
  rewriter.inlineBlockBefore(loop.getBody(),
                             forall.getBody()->getTerminator(), replacements);
  rewriter.setInsertionPointToStart(&forall.getTerminator().getRegion().front());
  for (tensor::InsertSliceOp insert : inserts)
    tensor::ParallelInsertSliceOp::create(
        rewriter, insert.getLoc(), insert.getSource(), insert.getDest(),
        insert.getMixedOffsets(), insert.getMixedSizes(),
        insert.getMixedStrides());
  rewriter.eraseOp(yield);
  for (tensor::InsertSliceOp insert : inserts)
    rewriter.eraseOp(insert);
  rewriter.replaceOp(loop, forall.getResults());
  return forall;
}

scf::WhileOp plstm::whileBelow(
    ImplicitLocOpBuilder &b, Value limit, ValueRange carried,
    function_ref<SmallVector<Value>(ImplicitLocOpBuilder &, ValueRange)> body) {
  return scf::WhileOp::create(
      b, carried.getTypes(), carried,
      [&](OpBuilder &nested, Location loc, ValueRange before) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value more = arith::CmpIOp::create(ib, arith::CmpIPredicate::ult,
                                           before[0], limit);
        scf::ConditionOp::create(ib, more, before);
      },
      [&](OpBuilder &nested, Location loc, ValueRange after) {
        ImplicitLocOpBuilder ib(loc, nested);
        scf::YieldOp::create(ib, body(ib, after));
      });
}

SmallVector<Value> plstm::outlined(ImplicitLocOpBuilder &b,
                                   function_ref<SmallVector<Value>()> build) {
  auto *block = new mlir::Block();
  OpBuilder::InsertPoint ip = b.saveInsertionPoint();
  b.setInsertionPointToEnd(block);
  SmallVector<Value> values = build();
  scf::YieldOp::create(b, values);
  b.restoreInsertionPoint(ip);
  auto region = scf::ExecuteRegionOp::create(b, ValueRange(values).getTypes());
  region.setNoInline(true);
  region.getRegion().push_back(block);
  return SmallVector<Value>(region.getResults());
}

Value plstm::emptyLike(ImplicitLocOpBuilder &b, Type type,
                       ValueRange leadingSizes) {
  auto tensorType = cast<RankedTensorType>(type);
  SmallVector<Value> dynamicSizes;
  for (auto [d, size] : llvm::enumerate(leadingSizes))
    if (tensorType.isDynamicDim(d))
      dynamicSizes.push_back(size);
  return tensor::EmptyOp::create(b, tensorType.getShape(),
                                 tensorType.getElementType(), dynamicSizes);
}

SmallVector<Operation *> plstm::scansWithSchedule(Operation *root,
                                                  ScheduleKind kind) {
  SmallVector<Operation *> scans;
  root->walk([&](Operation *op) {
    auto schedule = op->getAttrOfType<ScheduleAttr>("schedule");
    if (isa<Scan1DOp, Scan2DOp, ScanDagOp>(op) && schedule &&
        schedule.getKind() == kind)
      scans.push_back(op);
  });
  return scans;
}
