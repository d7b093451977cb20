//===- MemRefViews.h - the buffer a memref view is taken of ---------------===//
//
// Shared by the codegen passes that reason about buffers after
// bufferization (microkernels, copy elision, GPU row blocks).
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_CODEGEN_MEMREFVIEWS_H
#define PLSTM_CODEGEN_MEMREFVIEWS_H

#include "mlir/IR/Value.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::plstm {

/// The allocation or argument a memref view is taken of: through every
/// view-like op (subview, reshapes, memref.cast, extract_strided_metadata,
/// reinterpret_cast).
inline Value viewRoot(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    v = view.getViewSource();
  }
  return v;
}

} // namespace mlir::plstm

#endif // PLSTM_CODEGEN_MEMREFVIEWS_H
