//===- plstm-opt.cpp - the mlir-opt of plstm ------------------------------===//
//
// Parses, verifies and prints plstm IR and runs any registered pass or
// pipeline on it. Registers the plstm dialect and the upstream dialects the
// lowerings produce, plus every upstream pass, so `--mlir-print-ir-after-all`
// and friends work on any stage.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPUTarget.h"
#include "dialect/PLSTMDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::plstm::registerPLSTMPasses();
  mlir::plstm::registerCodegenPassesAndPipelines();

  mlir::DialectRegistry registry;
  mlir::plstm::registerCodegenDialects(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "plstm optimizer driver (pLSTM dialect)\n", registry));
}
