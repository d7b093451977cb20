//===- PLSTMAttrs.td - plstm attributes (schedule) ------------*- tablegen -*-===//
//
// The schedule attribute: the one decision `plstm-select-schedule` writes and
// the lowering passes obey (ARCHITECTURE.md, "one pass decides").
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_ATTRS_TD
#define PLSTM_ATTRS_TD

include "dialect/PLSTMBase.td"
include "mlir/IR/EnumAttr.td"

// The three ways of computing the same recurrence (SPEC A1).
def PLSTM_ScheduleKind : I32EnumAttr<"ScheduleKind", "pLSTM schedule kind", [
    I32EnumAttrCase<"Sequential", 0, "sequential">,
    I32EnumAttrCase<"Chunkwise", 1, "chunkwise">,
    I32EnumAttrCase<"Logdepth", 2, "logdepth">
  ]> {
  let cppNamespace = "::mlir::plstm";
  // Only the C++ enum is needed; the attribute below wraps it.
  let genSpecializedAttr = 0;
}

def PLSTM_ScheduleAttr : AttrDef<PLSTM_Dialect, "Schedule"> {
  let mnemonic = "schedule";
  let summary = "how a scan op is computed: sequential, chunkwise or log-depth";
  let description = [{
    Chooses the schedule of a scan op. It never changes the result beyond
    floating-point reassociation (SPEC A1).

    ```mlir
    #plstm.schedule<sequential>               // the plain recurrence
    #plstm.schedule<chunkwise, chunk = 64>    // 1D: chunk length; 2D: tile side;
                                              // DAG: topological levels per block
    #plstm.schedule<logdepth>                 // associative scan / quad tree /
    #plstm.schedule<logdepth, chunk = 16>     //   repeated squaring (1D: leaf chunk)
    ```

    Rules (enforced when the attribute is built or parsed):
    - (C-schedule-1) `chunk`, when given, is >= 1.
    - (C-schedule-2) `sequential` takes no `chunk`.
    - (C-schedule-3) `chunkwise` needs a `chunk`.
    - (C-schedule-4) `chunk` is at most 4096 (a chunk of C positions holds
      C × C path sums).
    An unknown kind is a parse error naming the three kinds.
  }];
  let parameters = (ins
    "::mlir::plstm::ScheduleKind":$kind,
    // 0 = not given.
    DefaultValuedParameter<"int64_t", "0">:$chunk
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // PLSTM_ATTRS_TD
