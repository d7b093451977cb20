//===- CostModel.cpp - the schedule cost model of plstm-select-schedule ---===//
//
// See CostModel.h. Formulas (per batch entry; J dims written out):
//
//   1D sequential   F = 2·T·DK·DV·(JT² + JT·JK·JV + JO·JQ·JT + JO·JQ·JK·JV)
//                   depth T, time F / recurrence rate
//   1D chunkwise C  F_block = 2·T·C·(DK·JQ·JK + JO·JQ·JK·JV + DV·JO·JV)
//                   F_state = 2·T·DK·DV·JT·(JK·JV + JO·JQ) + 2·(T/C)·DK·DV·JT²
//                   construction steps ≈ T·(C/2 + 2) small steps
//                   depth T/C + C, time F_block / block rate
//                   + F_state / recurrence rate + steps · step time; with
//                   every J = 1 and DK, DV >= 8 (register-blocked chunks)
//                   the vector rates and step time of TargetInfo plus
//                   (T/C)·DK·DV · chunk-state time
//   1D log-depth C  as chunkwise, construction twice, plus the scan:
//                   (T/C)·log2(T/C) combines of 2·DK·DV·JT² + 2·JT³;
//                   depth log2(T/C) + C
//   2D sequential   F = 2·MX·MY·DK·DV·(O·(4JT² + 2JT·JK·JV + 2JO·JQ·JT)
//                   + JO·JQ·JK·JV), time F / recurrence rate (1D and 2D:
//                   the vector recurrence rate when JT = JK = JV = 1)
//   2D tiled P      (SPEC §9.2; Np = padded nodes, w = DK·JQ·JK + JO·JQ·JK·JV
//                   + DV·JO·JV) intra 2·Np·P²·w per orientation, or once,
//                   2·N²·w, with one tile (G summed over orientations);
//                   inter ≈ 2·Np·P·DK·DV·J·(read-outs + borders) per
//                   orientation (one tile: only initial-state read-outs and
//                   used last states); construction ≈ 16·(P/2)⁵·J⁵ per tile
//                   plus ≈ 60 small steps per quad-tree level; intra at the
//                   block rate, the rest at the recurrence rate, all
//                   divided by the measured tiled-2D speed-up when every
//                   J = 1 and DK, DV >= 8. P = the padded grid side is
//                   log-depth, smaller P chunkwise.
//   DAG sequential  F = 2·DK·DV·(L·JT² + E·(JT·JK·JV + JO·JQ·JT) +
//                   N·JO·JQ·JK·JV)
//   DAG blocks C    (levels from the LEVELS hint, default 32) F plus, per
//                   block of n = C·E/levels edges, ⌈log2 C⌉ squarings of
//                   4·n³·JT³ and 2·n²·DK·DV·JT² for C = R·X; C = levels is
//                   log-depth, C = 1 the wavefront (F plus the level sort).
//
// The batch (B) multiplies every term and is the parallel width; the time is
// divided by min(B, cores): the runtime splits the batch over threads
// (TargetInfo::batchParallel).
//
//===----------------------------------------------------------------------===//

#include "passes/CostModel.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::plstm;

SizeHints plstm::defaultSizeHints() {
  return {{"B", 8}, {"T", 4096}, {"N", 1024}, {"E", 2048}, {"L", 4096}};
}

bool plstm::parseSizeHints(StringRef text, SizeHints &hints) {
  SmallVector<StringRef> parts;
  text.split(parts, ',', -1, false);
  for (StringRef part : parts) {
    auto [name, value] = part.split('=');
    int64_t size;
    if (name.trim().empty() || value.trim().getAsInteger(10, size) || size < 0)
      return false;
    hints[name.trim().str()] = size;
  }
  return true;
}

namespace {
double parallelism(double batch, const TargetInfo &target) {
  if (!target.batchParallel)
    return 1.0;
  return std::max(1.0, std::min<double>(batch, target.cores));
}
double dimOr(Value v, int64_t d, const SizeHints &hints, const char *name) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.isDynamicDim(d))
    return static_cast<double>(type.getDimSize(d));
  auto it = hints.find(name);
  return it != hints.end() ? static_cast<double>(it->second) : 1.0;
}
double dim(Value v, int64_t d) {
  return static_cast<double>(cast<RankedTensorType>(v.getType()).getDimSize(d));
}

/// The static feature and J dims of a scan op (SPEC §9's DK, DV, JQ, JK, JV,
/// JT, JO), read from the operand each lives on.
struct FeatureDims {
  double dk, dv, jq, jk, jv, jt, jo;
};
FeatureDims featureDims(Operation *op) {
  if (auto scan = dyn_cast<Scan2DOp>(op))
    return {dim(scan.getQ(), 3),    dim(scan.getV(), 3), dim(scan.getQ(), 4),
            dim(scan.getK(), 4),    dim(scan.getV(), 4), dim(scan.getTRl(), 4),
            dim(scan.getMarkL(), 4)};
  // scan1d and scan_dag: features [B, T|N, D, J], gates [B, T|E|L, J...].
  auto fromGates = [](auto scan) -> FeatureDims {
    return {dim(scan.getQ(), 2),   dim(scan.getV(), 2),
            dim(scan.getQ(), 3),   dim(scan.getK(), 3),
            dim(scan.getV(), 3),   dim(scan.getTransition(), 2),
            dim(scan.getMark(), 2)};
  };
  if (auto scan = dyn_cast<Scan1DOp>(op))
    return fromGates(scan);
  return fromGates(cast<ScanDagOp>(op));
}
} // namespace

double plstm::sequentialFlops(Operation *op, const SizeHints &hints) {
  if (auto scan = dyn_cast<Scan1DOp>(op)) {
    double b = dimOr(scan.getQ(), 0, hints, "B"),
           t = dimOr(scan.getQ(), 1, hints, "T");
    auto [dk, dv, jq, jk, jv, jt, jo] = featureDims(op);
    return 2 * b * t * dk * dv *
           (jt * jt + jt * jk * jv + jo * jq * jt + jo * jq * jk * jv);
  }
  if (auto scan = dyn_cast<Scan2DOp>(op)) {
    double b = dimOr(scan.getQ(), 0, hints, "B");
    double n = dim(scan.getQ(), 1) * dim(scan.getQ(), 2);
    auto [dk, dv, jq, jk, jv, jt, jo] = featureDims(op);
    double o = scan.getOrientationList().size();
    return 2 * b * n * dk * dv *
           (o * (4 * jt * jt + 2 * jt * jk * jv + 2 * jo * jq * jt) +
            jo * jq * jk * jv);
  }
  if (auto scan = dyn_cast<ScanDagOp>(op)) {
    double b = dimOr(scan.getQ(), 0, hints, "B"),
           n = dimOr(scan.getQ(), 1, hints, "N"),
           e = dimOr(scan.getEdges(), 0, hints, "E"),
           l = dimOr(scan.getLineEdges(), 0, hints, "L");
    auto [dk, dv, jq, jk, jv, jt, jo] = featureDims(op);
    return 2 * b * dk * dv *
           (l * jt * jt + e * (jt * jk * jv + jo * jq * jt) +
            n * jo * jq * jk * jv);
  }
  return 0;
}

/// FLOP/s per core of a sequential 1D or 2D schedule (`states`: the states
/// a node updates): one elementwise pass per node with JT = JK = JV = 1,
/// with the read-out fused in as well when every J is 1 and the states fit
/// in L1 (plstm-lower-sequential); `rec` otherwise.
static double sequentialRate(const TargetInfo &target, int states, double dk,
                             double dv, double jq, double jk, double jv,
                             double jt, double jo, double rec) {
  if (jt * jk * jv != 1)
    return rec;
  if (jq * jo == 1 && states * dk * dv * 4 <= target.l1StateBytes)
    return target.fusedRecurrenceGflops * 1e9;
  return target.vectorRecurrenceGflops * 1e9;
}

std::vector<ScheduleEstimate> plstm::estimateSchedules(Operation *op,
                                                       const TargetInfo &target,
                                                       const SizeHints &hints) {
  MLIRContext *ctx = op->getContext();
  std::vector<ScheduleEstimate> out;
  auto sequentialAttr = ScheduleAttr::get(ctx, ScheduleKind::Sequential, 0);
  double rec = target.recurrenceGflops * 1e9, block = target.blockGflops * 1e9;

  if (auto scan = dyn_cast<Scan1DOp>(op)) {
    double b = dimOr(scan.getQ(), 0, hints, "B"),
           t = dimOr(scan.getQ(), 1, hints, "T");
    auto [dk, dv, jq, jk, jv, jt, jo] = featureDims(op);
    double par = parallelism(b, target);
    double inputBytes = 4 * b * t *
                        (dk * (jq + jk) + dv * jv + jt * (jt + jk * jv) +
                         jo * jq * jt + jo * jq * jk * jv);
    ScheduleEstimate seq;
    seq.schedule = sequentialAttr;
    seq.flops = sequentialFlops(op, hints);
    seq.bytes = inputBytes;
    seq.depth = t;
    seq.width = b;
    if (jt * jk * jv == 1) {
      seq.seconds = seq.flops /
                    sequentialRate(target, 1, dk, dv, jq, jk, jv, jt, jo, rec) /
                    par;
      seq.note = "one state update per step";
    } else {
      // The state as JT planes, the terms factored (plstm-lower-sequential):
      // per step 2·DK·DV·JT·(JT + JK + JQ) FLOPs in one pass.
      double planeFlops = 2 * b * t * dk * dv * jt * (jt + jk + jq);
      seq.seconds = planeFlops / (target.planeRecurrenceGflops * 1e9) / par;
      seq.note = "one pass over the JT state planes per step";
    }
    out.push_back(seq);
    for (bool logdepth : {false, true})
      for (int64_t c : {16, 32, 64, 128, 256}) {
        if (c > std::max(16.0, 2 * t))
          continue;
        double nt = std::ceil(t / c);
        double blockFlops =
            2 * b * t * c * (dk * jq * jk + jo * jq * jk * jv + dv * jo * jv);
        double stateFlops = 2 * b * t * dk * dv * jt * (jk * jv + jo * jq) +
                            2 * b * nt * dk * dv * jt * jt;
        double steps = b * t * (c / 2 + 2) * (logdepth ? 2 : 1);
        // Register-blocked chunks (every J = 1, DK, DV >= 8) run at their
        // own fitted rates, plus a cost per chunk-state element.
        bool blocked = jq * jk * jv * jt * jo == 1 && dk >= 8 && dv >= 8;
        double blockRate = blocked ? target.vectorBlockGflops * 1e9 : block;
        double stateRate = blocked ? target.vectorStateGflops * 1e9 : rec;
        double stepUs =
            blocked ? target.vectorStepUs : target.constructionStepUs;
        double chunkSeconds =
            blocked ? b * nt * dk * dv * target.chunkStateNs * 1e-9 : 0;
        ScheduleEstimate e;
        e.schedule = ScheduleAttr::get(
            ctx, logdepth ? ScheduleKind::Logdepth : ScheduleKind::Chunkwise,
            c);
        e.flops = blockFlops + stateFlops;
        double seconds = blockFlops / blockRate + stateFlops / stateRate +
                         steps * stepUs * 1e-6 + chunkSeconds;
        if (logdepth) {
          double stages = std::ceil(std::log2(std::max(nt, 1.0)));
          double scanFlops =
              b * nt * stages * (2 * dk * dv * jt * jt + 2 * jt * jt * jt);
          e.flops += scanFlops;
          seconds += scanFlops / rec;
          e.depth = stages + c;
          e.note = "associative scan over " + std::to_string(int64_t(nt)) +
                   " chunk pairs";
        } else {
          e.depth = nt + c;
          e.note = std::to_string(int64_t(nt)) + " chunks in sequence";
        }
        e.bytes = inputBytes + 4 * b * nt * c * c * jo * jq * jk * jv;
        e.width = b;
        e.seconds = seconds / par;
        out.push_back(e);
      }
  } else if (auto scan = dyn_cast<Scan2DOp>(op)) {
    double b = dimOr(scan.getQ(), 0, hints, "B");
    int64_t mx = cast<RankedTensorType>(scan.getQ().getType()).getDimSize(1),
            my = cast<RankedTensorType>(scan.getQ().getType()).getDimSize(2);
    double n = double(mx) * double(my);
    double o = scan.getOrientationList().size();
    auto [dk, dv, jq, jk, jv, jt, jo] = featureDims(op);
    double par = parallelism(b, target);
    ScheduleEstimate seq;
    seq.schedule = sequentialAttr;
    seq.flops = sequentialFlops(op, hints);
    seq.bytes = 0;
    seq.depth = o * (mx + my - 1);
    seq.width = b;
    seq.seconds = seq.flops /
                  sequentialRate(target, 2, dk, dv, jq, jk, jv, jt, jo, rec) /
                  par;
    seq.note = "node by node, x-major";
    bool blocked = jq * jk * jv * jt * jo == 1 && dk >= 8 && dv >= 8;
    double tiledSpeedup = blocked ? target.vectorTiled2DSpeedup : 1;
    out.push_back(seq);
    int64_t side = std::max(mx, my), full = 1;
    while (full < side)
      full *= 2;
    double pairFlops = 2 * (dk * jq * jk + jo * jq * jk * jv + dv * jo * jv);
    double directFlops = n * pairFlops;
    for (int64_t p = 2; p <= std::min<int64_t>(full, kMaxTileSide2D); p *= 2) {
      bool logdepth = p == full;
      double px = std::ceil(double(mx) / p) * p,
             py = std::ceil(double(my) / p) * p;
      double np = px * py, tiles = np / (p * p);
      bool single = tiles == 1;
      // One tile over the grid: G summed over the orientations, one
      // product on the unpadded grid; read-outs only of initial states,
      // borders only when the last states are used (Chunk2D.h).
      double intra = single ? n * n * pairFlops : o * np * p * p * pairFlops;
      double reads =
          single ? (scan.getInitLeft() ? 1 : 0) + (scan.getInitTop() ? 1 : 0)
                 : 2;
      double borders = single ? (scan.getLastRight().use_empty() ? 0 : 1) +
                                    (scan.getLastDown().use_empty() ? 0 : 1)
                              : 2;
      double inter = o * (reads * 2 * np * p * dv * jq * jt * (dk + jo) +
                          borders * (2 * np * p * dk * dv * jt * jk * jv +
                                     4 * np * dk * dv * jt * jt));
      double levels = std::log2(double(p));
      double construct =
          o * tiles * 16 * std::pow(p / 2.0, 5) * jo * jq * jt * jk * jv;
      double steps = o * tiles * levels * 60;
      ScheduleEstimate e;
      e.schedule = ScheduleAttr::get(
          ctx, logdepth ? ScheduleKind::Logdepth : ScheduleKind::Chunkwise,
          logdepth ? 0 : p);
      e.flops = b * (intra + inter + construct + directFlops);
      e.bytes = 4 * b *
                (single ? n * n + o * std::pow(p, 4) : o * std::pow(p, 4)) *
                jo * jq * jk * jv;
      e.depth = levels + (px / p + py / p - 1);
      e.width = b * (single ? 1 : std::min(px, py) / p);
      e.seconds = (b * intra / block + b * (inter + construct) / rec +
                   b * steps * target.constructionStepUs * 1e-6) /
                  par / tiledSpeedup;
      e.note = single ? "one " + std::to_string(p) + "x" + std::to_string(p) +
                            " tile: quad tree, G summed over orientations"
                      : std::to_string(int64_t(tiles)) + " tiles in " +
                            std::to_string(int64_t(px / p + py / p - 1)) +
                            " wavefronts";
      out.push_back(e);
    }
    // Grids over one tile: log-depth is the state quad tree over 16×16
    // leaves of a square grid of 2^K tiles: the leaves' work twice (once for
    // their transitions and states, once for their outputs) on the padded
    // square, plus the sweeps (small next to it).
    if (full > kMaxTileSide2D) {
      for (const ScheduleEstimate &c : std::vector<ScheduleEstimate>(out))
        if (c.schedule.getKind() == ScheduleKind::Chunkwise &&
            c.schedule.getChunk() == 16) {
          double leaves = std::ceil(double(side) / 16), k = 1;
          while (k < leaves)
            k *= 2;
          double square = (k * 16) * (k * 16) /
                          (std::ceil(double(mx) / 16) * 16 *
                           std::ceil(double(my) / 16) * 16);
          ScheduleEstimate e = c;
          e.schedule = ScheduleAttr::get(ctx, ScheduleKind::Logdepth, 0);
          e.flops = c.flops * square * 1.5;
          e.seconds = c.seconds * square * 1.5;
          e.depth = 4 + 2 * std::log2(k);
          e.note = "state quad tree over " + std::to_string(int64_t(k * k)) +
                   " leaf tiles of 16x16";
          out.push_back(e);
        }
    }
  } else if (auto scan = dyn_cast<ScanDagOp>(op)) {
    double b = dimOr(scan.getQ(), 0, hints, "B"),
           e = dimOr(scan.getEdges(), 0, hints, "E");
    // Line-graph levels are known only at run time: the hint LEVELS (default
    // 32, molecules are shallow) sets the edges per level.
    double levels = std::max(
        1.0,
        std::min(e, double(hints.count("LEVELS") ? hints.at("LEVELS") : 32)));
    auto [dk, dv, jq, jk, jv, jt, jo] = featureDims(op);
    double par = parallelism(b, target);
    ScheduleEstimate seq;
    seq.schedule = sequentialAttr;
    seq.flops = sequentialFlops(op, hints);
    seq.depth = e;
    seq.width = b;
    seq.seconds = seq.flops / rec / par;
    seq.note = "edge by edge in a topological order";
    out.push_back(seq);
    // Blocks of C levels (C = levels: log-depth): n = C·E/levels edges per
    // block, dense path sums by ⌈log2 C⌉ squarings (2 products of
    // 2·n³·JT³ each) and C = R·X (2·n²·DK·DV·JT²); C = 1 is the wavefront
    // with the sequential work plus the level sort.
    for (int64_t c : {1, 4, 16, 0}) {
      double perBlock = c == 0 ? levels : std::min<double>(c, levels);
      if (c != 0 && c != 1 && perBlock >= levels)
        continue;
      double n = perBlock * e / levels, blocks = std::ceil(levels / perBlock);
      double stages = std::ceil(std::log2(perBlock));
      double dense = perBlock > 1
                         ? blocks * (stages * 4 * n * n * n * jt * jt * jt +
                                     2 * n * n * dk * dv * jt * jt)
                         : 0;
      ScheduleEstimate est;
      est.schedule = ScheduleAttr::get(
          ctx, c == 0 ? ScheduleKind::Logdepth : ScheduleKind::Chunkwise, c);
      est.flops = seq.flops + b * dense;
      est.bytes = 4 * b * blocks * n * n * jt * jt;
      est.depth = blocks * (1 + stages);
      est.width = b * n / perBlock;
      est.seconds = (seq.flops + b * dense) / rec / par +
                    e * target.constructionStepUs * 1e-6;
      est.note = c == 1 ? "level by level (wavefronts), edges of one level "
                          "independent"
                        : std::to_string(int64_t(blocks)) +
                              " blocks of levels, dense path sums by "
                              "repeated squaring";
      out.push_back(est);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ScheduleEstimate &a, const ScheduleEstimate &b) {
                     return a.seconds < b.seconds;
                   });
  return out;
}

std::string
plstm::explainSchedules(Operation *op,
                        const std::vector<ScheduleEstimate> &estimates) {
  std::string text;
  llvm::raw_string_ostream os(text);
  for (auto [i, e] : llvm::enumerate(estimates)) {
    os << (i == 0 ? "  chose " : "        ") << e.schedule << ": est. "
       << llvm::format("%.3f", e.seconds * 1e3) << " ms, "
       << llvm::format("%.3g", e.flops) << " FLOP, "
       << llvm::format("%.3g", e.bytes) << " B, depth "
       << llvm::format("%.0f", e.depth) << ", width "
       << llvm::format("%.0f", e.width) << " (" << e.note << ")\n";
  }
  (void)op;
  return text;
}
