//===- PLSTMBase.td - the plstm dialect and its op base class -*- tablegen -*-===//
//
// Declares the `plstm` dialect (Source/Transition/Mark recurrences on DAGs,
// SPEC.md) and the base class of its ops.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_BASE_TD
#define PLSTM_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def PLSTM_Dialect : Dialect {
  let name = "plstm";
  let cppNamespace = "::mlir::plstm";
  let summary = "pLSTM: linear Source/Transition/Mark recurrences on DAGs";
  let description = [{
    The `plstm` dialect describes pLSTM recurrences (arXiv 2506.11997) on a
    sequence, a 2D grid and a general directed acyclic graph. States live on
    the edges of the DAG; a node's output reads the states on its incoming
    edges (mark), a node injects its key/value outer product into its outgoing
    edges (source) and carries incoming states to outgoing ones (transition).
    The semantics of every scan op is the per-edge recurrence of SPEC.md §1;
    the `schedule` attribute only chooses how it is computed. The layer ops
    (`plstm.layer1d`, `plstm.layer2d`, `plstm.layer_dag`) describe whole
    pLSTM layers (SPEC §5: projections, gate layers, one scan, norm, output
    projection); `plstm-decompose-layers` lowers them to linalg and scan ops.
  }];
  // The schedule attribute is printed as `#plstm.schedule<...>`.
  let useDefaultAttributePrinterParser = 1;
}

// Base class of every plstm op.
class PLSTM_Op<string mnemonic, list<Trait> traits = []>
    : Op<PLSTM_Dialect, mnemonic, traits>;

#endif // PLSTM_BASE_TD
