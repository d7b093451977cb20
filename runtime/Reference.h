//===- Reference.h - the semantic oracle: pLSTM scans from the recurrence -===//
//
// The reference evaluator computes the outputs and final states of the three
// scan ops (sequence, 2D grid, DAG) straight from the per-edge recurrence of
// SPEC.md §1 / §2.2 / §3.2 / §3.6 / §4, accumulating in fp64. It reads strided
// fp32/fp64 views (index tensors: i32/i64), works for any sizes, any J dims,
// missing turn transitions, any orientation set and any DAG. Every later
// schedule and backend is tested against it.
//
// Layouts (B = batch with heads folded in; all fixed by SPEC.md §0):
//
//  scan1d   q [B,T,DK,JQ]  k [B,T,DK,JK]  v [B,T,DV,JV]
//           source [B,T,JT,JK,JV]  transition [B,T,JT,JT]
//           mark [B,T,JO,JQ,JT]    direct [B,T,JO,JQ,JK,JV]
//           initial (optional) [B,DK,DV,JT]
//        -> y [B,T,DV,JO], last [B,DK,DV,JT] (= C_{T-1}, includes the last
//           token's source)
//
//  scan2d   O = number of orientations; orientation o flips x when bit 0 is
//           set and y when bit 1 is set (SPEC A5). Gates are indexed by the
//           ORIGINAL node coordinates and carry an orientation axis:
//           q [B,MX,MY,DK,JQ]  k [B,MX,MY,DK,JK]  v [B,MX,MY,DV,JV]
//           source_r, source_d [B,O,MX,MY,JT,JK,JV]
//           t_rl, t_du, t_dl (optional), t_ru (optional) [B,O,MX,MY,JT,JT]
//           mark_l, mark_u [B,O,MX,MY,JO,JQ,JT]
//           direct [B,MX,MY,JO,JQ,JK,JV]   (added once, SPEC A5)
//           init_left (optional) [B,O,MY,DK,DV,JT]  state entering row y at the
//             x-boundary where orientation o's scan starts
//           init_top  (optional) [B,O,MX,DK,DV,JT]  state entering column x at
//             the y-boundary where orientation o's scan starts
//        -> y [B,MX,MY,DV,JO]
//           last_right [B,O,MY,DK,DV,JT] state leaving row y at the far
//             x-boundary of orientation o
//           last_down  [B,O,MX,DK,DV,JT] state leaving column x at the far
//             y-boundary of orientation o
//           Boundary tensors are indexed by original row/column (SPEC A4).
//
//  scan_dag q [B,N,DK,JQ]  k [B,N,DK,JK]  v [B,N,DV,JV]
//           edges [E,2] (tail, head), line_edges [L,2] (e_in, e_out) with
//           head(e_in) == tail(e_out); integer i32 or i64
//           source [B,E,JT,JK,JV] (at the tail)  mark [B,E,JO,JQ,JT] (at head)
//           transition [B,L,JT,JT]               direct [B,N,JO,JQ,JK,JV]
//        -> y [B,N,DV,JO]
//
// Output views may be fp32 or fp64; an absent optional input has
// `present() == false`; an absent optional output (data == nullptr) is skipped.
// `qkScale` NaN means the default DK^-1/2 (SPEC A7).
//
// This file depends on the C++ standard library only.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_RUNTIME_REFERENCE_H
#define PLSTM_RUNTIME_REFERENCE_H

#include "runtime/Tensor.h"

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace plstm {

/// NaN: "use the default QK scale DK^-1/2".
inline double defaultQkScale() {
  return std::numeric_limits<double>::quiet_NaN();
}

struct Scan1DArgs {
  TensorRef q, k, v, source, transition, mark, direct;
  TensorRef initial; // optional
  double qkScale = defaultQkScale();
  /// > 0: y_t ← y_t / √(mean(y_t²) + ε) over DV·JO (`output_norm_eps`).
  double outputNormEps = 0;
};
struct Scan1DResults {
  TensorRef y;
  TensorRef last; // optional
};
Status referenceScan1D(const Scan1DArgs &args, const Scan1DResults &results);

struct Scan2DArgs {
  TensorRef q, k, v;
  TensorRef sourceR, sourceD;
  TensorRef tRL, tDU;
  TensorRef tDL, tRU; // optional turn transitions (SPEC A3)
  TensorRef markL, markU;
  TensorRef direct;
  TensorRef initLeft, initTop; // optional
  std::vector<int> orientations = {0};
  double qkScale = defaultQkScale();
};
struct Scan2DResults {
  TensorRef y;
  TensorRef lastRight, lastDown; // optional
};
Status referenceScan2D(const Scan2DArgs &args, const Scan2DResults &results);

struct ScanDagArgs {
  TensorRef q, k, v;
  TensorRef edges, lineEdges;
  TensorRef source, transition, mark, direct;
  double qkScale = defaultQkScale();
};
struct ScanDagResults {
  TensorRef y;
};
Status referenceScanDag(const ScanDagArgs &args, const ScanDagResults &results);

/// The gate-layer settings of a layer (SPEC §5.1; the layer ops'
/// `sub_heads`, `gate_sub_heads` and `*_activation` attributes): block-
/// diagonal Q/K/V projections over `subHeads` chunks (head h reads chunk
/// h / (H/subHeads)) and gate projections over min(gateSubHeads, C) chunks
/// for a gate layer of C channels (2D orientation gates: C = O·H, channel
/// h·O + o),
/// the activations of the source, mark and direct gates ("sigmoid", "tanh",
/// "identity") and of the eigenvalues ("tanh", "logsigmoid", "expexp").
struct GateLayerOptions {
  int64_t subHeads = 1;     ///< Q/K/V input chunks
  int64_t gateSubHeads = 1; ///< gate layers: min(gateSubHeads, channels)
  std::string source = "sigmoid", mark = "sigmoid", direct = "sigmoid";
  std::string eigenvalue = "tanh";
};

/// The fused 2D layer of SPEC §5.3-§5.4 (`plstm.layer2d`; the weights
/// without J axes, every J dim 1, or with them, JT = 1):
/// x [B, MX, MY, D] -> y [B, MX, MY, D]. `weights` maps the layer's weight
/// names (w_q, b_q, ..., see the op's description in
/// docs/dialect/PLSTMDialect.md) to views; optional ones may be missing.
/// Computed straight from SPEC §5 in fp64 on top of referenceScan2D.
struct Layer2DArgs {
  TensorRef x;
  std::map<std::string, TensorRef> weights;
  bool pMode = true;
  bool signedPMode = false; ///< P-mode: keep τ signed (else clamped to [0, 1])
  char chirality = 'L';     ///< D-mode: 'L' (turn = T_ru) or 'R' (T_dl)
  std::vector<int> orientations = {0, 1, 2, 3};
  GateLayerOptions gates;
  double eigenvalueFactor = 5.0;
  double qkScale = defaultQkScale();
  /// Optional: receives the scan's output before the norm, [B·H, MX, MY,
  /// DV, 1] (heads in the batch): its scale shows what the norm hides, e.g.
  /// the signed P-mode's blow-up (SPEC §6).
  TensorRef scanOutput;
};
Status referenceLayer2D(const Layer2DArgs &args, const TensorRef &y);

/// The 1D layer of SPEC §5.2 (`plstm.layer1d`): x [B, T, D] -> y [B, T, D].
/// `weights` maps the op's weight names (w_conv, b_conv, w_q, ..., see its
/// description) to views; optional ones may be missing. fp64, on top of
/// referenceScan1D.
struct Layer1DArgs {
  TensorRef x;
  std::map<std::string, TensorRef> weights;
  GateLayerOptions gates;
  double eigenvalueFactor = 5.0;
  double orthogonalFactor = 1.0;
  double qkScale = defaultQkScale();
};
Status referenceLayer1D(const Layer1DArgs &args, const TensorRef &y);

/// The graph layer of SPEC §5.5 (`plstm.layer_dag`; weights with or without
/// J axes, JT = 1): x [B, N, D],
/// the graph as for referenceScanDag -> y [B, N, D]. P-mode normalises each
/// edge's incoming transitions by 0.5 + Σ|t|, D-mode takes tanh.
struct LayerDagArgs {
  TensorRef x, edges, lineEdges;
  /// Optional [B, E, F] edge features (w_source_edge, w_mark_edge,
  /// w_transition_in, w_transition_out; SPEC §5.5).
  TensorRef edgeFeatures;
  std::map<std::string, TensorRef> weights;
  bool pMode = true;
  GateLayerOptions gates;
  double qkScale = defaultQkScale();
};
Status referenceLayerDag(const LayerDagArgs &args, const TensorRef &y);

/// Validates a graph (SPEC A6): node indices in [0, numNodes), line-edge
/// indices in [0, E), head(e_in) == tail(e_out), no cycle. On success fills
/// `edgeOrder` with a topological order of the edges (line graph order).
Status validateGraph(int64_t numNodes, const TensorRef &edges,
                     const TensorRef &lineEdges,
                     std::vector<int64_t> *edgeOrder = nullptr);

} // namespace plstm

#endif // PLSTM_RUNTIME_REFERENCE_H
