//===- SelectSchedule.cpp - plstm-select-schedule -------------------------===//
//
// The one pass that decides (ARCHITECTURE.md): writes a #plstm.schedule on
// every scan op without one (or on every scan op, with `force`). It changes
// nothing else.
//
//===----------------------------------------------------------------------===//

#include "dialect/PLSTMDialect.h"
#include "passes/Passes.h"

namespace mlir::plstm {
#define GEN_PASS_DEF_PLSTMSELECTSCHEDULE
#include "passes/Passes.h.inc"
} // namespace mlir::plstm

using namespace mlir;
using namespace mlir::plstm;

namespace {
struct SelectSchedulePass
    : public plstm::impl::PLSTMSelectScheduleBase<SelectSchedulePass> {
  using PLSTMSelectScheduleBase::PLSTMSelectScheduleBase;
  void runOnOperation() override;
};
} // namespace

void SelectSchedulePass::runOnOperation() {
  MLIRContext *context = &getContext();
  ScheduleAttr forced;
  if (!force.empty()) {
    std::string error;
    forced = parseScheduleSpec(context, force, error);
    if (!forced) {
      getOperation().emitError() << "plstm-select-schedule: option force: "
                                 << error;
      return signalPassFailure();
    }
  }
  auto sequential = ScheduleAttr::get(context, ScheduleKind::Sequential, 0);
  getOperation().walk([&](Operation *op) {
    if (!isa<Scan1DOp, Scan2DOp, ScanDagOp>(op))
      return;
    if (forced)
      op->setAttr("schedule", forced);
    else if (!op->hasAttr("schedule"))
      op->setAttr("schedule", sequential);
  });
}
