//===- CheckLowered.cpp - plstm-check-lowered -----------------------------===//
//
// The contract check that ends every pipeline: no plstm op may survive the
// lowerings. Each survivor is reported at its own location with its
// schedule, so the error says what was not lowered and why.
//
//===----------------------------------------------------------------------===//

#include "dialect/PLSTMDialect.h"
#include "passes/Passes.h"

namespace mlir::plstm {
#define GEN_PASS_DEF_PLSTMCHECKLOWERED
#include "passes/Passes.h.inc"
} // namespace mlir::plstm

using namespace mlir;

namespace {
struct CheckLoweredPass
    : public plstm::impl::PLSTMCheckLoweredBase<CheckLoweredPass> {
  void runOnOperation() override;
};
} // namespace

void CheckLoweredPass::runOnOperation() {
  bool failedCheck = false;
  getOperation().walk([&](Operation *op) {
    if (!isa<plstm::PLSTMDialect>(op->getDialect()))
      return;
    InFlightDiagnostic diag = op->emitError()
                              << "'" << op->getName()
                              << "' was not lowered (contract check)";
    if (Attribute schedule = op->getAttr("schedule"))
      diag << ": no lowering handled its schedule " << schedule;
    else
      diag << ": it has no schedule (run plstm-select-schedule first)";
    failedCheck = true;
  });
  if (failedCheck)
    signalPassFailure();
}
