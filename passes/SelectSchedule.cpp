//===- SelectSchedule.cpp - plstm-select-schedule -------------------------===//
//
// The one pass that decides (ARCHITECTURE.md): writes a #plstm.schedule on
// every scan op without one (or on every scan op, with `force`). It changes
// nothing else.
//
//===----------------------------------------------------------------------===//

#include "dialect/PLSTMDialect.h"
#include "passes/CostModel.h"
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
      getOperation().emitError()
          << "plstm-select-schedule: option force: " << error;
      return signalPassFailure();
    }
  }
  SizeHints hints = defaultSizeHints();
  if (!parseSizeHints(sizeHints, hints)) {
    getOperation().emitError()
        << "plstm-select-schedule: option size-hints: expected NAME=VALUE,"
           "... with VALUE >= 0, got '"
        << sizeHints << "'";
    return signalPassFailure();
  }
  TargetInfo target;
  target.cores = std::max<int64_t>(1, cores);
  target.vectorWidth = std::max<int64_t>(1, vectorWidth);
  getOperation().walk([&](Operation *op) {
    if (!isa<Scan1DOp, Scan2DOp, ScanDagOp>(op))
      return;
    if (forced) {
      op->setAttr("schedule", forced);
    } else if (!op->hasAttr("schedule")) {
      std::vector<ScheduleEstimate> estimates =
          estimateSchedules(op, target, hints);
      op->setAttr("schedule", estimates.front().schedule);
    }
  });
}
