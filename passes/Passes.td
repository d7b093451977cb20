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

    `plstm.layer1d` (SPEC §5.2) becomes the causal convolution (one generic
    reading x at t − 3 .. t), the projections and gates in [B, H, T, J...],
    the transition λ (JT = 1) or U·diag(λ)·W with the order-16 series of the
    exponential orthogonalisation (JT > 1), one `plstm.scan1d`, the RMS norm
    over DV·JO, the output projection and the passthrough.
    `plstm.layer_dag` (SPEC §5.5) gathers node features at each edge's
    tail and head and at the node each line edge passes, normalises the
    transitions (P-mode: an `scf.for` over the line edges sums |t| per target
    edge) or takes tanh (D-mode), and runs one `plstm.scan_dag`.

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
                           "::mlir::scf::SCFDialect",
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

    With J = 1 each node's outgoing states are one elementwise
    `linalg.generic` written in place of the incoming ones. The 2D states
    carried across a column (and the one down a column) start in, and are
    updated in, their slots of the last-state outputs.

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

    `parallel-orientations=true` (2D, every J = 1, several orientations):
    the orientations run as one `scf.forall`, each into a partial output of
    its own (the direct term in the first one's), summed at the end; the GPU
    pipeline then gives each (row, orientation) a block.

    With every J = 1 a DAG edge with at most 8 incoming states is one pass
    (its state and its read-out), an `scf.index_switch` on the incoming
    count; `fuse-dag-edges=false` keeps the separate passes per term (the
    GPU pipeline's form, which its block mapping handles).
  }];
  let options = [
    Option<"fuseDagEdges", "fuse-dag-edges", "bool", /*default=*/"true",
           "DAG edges with every J = 1 and at most 8 incoming states in one "
           "pass each (an scf.index_switch on the incoming count); false: a "
           "pass per term">,
    Option<"parallelOrientations", "parallel-orientations", "bool",
           /*default=*/"false",
           "2D scans with several orientations and every J = 1: the "
           "orientations as an scf.forall, each into its own partial output, "
           "the partials summed at the end (the GPU pipeline's form: a "
           "block per orientation)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::math::MathDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def PLSTMLowerChunkwise : Pass<"plstm-lower-chunkwise", "::mlir::ModuleOp"> {
  let summary = "Lower scan ops with the chunkwise schedule (chunks, tiles, level blocks)";
  let description = [{
    Lowers every scan op whose schedule is
    `#plstm.schedule<chunkwise, chunk = C>`; any size (padding inside,
    nothing padded reaches an output). Loops whose iterations are
    independent are `scf.forall` (run on the kernel's threads,
    docs/schedules.md "Parallel execution").

    - `plstm.scan1d` (SPEC §2.3-§2.4), any C >= 1: each chunk's T_c,
      sources S_c[a], marks M_c[a] and gating matrix G[a, a'] (D on the
      diagonal) by cumulative products, its output in matrix form
      (A = Q·Kᵀ over DK, W = A ⊙ G over the J dims, y = W·V) plus the
      read-out q·M_c·C of the entering state, and the state recurrence
      C' = T_c·C + Σ_a S_c[a] ⋆ kv_a. Two forms (`chunk-order`):
      * parallel chunks: per batch entry, the chunks in parallel (stacking
        their T_c, Skv_c, M_c and intra outputs), the states in order, the
        read-outs in parallel: parallelism within one batch entry;
      * chunks in order: the batch entries in parallel, each entry's chunks
        in order, every chunk finished (outputs, next state) before the
        next: nothing stacked, the state stays in cache. The full chunks
        run with the static length C (k, v read in place), a partial last
        chunk after them.
      `chunk-order=threads` (the CPU pipeline's choice) picks at run time:
      chunks in order when the batch has at least as many entries as the
      kernel has threads (`omp_get_max_threads()`), else parallel chunks.
    - `plstm.scan2d` (SPEC §3.3-§3.4): P×P tiles (P = C, a power of two
      <= 64) built by the quad tree, border states in anti-diagonal
      wavefronts (the tiles of one wavefront in parallel), orientations in
      parallel.
    - `plstm.scan_dag`: blocks of C consecutive line-graph levels, dense
      path sums per block (C = 1: the level-parallel wavefront).

    ```mlir
    // 1D after (chunk-order=parallel): per batch entry, the chunks in
    // parallel, the chunk states in order, the outputs in parallel
    scf.for %b ... {
      scf.forall (%c) in (%nt) shared_outs(...) {
        %a = linalg.generic ... -> tensor<64x64x1x1xf32>   // Q·Kᵀ
        ...
      }
      scf.for %c = %c0 to %nt ... { ... }                  // C_c
      scf.forall (%c) in (%nt) shared_outs(%y = ...) { ... }
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::math::MathDialect", "::mlir::func::FuncDialect"
  ];
  let options = [
    Option<"chunkOrder", "chunk-order", "std::string", /*default=*/"\"threads\"",
           "Form of the 1D chunkwise schedule: parallel (the chunks of a batch "
           "entry in parallel; the GPU pipeline's), in-order (the batch "
           "entries in parallel, each entry's chunks in order; the CPU "
           "pipeline's without threads) or threads (chosen at run time: "
           "in-order when batch >= omp_get_max_threads())">,
    Option<"dynamicQuadLevels", "dynamic-quad-levels", "bool",
           /*default=*/"false",
           "2D quad trees of tiles from 32x32 on: the merges up to 8x8 cells "
           "as one scf.while over the levels with dynamic level shapes (one "
           "function per part for those levels, not one per level and part: "
           "the CPU pipeline's, for compile time; the GPU pipeline keeps "
           "static shapes)">
  ];
}

def PLSTMLowerLogdepth : Pass<"plstm-lower-logdepth", "::mlir::ModuleOp"> {
  let summary = "Lower scan ops with the log-depth schedule";
  let description = [{
    Lowers every scan op whose schedule is `#plstm.schedule<logdepth>`.

    - `plstm.scan1d`, leaf chunk C = `chunk` (default 64): the chunk states
      come from an inclusive Hillis-Steele scan over the pairs (T_c, Skv_c)
      with (A2, b2)∘(A1, b1) = (A2·A1, A2·b1 + b2): ⌈log2 NT⌉ combine
      stages (an `scf.while` doubling the stride), each a parallel loop over
      the chunks into fresh tensors; then every chunk's outputs from the
      state entering it, in parallel (SPEC §2.4). Chunks and intra-chunk
      algebra as in plstm-lower-chunkwise.
    - `plstm.scan2d`: up to 64×64 the quad tree of SPEC §3.3 over the whole
      grid as one tile (G summed over the orientations, one (Q Kᵀ ⊙ G) V);
      larger grids a state quad tree over 16×16 leaf tiles (depth
      O(log side)).
    - `plstm.scan_dag`: the path sums of the whole line graph by repeated
      squaring of its transition matrix, ⌈log2 levels⌉ stages.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::math::MathDialect"
  ];
  let options = [
    Option<"dynamicQuadLevels", "dynamic-quad-levels", "bool",
           /*default=*/"false",
           "2D quad trees of tiles from 32x32 on: the merges up to 8x8 cells "
           "as one scf.while over the levels with dynamic level shapes (one "
           "function per part for those levels, not one per level and part: "
           "the CPU pipeline's, for compile time; the GPU pipeline keeps "
           "static shapes)">,
    Option<"parallelOrientations", "parallel-orientations", "bool",
           /*default=*/"false",
           "2D, one tile, several orientations: the orientations as one "
           "scf.forall, each orientation's path sums G in a slot of its own, "
           "summed after it (the GPU pipeline's form with the chunk grid: "
           "a block per (row, orientation)); otherwise a loop that adds "
           "each orientation's G into one">
  ];
}

def PLSTMFuseGates : Pass<"plstm-fuse-gates", "::mlir::ModuleOp"> {
  let summary = "Compute elementwise gates inside the lowered scan loops";
  let description = [{
    Runs after the scan lowerings. `plstm-decompose-layers` writes each gate
    as one elementwise `linalg.generic` over the projected pre-activations
    (sigmoid, tanh, the P-mode algebra) in the scan's layout; the lowered
    scans read their operands through `tensor.extract_slice` (a batch entry,
    a chunk, an orientation) and `tensor.extract`. Every such read of an
    elementwise generic becomes the generic on the same slice of its inputs
    (or its body on the extracted elements), inside the scan's loops. When
    all reads are rewritten the full gate tensor is dead, so the activations
    are computed per slice in the scan kernels instead of being materialised
    for the whole batch (issue "Layer specs", deliverable 2).

    A generic is fused only when it is elementwise (identity indexing maps,
    parallel loops, no `linalg.index`, a pure body) and every use is a
    slice, an element read or a `tensor.dim`, so nothing is both
    materialised and recomputed.

    ```mlir
    // before
    %s = linalg.generic {...} ins(%pre : tensor<?x16x1x1x1xf32>) ... {
      math.exp ...  // sigmoid
    }
    scf.forall (%b) in (%n) {
      %c = tensor.extract_slice %s[%b, 0, 0, 0, 0] [1, 16, 1, 1, 1] ...
    }
    // after --plstm-fuse-gates
    scf.forall (%b) in (%n) {
      %p = tensor.extract_slice %pre[%b, 0, 0, 0, 0] [1, 16, 1, 1, 1] ...
      %c = linalg.generic {...} ins(%p : ...) ... { math.exp ... }
    }
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
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
