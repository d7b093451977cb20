//===- Passes.td - plstm target-independent passes ----------*- tablegen -*-===//
//
// The passes between the scan ops and structured loops on tensors
// (ARCHITECTURE.md, "The levels of IR"): one pass decides the schedule,
// one lowering per schedule obeys it, and a contract check ends a pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_PASSES_TD
#define PLSTM_PASSES_TD

include "mlir/Pass/PassBase.td"

def PLSTMSelectSchedule : Pass<"plstm-select-schedule", "::mlir::ModuleOp"> {
  let summary = "Write a #plstm.schedule on every scan op that has none";
  let description = [{
    The one pass that decides how each scan op is computed. It sets the
    `schedule` attribute of every plstm scan op that does not carry one and
    changes nothing else; ops that already carry a schedule keep it unless
    `force` is given.

    Policy: with `force`, that schedule everywhere; otherwise the sequential
    schedule, the only one with a lowering so far (the cost model that picks
    chunkwise / log-depth arrives with those lowerings).

    ```mlir
    // before
    %y, %c = plstm.scan1d qkv(...) ... : ...
    // after --plstm-select-schedule
    %y, %c = plstm.scan1d qkv(...) ... {schedule = #plstm.schedule<sequential>} : ...
    ```
  }];
  let options = [
    Option<"force", "force", "std::string", /*default=*/"\"\"",
           "Schedule for every scan op: sequential, chunkwise:N, logdepth or "
           "logdepth:N (empty: keep existing schedules, default the rest)">
  ];
}

def PLSTMLowerSequential : Pass<"plstm-lower-sequential", "::mlir::ModuleOp"> {
  let summary = "Lower scan ops with the sequential schedule to scf loops + linalg on tensors";
  let description = [{
    Lowers every `plstm.scan1d`, `plstm.scan2d` and `plstm.scan_dag` whose
    schedule is `#plstm.schedule<sequential>` to the per-edge recurrence of
    SPEC.md §1: `scf.for` loops over the batch and over the edges (1D: time
    order; 2D: x-major order, which respects the anti-diagonal dependencies,
    one loop nest per orientation with its flips; DAG: a topological order of
    the line graph computed in the kernel by Kahn's algorithm), with the
    contractions of each step as `linalg.generic` ops on tensors
    (`tensor.extract_slice` / `tensor.insert_slice` move the per-node slices).
    Ops with another schedule, or none, are left alone.

    ```mlir
    // before
    %y, %c = plstm.scan1d qkv(%q, %k, %v) ... {schedule = #plstm.schedule<sequential>}
    // after
    %r:2 = scf.for %b = %c0 to %B step %c1 iter_args(%y0 = ..., %c0 = ...) {
      %s:2 = scf.for %t = %c0 to %T step %c1 iter_args(%state = ..., %y1 = ...) {
        %qt = tensor.extract_slice %q[%b, %t, 0, 0] [1, 1, 64, 1] [1, 1, 1, 1] ...
        %yt = linalg.generic ... // q·M·C
        ...
      }
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

def PLSTMCheckLowered : Pass<"plstm-check-lowered", "::mlir::ModuleOp"> {
  let summary = "Contract check: fail if any plstm op survived lowering";
  let description = [{
    Ends every pipeline (ARCHITECTURE.md): reports each remaining plstm op at
    its location, with its schedule, and fails the pipeline. A lowering that
    cannot handle an op leaves it in place, so this names what was not
    lowered instead of letting it reach code generation.
  }];
}

#endif // PLSTM_PASSES_TD
