//===- PLSTMOps.td - the plstm scan and layer ops -------------*- tablegen -*-===//
//
// The three scan ops: `plstm.scan1d` (sequence), `plstm.scan2d` (grid, one to
// four orientations) and `plstm.scan_dag` (general DAG), and the three layer
// ops built on them: `plstm.layer1d`, `plstm.layer2d`, `plstm.layer_dag`
// (SPEC §5; weights as named operands). Each op's
// description lists the constraint labels its verifier cites, so an error
// message leads back to the rule (SPEC.md, "Constraint labels").
//
// Operand and result types are declared loosely here on purpose: every type
// and shape rule is checked in C++ (PLSTMOps.cpp) so that each message names
// the operand, the expected and the actual value and the rule label.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_OPS_TD
#define PLSTM_OPS_TD

include "dialect/PLSTMBase.td"
include "dialect/PLSTMAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// A ranked tensor of f32 or f64; the verifier enforces it with a labelled
// message (rule 1 of each op), so ODS accepts any type here.
def PLSTM_FloatTensor : Type<CPred<"true">,
    "ranked tensor of f32 or f64 (checked by the op verifier)">;
// An [n, 2] tensor of i32 or i64 (graph structure of `plstm.scan_dag`).
def PLSTM_IndexTensor : Type<CPred<"true">,
    "ranked [n, 2] tensor of i32 or i64 (checked by the op verifier)">;

//===----------------------------------------------------------------------===//
// scan1d
//===----------------------------------------------------------------------===//

def PLSTM_Scan1DOp : PLSTM_Op<"scan1d", [Pure]> {
  let summary = "pLSTM scan over a sequence (SPEC §2)";
  let description = [{
    Runs the pLSTM recurrence over a sequence of length T, for every batch
    entry (heads folded into the batch). With `C_{-1} = initial` (or 0):

    ```
    C_t[d,v,i] = Σ_j T_t[i,j] C_{t-1}[d,v,j] + Σ_{j,l} S_t[i,j,l] K_t[d,j] V_t[v,l]
    y_t[v,o]   = s·( Σ_{d,j,u} Q_t[d,j] M_t[o,j,u] C_{t-1}[d,v,u]
                   + Σ_{d,j,k,l} Q_t[d,j] D_t[o,j,k,l] K_t[d,k] V_t[v,l] )
    ```

    `last` is `C_{T-1}` (it includes the last token's source). `qk_scale` (s)
    defaults to DK^-1/2.

    With `output_norm_eps` = ε, every output row is RMS-normalised over its
    DV·JO values where the schedule writes it: y_t ← y_t / √(mean(y_t²) + ε)
    (the per-head RMS norm of the layers, SPEC §5.2, without its scale;
    `plstm-decompose-layers` sets it for `plstm.layer1d`, so the norm runs
    inside the scan's loops instead of as a pass over the whole output).

    | operand | shape |
    |---|---|
    | q | [B, T, DK, JQ] |
    | k | [B, T, DK, JK] |
    | v | [B, T, DV, JV] |
    | source | [B, T, JT, JK, JV] |
    | transition | [B, T, JT, JT] (to, from) |
    | mark | [B, T, JO, JQ, JT] |
    | direct | [B, T, JO, JQ, JK, JV] |
    | initial (optional) | [B, DK, DV, JT] |
    | result y | [B, T, DV, JO] |
    | result last | [B, DK, DV, JT] |

    B and T may be dynamic; DK, DV and the J dims are static.

    Rules checked by the verifier:
    - (C-scan1d-1) every operand and result is a ranked tensor of one element
      type, f32 or f64.
    - (C-scan1d-2) every operand and result has the rank in the table.
    - (C-scan1d-3) DK, DV, JT, JK, JV, JQ and JO are static.
    - (C-scan1d-4) the batch dim B agrees.
    - (C-scan1d-5) the sequence length T agrees.
    - (C-scan1d-6) DK agrees.
    - (C-scan1d-7) DV agrees.
    - (C-scan1d-8) JT agrees.
    - (C-scan1d-9) the copy dims JK, JV, JQ and JO agree.
    - (C-scan1d-10) `qk_scale`, when given, is finite.
    - (C-scan1d-11) `output_norm_eps`, when given, is finite and positive.
    - (C-schedule-1..3) see `#plstm.schedule`.

    Example:

    ```mlir
    %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t)
        mark(%m) direct(%d) init(%c0) {schedule = #plstm.schedule<sequential>}
        : (tensor<?x?x64x1xf32>, tensor<?x?x64x1xf32>, tensor<?x?x64x1xf32>,
           tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>,
           tensor<?x?x1x1x1x1xf32>, tensor<?x64x64x1xf32>)
        -> (tensor<?x?x64x1xf32>, tensor<?x64x64x1xf32>)
    ```
  }];

  let arguments = (ins
    PLSTM_FloatTensor:$q,
    PLSTM_FloatTensor:$k,
    PLSTM_FloatTensor:$v,
    PLSTM_FloatTensor:$source,
    PLSTM_FloatTensor:$transition,
    PLSTM_FloatTensor:$mark,
    PLSTM_FloatTensor:$direct,
    Optional<PLSTM_FloatTensor>:$initial,
    // QK scale s; absent means DK^-1/2 (SPEC A7).
    OptionalAttr<F64Attr>:$qk_scale,
    // Written by plstm-select-schedule; absent means "not decided yet".
    OptionalAttr<PLSTM_ScheduleAttr>:$schedule,
    // RMS-normalise each output row over DV·JO with this ε.
    OptionalAttr<F64Attr>:$output_norm_eps
  );
  let results = (outs PLSTM_FloatTensor:$y, PLSTM_FloatTensor:$last);

  // Keyword-labelled operand groups keep the gate roles visible in the IR.
  let assemblyFormat = [{
    `qkv` `(` $q `,` $k `,` $v `)`
    `source` `(` $source `)`
    `transition` `(` $transition `)`
    `mark` `(` $mark `)`
    `direct` `(` $direct `)`
    (`init` `(` $initial^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// The QK scale in effect: the attribute, or DK^-1/2.
    double getEffectiveQkScale();
  }];
}

//===----------------------------------------------------------------------===//
// scan2d
//===----------------------------------------------------------------------===//

def PLSTM_Scan2DOp : PLSTM_Op<"scan2d", [Pure, AttrSizedOperandSegments]> {
  let summary = "pLSTM scan over a 2D grid, one to four orientations (SPEC §3)";
  let description = [{
    Runs the 2D pLSTM recurrence on an MX × MY grid (x = tensor axis 1,
    "right"; y = tensor axis 2, "down"). Per orientation o:

    ```
    C^r(x,y) = T_rl·C^r(x-1,y) + T_ru·C^d(x,y-1) + S_r ⋆ kv
    C^d(x,y) = T_du·C^d(x,y-1) + T_dl·C^r(x-1,y) + S_d ⋆ kv
    y(x,y)  += s·( q⋅M_l⋅C^r(x-1,y) + q⋅M_u⋅C^d(x,y-1) )
    ```

    and once, for all orientations, `y(x,y) += s·q⋅D⋅kv` (SPEC A5).
    Orientation o flips x when bit 0 is set and y when bit 1 is set:
    `orientations [0, 1, 2, 3]` is the fused four-orientation vision form,
    the default is `[0]`. Gates carry an orientation axis O (the number of
    orientations, in the order listed) and are indexed by original node
    coordinates. The turn transitions `turn_dl` (left-in → down-out) and
    `turn_ru` (up-in → right-out) are optional; a missing one is zero (SPEC A3).

    | operand | shape |
    |---|---|
    | q | [B, MX, MY, DK, JQ] |
    | k | [B, MX, MY, DK, JK] |
    | v | [B, MX, MY, DV, JV] |
    | source (r, d) | [B, O, MX, MY, JT, JK, JV] each |
    | transition (rl, du) | [B, O, MX, MY, JT, JT] each |
    | turn_dl, turn_ru (optional) | [B, O, MX, MY, JT, JT] |
    | mark (l, u) | [B, O, MX, MY, JO, JQ, JT] each |
    | direct | [B, MX, MY, JO, JQ, JK, JV] |
    | init_left (optional) | [B, O, MY, DK, DV, JT] |
    | init_top (optional) | [B, O, MX, DK, DV, JT] |
    | result y | [B, MX, MY, DV, JO] |
    | result last_right | [B, O, MY, DK, DV, JT] |
    | result last_down | [B, O, MX, DK, DV, JT] |

    Boundary states are per row / column of the original grid (SPEC A4):
    `init_left[b, o, y]` enters row y where orientation o's x-scan starts,
    `last_right[b, o, y]` leaves it at the other end. B may be dynamic; the
    grid sides, feature dims, J dims and O are static.

    Rules checked by the verifier:
    - (C-scan2d-1) every operand and result is a ranked tensor of one element
      type, f32 or f64.
    - (C-scan2d-2) every operand and result has the rank in the table.
    - (C-scan2d-3) MX, MY, DK, DV, O and the J dims are static.
    - (C-scan2d-4) the batch dim B agrees.
    - (C-scan2d-5) the grid side MX agrees.
    - (C-scan2d-6) the grid side MY agrees.
    - (C-scan2d-7) DK agrees.
    - (C-scan2d-8) DV agrees.
    - (C-scan2d-9) JT agrees.
    - (C-scan2d-10) the copy dims JK, JV, JQ and JO agree.
    - (C-scan2d-11) the orientation axis O equals the number of orientations.
    - (C-scan2d-12) `orientations` is a non-empty, strictly increasing list of
      values in [0, 3].
    - (C-scan2d-13) `qk_scale`, when given, is finite.
    - (C-scan2d-14) a `logdepth` schedule takes no `chunk` (the quad tree
      spans the whole grid).
    - (C-scan2d-15) a `chunkwise` schedule's `chunk` (the tile side P) is a
      power of two of at most 64: a tile's path sums hold P⁴ entries.

    Example (the ViT-T scan: 16×16 grid, four orientations, no turn `ru`):

    ```mlir
    %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd)
        transition(%trl, %tdu) turn_dl(%tdl) mark(%ml, %mu) direct(%dd)
        orientations [0, 1, 2, 3]
        : (tensor<?x16x16x64x1xf32>, tensor<?x16x16x64x1xf32>,
           tensor<?x16x16x64x1xf32>, tensor<?x4x16x16x1x1x1xf32>,
           tensor<?x4x16x16x1x1x1xf32>, tensor<?x4x16x16x1x1xf32>,
           tensor<?x4x16x16x1x1xf32>, tensor<?x4x16x16x1x1xf32>,
           tensor<?x4x16x16x1x1x1xf32>, tensor<?x4x16x16x1x1x1xf32>,
           tensor<?x16x16x1x1x1x1xf32>)
        -> (tensor<?x16x16x64x1xf32>, tensor<?x4x16x64x64x1xf32>,
            tensor<?x4x16x64x64x1xf32>)
    ```
  }];

  let arguments = (ins
    PLSTM_FloatTensor:$q,
    PLSTM_FloatTensor:$k,
    PLSTM_FloatTensor:$v,
    PLSTM_FloatTensor:$source_r,
    PLSTM_FloatTensor:$source_d,
    PLSTM_FloatTensor:$t_rl,
    PLSTM_FloatTensor:$t_du,
    Optional<PLSTM_FloatTensor>:$t_dl,
    Optional<PLSTM_FloatTensor>:$t_ru,
    PLSTM_FloatTensor:$mark_l,
    PLSTM_FloatTensor:$mark_u,
    PLSTM_FloatTensor:$direct,
    Optional<PLSTM_FloatTensor>:$init_left,
    Optional<PLSTM_FloatTensor>:$init_top,
    // Absent means [0] (the plain directed scan).
    OptionalAttr<DenseI32ArrayAttr>:$orientations,
    OptionalAttr<F64Attr>:$qk_scale,
    OptionalAttr<PLSTM_ScheduleAttr>:$schedule
  );
  let results = (outs PLSTM_FloatTensor:$y, PLSTM_FloatTensor:$last_right,
                      PLSTM_FloatTensor:$last_down);

  let assemblyFormat = [{
    `qkv` `(` $q `,` $k `,` $v `)`
    `source` `(` $source_r `,` $source_d `)`
    `transition` `(` $t_rl `,` $t_du `)`
    (`turn_dl` `(` $t_dl^ `)`)?
    (`turn_ru` `(` $t_ru^ `)`)?
    `mark` `(` $mark_l `,` $mark_u `)`
    `direct` `(` $direct `)`
    (`init_left` `(` $init_left^ `)`)?
    (`init_top` `(` $init_top^ `)`)?
    (`orientations` $orientations^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// The orientation list in effect (the attribute, or {0}).
    ::llvm::SmallVector<int32_t> getOrientationList();
    /// The QK scale in effect: the attribute, or DK^-1/2.
    double getEffectiveQkScale();
  }];
}

//===----------------------------------------------------------------------===//
// scan_dag
//===----------------------------------------------------------------------===//

def PLSTM_ScanDagOp : PLSTM_Op<"scan_dag", [Pure]> {
  let summary = "pLSTM scan over a general DAG (SPEC §1, §4)";
  let description = [{
    Runs the pLSTM recurrence on the line graph of a DAG with N nodes, E edges
    `edges[e] = (tail, head)` and L line edges `line_edges[l] = (e_in, e_out)`
    with `head(e_in) == tail(e_out)`. One state per edge:

    ```
    C_e = Σ_{l = (e', e)} T_l · C_{e'} + S_e ⋆ (k_u ⊗ v_u)      e = (u → w)
    y_w = s·( Σ_{e into w} q_w ⋅ M_e ⋅ C_e + q_w ⋅ D_w ⋅ (k_w ⊗ v_w) )
    ```

    Source and mark are indexed by edge (source at the tail, mark at the
    head), the transition by line edge (SPEC A6). The graph is taken as given
    (no re-orientation) and is shared by every batch entry; batch many small
    graphs as a disjoint union. A cycle, an index out of range or a line edge
    whose endpoints do not meet is a run-time error naming the index.
    The DAG has no boundary, so the op has no initial or final states.

    | operand | shape |
    |---|---|
    | q | [B, N, DK, JQ] |
    | k | [B, N, DK, JK] |
    | v | [B, N, DV, JV] |
    | edges | [E, 2], i32 or i64 |
    | line_edges | [L, 2], i32 or i64 |
    | source | [B, E, JT, JK, JV] |
    | transition | [B, L, JT, JT] |
    | mark | [B, E, JO, JQ, JT] |
    | direct | [B, N, JO, JQ, JK, JV] |
    | result y | [B, N, DV, JO] |

    B, N, E and L may be dynamic; DK, DV and the J dims are static.

    Rules checked by the verifier:
    - (C-dag-1) q, k, v, the gates and the result are ranked tensors of one
      element type, f32 or f64.
    - (C-dag-2) `edges` and `line_edges` are ranked tensors of i32 or i64 with
      shape [n, 2].
    - (C-dag-3) every operand and result has the rank in the table.
    - (C-dag-4) DK, DV, JT, JK, JV, JQ and JO are static.
    - (C-dag-5) the batch dim B agrees.
    - (C-dag-6) the node count N agrees.
    - (C-dag-7) the edge count E agrees.
    - (C-dag-8) the line-edge count L agrees.
    - (C-dag-9) DK agrees.
    - (C-dag-10) DV agrees.
    - (C-dag-11) JT agrees.
    - (C-dag-12) the copy dims JK, JV, JQ and JO agree.
    - (C-dag-13) `qk_scale`, when given, is finite.
    - (C-dag-14) a `logdepth` schedule takes no `chunk` (repeated squaring
      spans the whole graph).

    Example:

    ```mlir
    %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges)
        source(%s) transition(%t) mark(%m) direct(%d) {qk_scale = 1.0}
        : (tensor<?x?x32x1xf32>, tensor<?x?x32x1xf32>, tensor<?x?x32x1xf32>,
           tensor<?x2xi32>, tensor<?x2xi32>, tensor<?x?x1x1x1xf32>,
           tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>,
           tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x32x1xf32>
    ```
  }];

  let arguments = (ins
    PLSTM_FloatTensor:$q,
    PLSTM_FloatTensor:$k,
    PLSTM_FloatTensor:$v,
    PLSTM_IndexTensor:$edges,
    PLSTM_IndexTensor:$line_edges,
    PLSTM_FloatTensor:$source,
    PLSTM_FloatTensor:$transition,
    PLSTM_FloatTensor:$mark,
    PLSTM_FloatTensor:$direct,
    OptionalAttr<F64Attr>:$qk_scale,
    OptionalAttr<PLSTM_ScheduleAttr>:$schedule
  );
  let results = (outs PLSTM_FloatTensor:$y);

  let assemblyFormat = [{
    `qkv` `(` $q `,` $k `,` $v `)`
    `graph` `(` $edges `,` $line_edges `)`
    `source` `(` $source `)`
    `transition` `(` $transition `)`
    `mark` `(` $mark `)`
    `direct` `(` $direct `)`
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// The QK scale in effect: the attribute, or DK^-1/2.
    double getEffectiveQkScale();
  }];
}


//===----------------------------------------------------------------------===//
// layer2d
//===----------------------------------------------------------------------===//

def PLSTM_Layer2DOp : PLSTM_Op<"layer2d", [Pure]> {
  let summary = "fused 2D pLSTM layer, P-mode or D-mode (SPEC §5.3-§5.4)";
  let description = [{
    A whole 2D pLSTM layer on an MX × MY grid of D-dim features, as the
    fused vision layer of SPEC §5.4 (A9): Q/K/V projections, gate layers,
    one `plstm.scan2d` over all orientations (heads folded into the batch),
    a per-head RMS norm and the output projection. The output has the
    input's shape (SPEC P10). `plstm-decompose-layers` lowers it to linalg,
    math and `plstm.scan2d`.

    Weights are operands, each named by the `names` list (any order). H
    (heads), DK and DV come from their shapes; O is the number of
    `orientations` (default `[0, 1, 2, 3]`). The table lists the form
    without J axes (every J dim 1). In the form with J axes, chosen by a
    rank-4 w_q, every weight carries the copy dims after its own (JT = 1,
    so transitions and α have none): w_q, b_q end in JQ, w_k, b_k in JK,
    w_v, b_v in JV, b_direct, w_direct in JO, JQ, JK, JV, the source gates
    in JK, JV, the mark gates in JO, JQ, norm_scale in JO, and w_out is
    [H, DV, JO, D]; the per-head RMS norm then runs over DV·JO.

    | weight | shape | use |
    |---|---|---|
    | w_q, w_k | [DIN, H, DK] | q = x·w_q + b_q |
    | b_q, b_k | [H, DK] | |
    | w_v | [DIN, H, DV] | v = x·w_v + b_v |
    | b_v | [H, DV] | |
    | b_direct | [H] | D = σ(b_direct + x·w_direct) |
    | w_direct (optional) | [DGH, H] | |
    | norm_scale | [H, DV] | per-head RMS norm over DV (eps 1e-5), times the scale |
    | w_out | [H, DV, D] | out = Σ_{h,v} norm(y)·w_out (no bias) |
    | passthrough (optional) | [D] | out += passthrough ⊙ x |
    | P-mode: b_alpha, w_alpha | [O, H], [DGO, O, H] | α = σ(b_alpha + 0.5·(x·w_alpha)/D) |
    | P-mode: b_source, w_source (optional) | [O, H], [DGO, O, H] | src = σ(b + x·w) |
    | P-mode: b_transition, w_transition (optional) | [O, H], [DGO, O, H] | τ = tanh(f·(b + x·w)) |
    | P-mode: b_mark, w_mark (optional) | [O, H], [DGO, O, H] | M_l = M_u = σ(b + x·w) |
    | D-mode: b_source_r, b_source_d, b_mark_l, b_mark_u | [O, H] | σ(b + x·w) each |
    | D-mode: b_t_rl, b_t_du, b_t_turn | [O, H] | tanh(f·(b + x·w)) each |
    | D-mode: w_ of each (optional) | [DGO, O, H] | |

    P-mode gates (SPEC §5.3): S_r = α·src, S_d = 1 − S_r,
    T_rl = T_ru = α·τ, T_du = T_dl = 1 − α·τ. By default τ is clamped to
    [0, 1] first, so |T_rl| + |T_dl| ≤ 1 and path sums stay bounded
    (SPEC A10, P8); the unit attribute `signed_p_mode` keeps the reference's
    signed τ ∈ (−1, 1) (a negative τ makes long paths blow up, SPEC §6).
    D-mode: T_rl, T_du and the turn transition from three transition
    layers; `chirality` "L" (default) uses the turn as T_ru (up-in →
    right-out), "R" as T_dl. `eigenvalue_factor` is f (default 5).
    `qk_scale` (default DK^-1/2) and `schedule` are passed to the scan.

    Gate layers (SPEC §5.1): `sub_heads` = sh (default 1, dense) makes
    the Q/K/V projections block-diagonal: the input features are split into
    sh chunks of DIN = D/sh and head h reads only chunk h / (H/sh), so
    w_q, w_k, w_v have DIN rows. `gate_sub_heads` = g (default 1) does the
    same for the gate projections: a gate layer of C channels reads
    m = min(g, C) chunks of D/m features, channel c the chunk c / (C/m);
    its w_ weight has D/m rows (DGH for the layers of H channels; in the 2D
    layer DGO for the orientation gates, whose O·H channels are numbered
    c = h·O + o, the fused kernel's head-major order, SPEC §5.4).
    `source_activation`, `mark_activation` and
    `direct_activation` pick each gate layer's activation: "sigmoid"
    (default; the reference's `logsigmoid` with scale 1), "tanh" or
    "identity".
    `eigenvalue_activation` picks λ's: "tanh" (default) tanh(f·x),
    "logsigmoid" σ(x)^f or "expexp" exp(−f·e^(−x)). In P-mode, src and the mark follow
    the source and mark activations, τ the eigenvalue activation (then the
    clamp); α is always a sigmoid.

    | operand / result | shape |
    |---|---|
    | x | [B, MX, MY, D] |
    | result y | [B, MX, MY, D] |

    Rules checked by the verifier:
    - (C-layer2d-1) every operand and the result is a ranked tensor of one
      element type, f32 or f64.
    - (C-layer2d-2) `names` has one entry per weight, no name twice, and
      names exactly the weights of the mode: all the required ones, any of
      the optional ones, nothing else.
    - (C-layer2d-3) every operand and the result has the rank in the tables.
    - (C-layer2d-4) MX, MY, D, H, DK, DV and O are static.
    - (C-layer2d-5) the batch dim B agrees.
    - (C-layer2d-6) the grid sides MX and MY agree.
    - (C-layer2d-7) the feature dim D agrees.
    - (C-layer2d-8) the head count H agrees.
    - (C-layer2d-9) DK agrees.
    - (C-layer2d-10) DV agrees.
    - (C-layer2d-11) the orientation axis O equals the number of
      orientations; `orientations` is a non-empty, strictly increasing list
      of values in [0, 3].
    - (C-layer2d-12) `mode` is "P" or "D"; `chirality` ("L" or "R") is only
      given in D-mode and `signed_p_mode` only in P-mode.
    - (C-layer2d-13) `eigenvalue_factor` and `qk_scale`, when given, are
      finite; the factor is positive.
    - (C-layer2d-14) the schedule is one the 2D scan accepts (C-scan2d-14,
      C-scan2d-15).
    - (C-layer2d-15) `sub_heads` is positive and divides D and H; the Q/K/V
      projections have DIN = D / sub_heads rows; `gate_sub_heads` is
      positive, its chunk count m divides D and the channels of each gate
      layer, and the gate projections have D / m rows (DGH, DGO).
    - (C-layer2d-16) each activation attribute names an activation of its
      kind (above).
    - (C-layer2d-17) in the form with J axes, the J dims (JQ, JK, JV, JO)
      agree and are static.

    Example (a P-mode layer, dim 192, 3 heads, 14×14 grid):

    ```mlir
    %y = plstm.layer2d %x weights(%wq, %bq, %wk, %bk, %wv, %bv, %bd, %ns,
        %wo, %ba, %wa, %bs, %bt, %wt, %bm)
        names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct",
               "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source",
               "b_transition", "w_transition", "b_mark"]
        mode "P" : (tensor<?x14x14x192xf32>, ...) -> tensor<?x14x14x192xf32>
    ```
  }];

  let arguments = (ins
    PLSTM_FloatTensor:$x,
    Variadic<PLSTM_FloatTensor>:$weights,
    StrArrayAttr:$names,
    StrAttr:$mode,
    OptionalAttr<DenseI32ArrayAttr>:$orientations,
    OptionalAttr<StrAttr>:$chirality,
    UnitAttr:$signed_p_mode,
    OptionalAttr<I64Attr>:$sub_heads,
    OptionalAttr<I64Attr>:$gate_sub_heads,
    OptionalAttr<StrAttr>:$source_activation,
    OptionalAttr<StrAttr>:$mark_activation,
    OptionalAttr<StrAttr>:$direct_activation,
    OptionalAttr<StrAttr>:$eigenvalue_activation,
    OptionalAttr<F64Attr>:$eigenvalue_factor,
    OptionalAttr<F64Attr>:$qk_scale,
    OptionalAttr<PLSTM_ScheduleAttr>:$schedule
  );
  let results = (outs PLSTM_FloatTensor:$y);

  let assemblyFormat = [{
    $x `weights` `(` $weights `)` `names` $names `mode` $mode
    (`orientations` $orientations^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// The orientation list in effect (the attribute, or {0, 1, 2, 3}).
    ::llvm::SmallVector<int32_t> getOrientationList();
    /// The weight named `name`, or null.
    ::mlir::Value getWeight(::llvm::StringRef name);
    /// Whether the layer is in P-mode.
    bool isPMode() { return getMode() == "P"; }
    /// "L" or "R" (D-mode; "L" when absent).
    ::llvm::StringRef getChiralityOrDefault() {
      return getChirality() ? *getChirality() : "L";
    }
    /// The eigenvalue factor f in effect (default 5).
    double getEigenvalueFactorOrDefault() {
      return getEigenvalueFactor() ? getEigenvalueFactor()->convertToDouble()
                                   : 5.0;
    }
  }];
}


//===----------------------------------------------------------------------===//
// layer1d
//===----------------------------------------------------------------------===//

def PLSTM_Layer1DOp : PLSTM_Op<"layer1d", [Pure]> {
  let summary = "1D pLSTM layer for sequences (SPEC §5.2)";
  let description = [{
    A whole 1D pLSTM layer on a sequence of D-dim features (SPEC §5.2): a
    causal depthwise convolution, Q/K/V projections, gate layers, the
    transition layer (JT = 1: an eigenvalue; JT > 1: U·diag(λ)·W with the
    exponential orthogonalisation of §5.1), one `plstm.scan1d` (heads
    folded into the batch), a per-head RMS norm over DV·JO, the output
    projection and an optional passthrough. The output has the input's
    shape (SPEC P10). `plstm-decompose-layers` lowers it.

    Weights are operands named by `names` (any order); H, DK, DV and the J
    dims come from their shapes. With c = conv(x):

    | weight | shape | use |
    |---|---|---|
    | w_conv, b_conv | [4, D], [D] | c[t] = b_conv + Σ_i w_conv[i]·x[t − 3 + i] (zero before t = 0) |
    | w_q, b_q | [DIN, H, DK, JQ], [H, DK, JQ] | q = c·w_q + b_q |
    | w_k, b_k | [DIN, H, DK, JK], [H, DK, JK] | k = c·w_k + b_k |
    | w_v, b_v | [DIN, H, DV, JV], [H, DV, JV] | v = x·w_v + b_v (raw x) |
    | b_source, w_source (optional) | [H, JT, JK, JV], [DGH, H, JT, JK, JV] | S = σ(b + c·w) |
    | b_mark, w_mark (optional) | [H, JO, JQ, JT], [DGH, H, JO, JQ, JT] | M = σ(b + c·w) |
    | b_direct, w_direct (optional) | [H, JO, JQ, JK, JV], [DGH, H, JO, JQ, JK, JV] | D = σ(b + c·w) |
    | b_eigen, w_eigen (optional) | [H, JT], [DGH, H, JT] | λ = tanh(f·(b + c·w)) |
    | b_in, w_in (optional) (JT > 1) | [H, JT, JT], [DGH, H, JT, JT] | W = expo(b_in + c·w_in) |
    | b_out, w_out_t (optional) (JT > 1) | [H, JT, JT], [DGH, H, JT, JT] | U = expo(b_out + c·w_out_t); without b_out U = Wᵀ (symmetric) |
    | norm_scale | [H, DV, JO] | per-head RMS norm over DV·JO (eps 1e-5), times the scale |
    | w_out | [H, DV, JO, D] | out = Σ norm(y)·w_out (no bias) |
    | passthrough (optional) | [D] | out += passthrough ⊙ c |

    T = λ for JT = 1, T = U·diag(λ)·W for JT > 1, where
    expo(X) = Σ_{n=0}^{15} Aⁿ/n! with A = g·(X − Xᵀ) (skew-symmetric, so
    expo(X) is orthogonal up to the truncation), g = `orthogonal_factor`
    (default 1) and f = `eigenvalue_factor` (default 5). `qk_scale`
    (default DK^-1/2) and `schedule` are passed to the scan.

    Gate layers (SPEC §5.1): `sub_heads` = sh (default 1, dense) makes
    the Q/K/V projections block-diagonal: the input features are split into
    sh chunks of DIN = D/sh and head h reads only chunk h / (H/sh), so
    w_q, w_k, w_v have DIN rows. `gate_sub_heads` = g (default 1) does the
    same for the gate projections: a gate layer of C channels reads
    m = min(g, C) chunks of D/m features, channel c the chunk c / (C/m);
    its w_ weight has D/m rows (DGH for the layers of H channels; in the 2D
    layer DGO for the orientation gates, whose O·H channels are numbered
    c = h·O + o, the fused kernel's head-major order, SPEC §5.4).
    `source_activation`, `mark_activation` and
    `direct_activation` pick each gate layer's activation: "sigmoid"
    (default; the reference's `logsigmoid` with scale 1), "tanh" or
    "identity".
    `eigenvalue_activation` picks λ's: "tanh" (default) tanh(f·x),
    "logsigmoid" σ(x)^f or "expexp" exp(−f·e^(−x)).

    | operand / result | shape |
    |---|---|
    | x | [B, T, D] |
    | result y | [B, T, D] |

    Rules checked by the verifier:
    - (C-layer1d-1) every operand and the result is a ranked tensor of one
      element type, f32 or f64.
    - (C-layer1d-2) `names` has one entry per weight, no name twice, and
      names exactly the weights of the layer: all the required ones, any of
      the optional ones, nothing else; b_in is required when JT > 1, and
      b_in, w_in, b_out, w_out_t are only given when JT > 1; w_out_t only
      with b_out.
    - (C-layer1d-3) every operand and the result has the rank in the table.
    - (C-layer1d-4) D, H, DK, DV and the J dims are static.
    - (C-layer1d-5) the batch dim B and the length T agree.
    - (C-layer1d-6) the feature dim D agrees.
    - (C-layer1d-7) H, DK and DV agree.
    - (C-layer1d-8) the J dims (JQ, JK, JV, JT, JO) agree.
    - (C-layer1d-9) `eigenvalue_factor`, `orthogonal_factor` and `qk_scale`,
      when given, are finite; the eigenvalue factor is positive.
    - (C-layer1d-10) `sub_heads` is positive and divides D and H; the Q/K/V
      projections have DIN = D / sub_heads rows; `gate_sub_heads` is
      positive, its chunk count m = min(gate_sub_heads, H) divides D and H,
      and the gate projections have DGH = D / m rows.
    - (C-layer1d-11) each activation attribute names an activation of its
      kind (above).

    Example (a language-model layer, D = 64, 2 heads, JT = JV = JO = 4):

    ```mlir
    %y = plstm.layer1d %x weights(%wc, %bc, %wq, %bq, ...)
        names ["w_conv", "b_conv", "w_q", "b_q", ...]
        {schedule = #plstm.schedule<chunkwise, chunk = 256>}
        : (tensor<?x?x64xf32>, ...) -> tensor<?x?x64xf32>
    ```
  }];

  let arguments = (ins
    PLSTM_FloatTensor:$x,
    Variadic<PLSTM_FloatTensor>:$weights,
    StrArrayAttr:$names,
    OptionalAttr<I64Attr>:$sub_heads,
    OptionalAttr<I64Attr>:$gate_sub_heads,
    OptionalAttr<StrAttr>:$source_activation,
    OptionalAttr<StrAttr>:$mark_activation,
    OptionalAttr<StrAttr>:$direct_activation,
    OptionalAttr<StrAttr>:$eigenvalue_activation,
    OptionalAttr<F64Attr>:$eigenvalue_factor,
    OptionalAttr<F64Attr>:$orthogonal_factor,
    OptionalAttr<F64Attr>:$qk_scale,
    OptionalAttr<PLSTM_ScheduleAttr>:$schedule
  );
  let results = (outs PLSTM_FloatTensor:$y);

  let assemblyFormat = [{
    $x `weights` `(` $weights `)` `names` $names
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// The weight named `name`, or null.
    ::mlir::Value getWeight(::llvm::StringRef name);
    /// JT (from b_eigen; 0 when the op is not verified yet).
    int64_t getTransitionSize();
    /// The factors in effect (defaults 5 and 1).
    double getEigenvalueFactorOrDefault() {
      return getEigenvalueFactor() ? getEigenvalueFactor()->convertToDouble()
                                   : 5.0;
    }
    double getOrthogonalFactorOrDefault() {
      return getOrthogonalFactor() ? getOrthogonalFactor()->convertToDouble()
                                   : 1.0;
    }
  }];
}


//===----------------------------------------------------------------------===//
// layer_dag
//===----------------------------------------------------------------------===//

def PLSTM_LayerDagOp : PLSTM_Op<"layer_dag", [Pure, AttrSizedOperandSegments]> {
  let summary = "graph pLSTM layer, P-mode or D-mode (SPEC §5.5)";
  let description = [{
    A whole pLSTM layer on a DAG of N nodes with D-dim features (SPEC §5.5,
    the edge-indexed `pLSTMGraphEdgeLayer` without edge features): Q/K/V
    projections, gates computed from the features of the nodes they touch,
    one `plstm.scan_dag` (heads folded into the batch), a per-head RMS norm
    and the output projection. The graph operands are those of
    `plstm.scan_dag` (SPEC A6): the full line graph for P-mode, the
    multitree-pruned one for D-mode (`plstm::fullLineGraph`,
    `plstm::pruneToMultitree` build them). The table lists the form without
    J axes (every J dim 1). In the form with J axes, chosen by a rank-4
    w_q, the weights carry the copy dims after their own (JT = 1, so the
    transition weights have none): w_q, b_q end in JQ, w_k, b_k in JK, w_v,
    b_v in JV, the source weights in JK, JV, the mark weights in JO, JQ,
    the direct weights in JO, JQ, JK, JV, norm_scale in JO, and w_out is
    [H, DV, JO, D]; the RMS norm then runs over DV·JO.

    | weight | shape | use (x_n: node n's features) |
    |---|---|---|
    | w_q, w_k, b_q, b_k | [DIN, H, DK], [H, DK] | q = x·w_q + b_q, k likewise |
    | w_v, b_v | [DIN, H, DV], [H, DV] | v = x·w_v + b_v |
    | b_source, w_source (optional) | [H], [DGH, H] | S_e = σ(b + x_tail(e)·w) |
    | b_mark, w_mark (optional) | [H], [DGH, H] | M_e = σ(b + x_head(e)·w) |
    | b_direct, w_direct (optional) | [H], [DGH, H] | D_n = σ(b + x_n·w) |
    | b_transition, w_transition (optional) | [H], [DGH, H] | t_l = b + x_u·w, u the node line edge l passes |
    | norm_scale | [H, DV] | per-head RMS norm over DV (eps 1e-5), times the scale |
    | w_out | [H, DV, D] | out = Σ norm(y)·w_out (no bias) |
    | passthrough (optional) | [D] | out += passthrough ⊙ x |
    | w_source_edge (with edge features) | [F, H] | S_e = σ(b + x_tail(e)·w + f_e·w_source_edge) |
    | w_mark_edge (with edge features) | [F, H] | M_e = σ(b + x_head(e)·w + f_e·w_mark_edge) |
    | w_transition_in, w_transition_out (with edge features) | [F, H] | t_l += f_in(l)·w_transition_in + f_out(l)·w_transition_out |

    Edge features (SPEC §5.5, `pLSTMGraphEdgeLayer`): the optional operand
    `edge_features` f [B, E, F] enters the source and mark gates of each
    edge and the transition of each line edge (its incoming edge e_in and
    outgoing edge e_out), through the dense (not block-diagonal) weights
    above, any subset of them; in the form with J axes w_source_edge and
    w_mark_edge carry the J dims of their gates.

    P-mode: T_l = t_l / (0.5 + Σ_{l' into the same edge} |t_l'|), so the
    incoming transitions of every edge sum to less than 1 in absolute value
    (SPEC §5.5, §6). D-mode: T_l = tanh(t_l). `qk_scale` (default DK^-1/2;
    the reference graph kernels use 1) and `schedule` go to the scan.

    Gate layers (SPEC §5.1): `sub_heads` = sh (default 1, dense) makes
    the Q/K/V projections block-diagonal: the input features are split into
    sh chunks of DIN = D/sh and head h reads only chunk h / (H/sh), so
    w_q, w_k, w_v have DIN rows. `gate_sub_heads` = g (default 1) does the
    same for the gate projections: a gate layer of C channels reads
    m = min(g, C) chunks of D/m features, channel c the chunk c / (C/m);
    its w_ weight has D/m rows (DGH for the layers of H channels; in the 2D
    layer DGO for the orientation gates, whose O·H channels are numbered
    c = h·O + o, the fused kernel's head-major order, SPEC §5.4).
    `source_activation`, `mark_activation` and
    `direct_activation` pick each gate layer's activation: "sigmoid"
    (default; the reference's `logsigmoid` with scale 1), "tanh" or
    "identity".

    | operand / result | shape |
    |---|---|
    | x | [B, N, D] |
    | edges, line_edges | [E, 2], [L, 2] (i32 or i64) |
    | edge_features (optional) | [B, E, F] |
    | result y | [B, N, D] |

    Rules checked by the verifier:
    - (C-layerdag-1) every float operand and the result is a ranked tensor
      of one element type, f32 or f64.
    - (C-layerdag-2) `names` has one entry per weight, no name twice, and
      names exactly the weights of the layer.
    - (C-layerdag-3) every operand and the result has the rank in the
      tables.
    - (C-layerdag-4) D, H, DK and DV are static.
    - (C-layerdag-5) the batch dim B and the node count N agree.
    - (C-layerdag-6) the feature dim D agrees.
    - (C-layerdag-7) H, DK and DV agree.
    - (C-layerdag-8) the graph operands are [n, 2] tensors of i32 or i64.
    - (C-layerdag-9) `mode` is "P" or "D"; `qk_scale`, when given, is
      finite.
    - (C-layerdag-10) `sub_heads` is positive and divides D and H; the Q/K/V
      projections have DIN = D / sub_heads rows; `gate_sub_heads` is
      positive, its chunk count m = min(gate_sub_heads, H) divides D and H,
      and the gate projections have DGH = D / m rows.
    - (C-layerdag-11) each activation attribute is "sigmoid", "tanh" or
      "identity".
    - (C-layerdag-12) in the form with J axes, the J dims (JQ, JK, JV, JO)
      agree and are static.
    - (C-layerdag-13) the edge-feature weights are given exactly when
      `edge_features` is (at least one of them); F is static and E agrees
      with `edges`.
  }];

  let arguments = (ins
    PLSTM_FloatTensor:$x,
    PLSTM_IndexTensor:$edges,
    PLSTM_IndexTensor:$line_edges,
    Optional<PLSTM_FloatTensor>:$edge_features,
    Variadic<PLSTM_FloatTensor>:$weights,
    StrArrayAttr:$names,
    StrAttr:$mode,
    OptionalAttr<I64Attr>:$sub_heads,
    OptionalAttr<I64Attr>:$gate_sub_heads,
    OptionalAttr<StrAttr>:$source_activation,
    OptionalAttr<StrAttr>:$mark_activation,
    OptionalAttr<StrAttr>:$direct_activation,
    OptionalAttr<F64Attr>:$qk_scale,
    OptionalAttr<PLSTM_ScheduleAttr>:$schedule
  );
  let results = (outs PLSTM_FloatTensor:$y);

  let assemblyFormat = [{
    $x `graph` `(` $edges `,` $line_edges `)`
    (`edge_features` `(` $edge_features^ `)`)? `weights` `(` $weights `)`
    `names` $names `mode` $mode attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// The weight named `name`, or null.
    ::mlir::Value getWeight(::llvm::StringRef name);
    bool isPMode() { return getMode() == "P"; }
  }];
}

#endif // PLSTM_OPS_TD
