//===- OutputsToArguments.cpp - plstm-outputs-to-arguments ----------------===//
//
// Destination-passing style at the function boundary: each tensor result of
// a public function becomes an extra argument that the result is
// materialized into. Bufferization then writes the kernel's outputs straight
// into the caller's buffers (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "codegen/CodegenPasses.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir::plstm {
#define GEN_PASS_DEF_PLSTMOUTPUTSTOARGUMENTS
#include "codegen/Passes.h.inc"
} // namespace mlir::plstm

using namespace mlir;

namespace {
struct OutputsToArgumentsPass
    : public plstm::impl::PLSTMOutputsToArgumentsBase<OutputsToArgumentsPass> {
  void runOnOperation() override;
};
} // namespace

void OutputsToArgumentsPass::runOnOperation() {
  for (auto func : getOperation().getOps<func::FuncOp>()) {
    if (func.isExternal() || !func.isPublic())
      continue;
    FunctionType type = func.getFunctionType();
    for (Type result : type.getResults())
      if (!isa<RankedTensorType>(result)) {
        func.emitError() << "plstm-outputs-to-arguments: result type " << result
                         << " is not a ranked tensor";
        return signalPassFailure();
      }
    Block &entry = func.front();
    SmallVector<BlockArgument> outputs;
    for (Type result : type.getResults())
      outputs.push_back(entry.addArgument(result, func.getLoc()));
    SmallVector<Type> inputs(type.getInputs());
    inputs.append(type.getResults().begin(), type.getResults().end());
    func.setFunctionType(
        FunctionType::get(&getContext(), inputs, type.getResults()));
    func.walk([&](func::ReturnOp ret) {
      OpBuilder builder(ret);
      for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
        auto materialize = bufferization::MaterializeInDestinationOp::create(
            builder, ret.getLoc(), value, outputs[i]);
        ret.setOperand(i, materialize.getResult());
      }
    });
  }
}
