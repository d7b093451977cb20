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

def PLSTMDecomposeLayers : Pass<"plstm-decompose-layers", "::mlir::ModuleOp"> {
  let summary = "Lower layer ops to projections, gate activations and scan ops";
  let description = [{
    Rewrites every `plstm.layer2d` into linalg on tensors and one
    `plstm.scan2d` (SPEC §5.3-§5.4): the Q/K/V projections and each gate's
    pre-activation `b + x·w` are `linalg.generic` contractions written
    directly in the scan's layout ([B, H, ...], heads then folded into the
    batch and unit J dims added by reshapes); activations (sigmoid, tanh of
    f·x, the bounded P-mode clamp) and the P-mode algebra (S_r = α·src,
    S_d = 1 − S_r, T_rl = T_ru = α·τ, T_du = T_dl = 1 − α·τ) are elementwise
    `linalg.generic`s with `math`/`arith` bodies; the scan keeps the layer's
    orientations, QK scale and schedule; the per-head RMS norm and the output
    projection are one contraction after it. Runs before schedule
    selection, so the scan gets a schedule like any other.

    ```mlir
    // before
    %y = plstm.layer2d %x weights(...) names [...] mode "P" : ...
    // after --plstm-decompose-layers
    %q = linalg.generic ... // x·w_q + b_q as [B, H, MX, MY, DK]
    ...
    %s:3 = plstm.scan2d qkv(...) ... orientations [0, 1, 2, 3] : ...
    %out = linalg.generic ... // RMS norm · norm_scale · w_out
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def PLSTMSelectSchedule : Pass<"plstm-select-schedule", "::mlir::ModuleOp"> {
  let summary = "Write a #plstm.schedule on every scan op that has none";
  let description = [{
    The one pass that decides how each scan op is computed. It sets the
    `schedule` attribute of every plstm scan op that does not carry one and
    changes nothing else; ops that already carry a schedule keep it unless
    `force` is given.

    Policy: with `force`, that schedule everywhere; otherwise the cheapest
    schedule with a lowering according to the cost model (passes/CostModel.h,
    docs/schedules.md): FLOPs, bytes, sequential depth and parallel width per
    schedule, turned into time with the target's measured throughputs, the
    batch spread over `cores`. Dynamic sizes are taken from `size-hints`.

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
           "logdepth:N (empty: keep existing schedules, default the rest)">,
    Option<"sizeHints", "size-hints", "std::string", /*default=*/"\"\"",
           "Sizes assumed for dynamic dims, e.g. B=16,T=4096 (defaults: "
           "B=8, T=4096, N=1024, E=2048, L=4096)">,
    Option<"cores", "cores", "int64_t", /*default=*/"2",
           "Cores the batch is spread over">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "fp32 lanes of a vector register">
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

def PLSTMLowerChunkwise : Pass<"plstm-lower-chunkwise", "::mlir::ModuleOp"> {
  let summary = "Lower scan ops with the chunkwise schedule (1D: chunks in matrix form)";
  let description = [{
    Lowers every `plstm.scan1d` whose schedule is
    `#plstm.schedule<chunkwise, chunk = C>` to the chunkwise algorithm of
    SPEC.md §2.3-§2.4, for any C >= 1 and any length (the last chunk is
    zero-padded inside; nothing padded reaches an output):

    - per chunk, the transition T_c, sources S_c[a], marks M_c[a] and the
      gating matrix G[a, a'] (D on the diagonal) by cumulative products;
    - the intra-chunk output in matrix form: A = Q·Kᵀ over DK, W = A ⊙ G over
      the J dims, y = W·V (for J = 1: ((Q Kᵀ) ⊙ G) V), plus the inter-chunk
      part q·M_c·C;
    - the state recurrence over chunks C' = T_c·C + Σ_a S_c[a] ⋆ kv_a.

    `plstm.scan2d` and `plstm.scan_dag` with this schedule are not lowered
    yet: they stay and the contract check names them.

    ```mlir
    // after: a batch loop, a chunk loop carrying the state, and matrix-form
    // contractions over [C, C] blocks
    scf.for %b ... {
      scf.for %c = %c0 to %nt ... iter_args(%state = ..., %y = ...) {
        %a = linalg.generic ... -> tensor<64x64x1x1xf32>   // Q·Kᵀ
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

def PLSTMLowerLogdepth : Pass<"plstm-lower-logdepth", "::mlir::ModuleOp"> {
  let summary = "Lower scan ops with the log-depth schedule (1D: associative scan over chunks)";
  let description = [{
    Lowers every `plstm.scan1d` whose schedule is `#plstm.schedule<logdepth>`
    (leaf chunk C = `chunk`, default 64). The chunk states come from an
    inclusive Hillis-Steele scan over the pairs (T_c, Skv_c) with
    (A2, b2)∘(A1, b1) = (A2·A1, A2·b1 + b2): ⌈log2 NT⌉ combine stages, each a
    loop over chunks that reads only the previous stage (an `scf.while`
    doubling the stride). Outputs of every chunk then read the state entering
    it (SPEC §2.4, "log-depth"). Chunks and intra-chunk algebra as in
    plstm-lower-chunkwise.

    `plstm.scan2d` and `plstm.scan_dag` with this schedule are not lowered
    yet: they stay and the contract check names them.
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
