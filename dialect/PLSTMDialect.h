//===- PLSTMDialect.h - the plstm dialect ---------------------------------===//
//
// Declares the `plstm` dialect, its attributes and its ops. Include this one
// header to use the dialect.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_DIALECT_PLSTMDIALECT_H
#define PLSTM_DIALECT_PLSTMDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/PLSTMDialect.h.inc"
#include "dialect/PLSTMEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/PLSTMAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialect/PLSTMOps.h.inc"

namespace mlir::plstm {

/// One tensor of a scan op's shape contract: its role name ("source_r"), the
/// value (null for an absent optional operand), whether it is a result, and
/// its dims as names ("B", "T", "DK", ...) or fixed extents ("2").
struct ContractEntry {
  llvm::StringRef name;
  Value value;
  bool isResult = false;
  llvm::SmallVector<llvm::StringRef> dims;
};

/// The shape contract of a plstm scan op, operands in order then results
/// (the tables in the ops' descriptions). Empty for any other op. The
/// verifiers, plstm-run and the lowerings all read shapes through it.
llvm::SmallVector<ContractEntry> getShapeContract(Operation *op);

/// One weight of a layer op: its name (the op's `names` entry), its dims as
/// contract names, and whether the mode requires it.
struct LayerWeightInfo {
  llvm::StringRef name;
  llvm::SmallVector<llvm::StringRef> dims;
  bool required;
};

/// The weights of `plstm.layer2d` in P-mode or D-mode (the tables in its
/// description), in a fixed order.
/// `withJ`: the form with J axes (JQ, JK, JV, JO; JT = 1 left out), else
/// every J dim is 1 and the weights have none.
llvm::SmallVector<LayerWeightInfo> getLayer2DWeights(bool pMode, bool withJ);

/// The weights of `plstm.layer1d`; the JT > 1 ones (b_in, w_in, b_out,
/// w_out_t) only when `jt` > 1, b_in then required.
llvm::SmallVector<LayerWeightInfo> getLayer1DWeights(int64_t jt);

/// The weights of `plstm.layer_dag` (the same in both modes).
llvm::SmallVector<LayerWeightInfo> getLayerDagWeights(bool withJ);

/// Whether a layer op's weights carry J axes: always for `plstm.layer1d`;
/// for the 2D and graph layers when w_q has rank 4 ([DIN, H, DK, JQ]).
bool layerHasJAxes(Operation *layer);

/// The gate-layer settings every layer op carries (SPEC §5.1): `sub_heads`
/// (default 1: dense projections) and the activation of `gate` ("source",
/// "mark", "direct": default "sigmoid"; "eigenvalue": default "tanh"), read
/// from the `<gate>_activation` attribute.
int64_t getLayerSubHeads(Operation *layer);
/// `gate_sub_heads` g (default 1): a gate layer of C channels reads
/// min(g, C) input chunks, channel c the chunk c / (C / min(g, C)).
int64_t getLayerGateSubHeads(Operation *layer);
llvm::StringRef getLayerActivation(Operation *layer, llvm::StringRef gate);

/// The largest chunk a schedule may name (C-schedule-4): a chunk of C
/// positions holds C × C path sums (times the J dims).
constexpr int64_t kMaxScheduleChunk = 4096;
/// The largest tile side of the tiled 2D schedules (C-scan2d-15).
constexpr int64_t kMaxTileSide2D = 64;

/// Parses the command-line form of a schedule: `sequential`, `chunkwise:N`,
/// `logdepth` or `logdepth:N`. On failure returns null and sets `error`.
ScheduleAttr parseScheduleSpec(MLIRContext *context, llvm::StringRef text,
                               std::string &error);

} // namespace mlir::plstm

#endif // PLSTM_DIALECT_PLSTMDIALECT_H
