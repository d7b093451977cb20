//===- Passes.td - plstm code generation passes ---------------*- tablegen -*-===//
#ifndef PLSTM_CODEGEN_PASSES_TD
#define PLSTM_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def PLSTMOutputsToArguments
    : Pass<"plstm-outputs-to-arguments", "::mlir::ModuleOp"> {
  let summary = "Turn the tensor results of public functions into output arguments";
  let description = [{
    Prepares the kernel ABI (destination-passing style): every public
    function `@f(inputs) -> results` becomes `@f(inputs, outputs) ->
    results` where each result is materialized into its new output argument
    (`bufferization.materialize_in_destination`). After one-shot
    bufferization, empty-tensor elimination makes the kernel write straight
    into the caller's buffers and `drop-equivalent-buffer-results` removes
    the results, leaving `@f(input memrefs..., output memrefs...)`.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

#endif // PLSTM_CODEGEN_PASSES_TD
