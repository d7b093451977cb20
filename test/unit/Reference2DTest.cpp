//===- Reference2DTest.cpp - tests of the reference scan2d ----------------===//
//
// The grid scan of the reference evaluator: agreement with the DAG scan on
// the grid's DAG for every turn-transition configuration, the fused
// four-orientation form against explicitly flipped single-orientation runs
// (SPEC §3.6, P4), causality (P6), linearity (P7), the P-mode bound and mass
// conservation on a 64×64 grid (P8), boundary states across split grids for
// plain and flipped orientations (A4), fp32 and strided views, and shape
// errors.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

namespace plstm {
namespace {

using namespace plstm::test;

Sizes smallJSizes() {
  Sizes s;
  s.b = 2;
  s.dk = 2;
  s.dv = 2;
  s.jt = 2;
  s.jk = 2;
  s.jv = 1;
  s.jq = 2;
  s.jo = 2;
  return s;
}

/// A copy of `t` with a new shape of the same element count.
Tensor reshaped(const Tensor &t, Shape shape) {
  Tensor out(t.dtype(), std::move(shape));
  EXPECT_EQ(out.numElements(), t.numElements());
  std::copy(t.as<double>(), t.as<double>() + t.numElements(), out.as<double>());
  return out;
}

/// The grid of `p` (orientation {0}) as a DAG: node x*MY + y, edges r and d,
/// line edges rl, du (and dl, ru when present), in shuffled order.
ProblemDag gridAsDag(const Problem2D &p, Rng &rng) {
  const Sizes &s = p.sizes;
  const int64_t mx = p.mx, my = p.my;
  auto node = [&](int64_t x, int64_t y) { return x * my + y; };
  struct EdgeInfo {
    int64_t x, y;
    bool right;
  };
  std::vector<EdgeInfo> infos;
  for (int64_t x = 0; x < mx; ++x)
    for (int64_t y = 0; y < my; ++y) {
      if (x + 1 < mx)
        infos.push_back({x, y, true});
      if (y + 1 < my)
        infos.push_back({x, y, false});
    }
  std::shuffle(infos.begin(), infos.end(), rng);
  std::vector<int64_t> rightEdge(mx * my, -1), downEdge(mx * my, -1);
  std::vector<std::pair<int64_t, int64_t>> edgeList;
  for (const EdgeInfo &info : infos) {
    int64_t id = static_cast<int64_t>(edgeList.size());
    (info.right ? rightEdge : downEdge)[node(info.x, info.y)] = id;
    edgeList.push_back({node(info.x, info.y), info.right
                                                  ? node(info.x + 1, info.y)
                                                  : node(info.x, info.y + 1)});
  }
  struct LineInfo {
    int64_t x, y, in, out;
    const Tensor *gate;
  };
  std::vector<LineInfo> lines;
  for (int64_t x = 0; x < mx; ++x)
    for (int64_t y = 0; y < my; ++y) {
      int64_t l = x > 0 ? rightEdge[node(x - 1, y)] : -1;
      int64_t u = y > 0 ? downEdge[node(x, y - 1)] : -1;
      int64_t r = rightEdge[node(x, y)], d = downEdge[node(x, y)];
      if (l >= 0 && r >= 0)
        lines.push_back({x, y, l, r, &p.tRL});
      if (u >= 0 && d >= 0)
        lines.push_back({x, y, u, d, &p.tDU});
      if (p.hasDL && l >= 0 && d >= 0)
        lines.push_back({x, y, l, d, &p.tDL});
      if (p.hasRU && u >= 0 && r >= 0)
        lines.push_back({x, y, u, r, &p.tRU});
    }
  std::shuffle(lines.begin(), lines.end(), rng);
  std::vector<std::pair<int64_t, int64_t>> lineList;
  for (const LineInfo &line : lines)
    lineList.push_back({line.in, line.out});

  const int64_t n = mx * my;
  ProblemDag dag = randomDag(rng, s, n, edgeList, lineList);
  dag.q = reshaped(p.q, {s.b, n, s.dk, s.jq});
  dag.k = reshaped(p.k, {s.b, n, s.dk, s.jk});
  dag.v = reshaped(p.v, {s.b, n, s.dv, s.jv});
  dag.direct = reshaped(p.direct, {s.b, n, s.jo, s.jq, s.jk, s.jv});
  dag.qkScale = p.qkScale;
  for (int64_t b = 0; b < s.b; ++b) {
    for (size_t e = 0; e < infos.size(); ++e) {
      const EdgeInfo &info = infos[e];
      int64_t id = static_cast<int64_t>(e);
      copyBlock(info.right ? p.sourceR : p.sourceD,
                {b, 0, info.x, info.y, 0, 0, 0}, dag.source, {b, id, 0, 0, 0},
                s.jt * s.jk * s.jv);
      int64_t hx = info.right ? info.x + 1 : info.x;
      int64_t hy = info.right ? info.y : info.y + 1;
      copyBlock(info.right ? p.markL : p.markU, {b, 0, hx, hy, 0, 0, 0},
                dag.mark, {b, id, 0, 0, 0}, s.jo * s.jq * s.jt);
    }
    for (size_t l = 0; l < lines.size(); ++l)
      copyBlock(*lines[l].gate, {b, 0, lines[l].x, lines[l].y, 0, 0},
                dag.transition, {b, static_cast<int64_t>(l), 0, 0},
                s.jt * s.jt);
  }
  return dag;
}

TEST(Reference2D, MatchesDagOnGridForEveryTurnConfiguration) {
  Rng rng(21);
  const bool configs[4][2] = {
      {true, true}, {true, false}, {false, true}, {false, false}};
  for (const auto &config : configs) {
    SCOPED_TRACE(std::string("t_dl ") + (config[0] ? "on" : "off") + ", t_ru " +
                 (config[1] ? "on" : "off"));
    Problem2D grid = random2D(rng, smallJSizes(), 3, 5, {0}, config[0],
                              config[1], /*withInit=*/false);
    Tensor yGrid = run2D(grid);
    Tensor yDag = runDag(gridAsDag(grid, rng));
    EXPECT_GT(maxAbs(yGrid), 0.1);
    EXPECT_TRUE(allClose(reshaped(yDag, yGrid.shape()), yGrid, 1e-12));
  }
  // The turn transitions matter: dropping one changes the output.
  Problem2D grid = random2D(rng, smallJSizes(), 3, 5, {0}, true, true, false);
  Problem2D noTurn = grid;
  noTurn.hasDL = false;
  EXPECT_FALSE(allClose(run2D(noTurn), run2D(grid), 1e-6));
}

/// Orientation slot `oi` of `p` as a plain {0} problem on explicitly flipped
/// inputs, with the direct term scaled by `directScale`.
Problem2D flippedSingle(const Problem2D &p, int64_t oi, double directScale) {
  const int o = p.orientations[oi];
  const bool flipX = o & 1, flipY = o & 2;
  auto fx = [&](int64_t x) { return flipX ? p.mx - 1 - x : x; };
  auto fy = [&](int64_t y) { return flipY ? p.my - 1 - y : y; };
  auto node = [&](const Tensor &t) {
    return remap(t, t.shape(), [&](const Shape &i) {
      Shape j = i;
      j[1] = fx(i[1]);
      j[2] = fy(i[2]);
      return j;
    });
  };
  auto gate = [&](const Tensor &t) {
    Shape shape = t.shape();
    shape[1] = 1;
    return remap(t, shape, [&](const Shape &i) {
      Shape j = i;
      j[1] = oi;
      j[2] = fx(i[2]);
      j[3] = fy(i[3]);
      return j;
    });
  };
  auto border = [&](const Tensor &t, bool alongX) {
    Shape shape = t.shape();
    shape[1] = 1;
    return remap(t, shape, [&](const Shape &i) {
      Shape j = i;
      j[1] = oi;
      j[2] = alongX ? fx(i[2]) : fy(i[2]);
      return j;
    });
  };
  Problem2D f = p;
  f.orientations = {0};
  f.q = node(p.q);
  f.k = node(p.k);
  f.v = node(p.v);
  Tensor direct = node(p.direct);
  f.direct = axpby(directScale, direct, 0.0, direct);
  for (Tensor Problem2D::*g :
       {&Problem2D::sourceR, &Problem2D::sourceD, &Problem2D::tRL,
        &Problem2D::tDU, &Problem2D::tDL, &Problem2D::tRU, &Problem2D::markL,
        &Problem2D::markU})
    f.*g = gate(p.*g);
  f.initLeft = border(p.initLeft, false);
  f.initTop = border(p.initTop, true);
  return f;
}

// SPEC §3.6 / P4: the fused output equals the sum over orientations of the
// un-flipped single-orientation outputs with D/O; the boundary states of each
// orientation are those of its flipped run, indexed by original row/column.
TEST(Reference2D, FusedEqualsSumOfFlippedSingleOrientations) {
  Rng rng(22);
  const std::vector<std::vector<int>> sets = {{0, 1, 2, 3}, {1, 2}, {3}};
  for (const std::vector<int> &set : sets) {
    SCOPED_TRACE("orientation set of size " + std::to_string(set.size()) +
                 " starting with " + std::to_string(set[0]));
    Problem2D fused = random2D(rng, smallJSizes(), 3, 4, set, true, true,
                               /*withInit=*/true);
    Tensor lastRight, lastDown;
    Tensor y = run2D(fused, &lastRight, &lastDown);

    Tensor ySum = zeros(fused.yShape());
    for (int64_t oi = 0; oi < fused.numOrient(); ++oi) {
      const int o = set[oi];
      Problem2D single =
          flippedSingle(fused, oi, 1.0 / double(fused.numOrient()));
      Tensor right, down;
      Tensor ySingle = run2D(single, &right, &down);
      auto fx = [&](int64_t x) { return (o & 1) ? fused.mx - 1 - x : x; };
      auto fy = [&](int64_t y) { return (o & 2) ? fused.my - 1 - y : y; };
      forEachIndex(ySum.shape(), [&](const Shape &i) {
        at(ySum, i) += at(ySingle, {i[0], fx(i[1]), fy(i[2]), i[3], i[4]});
      });
      Tensor rightExpected = remap(right, right.shape(), [&](const Shape &i) {
        return Shape{i[0], 0, fy(i[2]), i[3], i[4], i[5]};
      });
      Tensor downExpected = remap(down, down.shape(), [&](const Shape &i) {
        return Shape{i[0], 0, fx(i[2]), i[3], i[4], i[5]};
      });
      Tensor rightFused =
          materialize(sliceView(lastRight.ref(), 1, oi, oi + 1));
      Tensor downFused = materialize(sliceView(lastDown.ref(), 1, oi, oi + 1));
      EXPECT_TRUE(allClose(rightFused, rightExpected, 1e-12))
          << "last_right of orientation " << o;
      EXPECT_TRUE(allClose(downFused, downExpected, 1e-12))
          << "last_down of orientation " << o;
    }
    EXPECT_GT(maxAbs(y), 0.1);
    EXPECT_TRUE(allClose(y, ySum, 1e-12));
  }
}

// The diagonal of G is D, added once whatever the orientation set.
TEST(Reference2D, DirectIsAddedOnce) {
  Rng rng(23);
  Problem2D fused =
      random2D(rng, smallJSizes(), 3, 3, {0, 1, 2, 3}, true, true, false);
  fused.sourceR.fill(0.0);
  fused.sourceD.fill(0.0);
  Problem2D single = fused;
  single.orientations = {2};
  for (Tensor Problem2D::*g :
       {&Problem2D::sourceR, &Problem2D::sourceD, &Problem2D::tRL,
        &Problem2D::tDU, &Problem2D::tDL, &Problem2D::tRU, &Problem2D::markL,
        &Problem2D::markU})
    single.*g = materialize(sliceView((fused.*g).ref(), 1, 0, 1));
  // Expected: s · q⋅D⋅kv per node, computed here from SPEC §0.
  const Sizes &s = fused.sizes;
  Tensor expected = zeros(fused.yShape());
  double scale = 1.0 / std::sqrt(double(s.dk));
  forEachIndex(expected.shape(), [&](const Shape &i) {
    double sum = 0.0;
    for (int64_t d = 0; d < s.dk; ++d)
      for (int64_t j = 0; j < s.jq; ++j)
        for (int64_t kk = 0; kk < s.jk; ++kk)
          for (int64_t l = 0; l < s.jv; ++l)
            sum += at(fused.q, {i[0], i[1], i[2], d, j}) *
                   at(fused.direct, {i[0], i[1], i[2], i[4], j, kk, l}) *
                   at(fused.k, {i[0], i[1], i[2], d, kk}) *
                   at(fused.v, {i[0], i[1], i[2], i[3], l});
    at(expected, i) = scale * sum;
  });
  EXPECT_GT(maxAbs(expected), 0.1);
  EXPECT_TRUE(allClose(run2D(fused), expected, 1e-13));
  EXPECT_TRUE(allClose(run2D(single), expected, 1e-13));
}

/// Adds random noise to every element of `t` whose index starts with
/// `prefix`.
void perturb(Tensor &t, const Shape &prefix, Rng &rng) {
  std::uniform_real_distribution<double> dist(0.5, 1.0);
  forEachIndex(t.shape(), [&](const Shape &i) {
    if (std::equal(prefix.begin(), prefix.end(), i.begin()))
      at(t, i) += dist(rng);
  });
}

/// Whether y at node (x, y) of batch 0 differs between two outputs.
bool nodeChanged(const Tensor &a, const Tensor &b, int64_t x, int64_t y) {
  bool changed = false;
  forEachIndex({a.shape()[3], a.shape()[4]}, [&](const Shape &i) {
    if (at(a, {0, x, y, i[0], i[1]}) != at(b, {0, x, y, i[0], i[1]}))
      changed = true;
  });
  return changed;
}

// P6: in orientation {0}, changing anything at node n' changes y_n exactly
// when n' <= n componentwise.
TEST(Reference2D, CausalitySingleOrientation) {
  Rng rng(24);
  Sizes s = smallJSizes();
  s.b = 1;
  Problem2D base = random2D(rng, s, 4, 5, {0}, true, true, true);
  const int64_t x0 = 1, y0 = 2;
  Problem2D changed = base;
  for (Tensor Problem2D::*t :
       {&Problem2D::q, &Problem2D::k, &Problem2D::v, &Problem2D::direct})
    perturb(changed.*t, {0, x0, y0}, rng);
  for (Tensor Problem2D::*g :
       {&Problem2D::sourceR, &Problem2D::sourceD, &Problem2D::tRL,
        &Problem2D::tDU, &Problem2D::tDL, &Problem2D::tRU, &Problem2D::markL,
        &Problem2D::markU})
    perturb(changed.*g, {0, 0, x0, y0}, rng);
  Tensor yBase = run2D(base), yChanged = run2D(changed);
  for (int64_t x = 0; x < base.mx; ++x)
    for (int64_t y = 0; y < base.my; ++y)
      EXPECT_EQ(nodeChanged(yBase, yChanged, x, y), x >= x0 && y >= y0)
          << "node (" << x << ", " << y << ")";
}

// P6 for the fused form: every node depends on every other node.
TEST(Reference2D, CausalityFusedEveryNodeDependsOnEveryOther) {
  Rng rng(25);
  Sizes s = smallJSizes();
  s.b = 1;
  Problem2D base = random2D(rng, s, 4, 5, {0, 1, 2, 3}, true, true, false);
  Tensor yBase = run2D(base);
  for (const auto &source :
       {std::pair<int64_t, int64_t>{1, 2}, {0, 0}, {3, 4}}) {
    Problem2D changed = base;
    perturb(changed.k, {0, source.first, source.second}, rng);
    perturb(changed.v, {0, source.first, source.second}, rng);
    Tensor yChanged = run2D(changed);
    for (int64_t x = 0; x < base.mx; ++x)
      for (int64_t y = 0; y < base.my; ++y)
        EXPECT_TRUE(nodeChanged(yBase, yChanged, x, y))
            << "node (" << x << ", " << y << ") from (" << source.first << ", "
            << source.second << ")";
  }
}

// P7 on the fused form: linear in v, in S (both), in M (both), in D.
TEST(Reference2D, LinearInEachFactor) {
  Rng rng(26);
  Problem2D base =
      random2D(rng, smallJSizes(), 3, 4, {0, 1, 2, 3}, true, true, true);
  const std::vector<std::vector<Tensor Problem2D::*>> factors = {
      {&Problem2D::v},
      {&Problem2D::sourceR, &Problem2D::sourceD},
      {&Problem2D::markL, &Problem2D::markU},
      {&Problem2D::direct}};
  auto run = [](const Problem2D &p) { return run2D(p); };
  for (const auto &factor : factors)
    EXPECT_TRUE(linearIn(rng, base, factor, run));
}

/// The arguments of orientation slot `oi` of `p` alone (views, no copies).
Scan2DArgs orientationArgs(const Problem2D &p, int64_t oi) {
  Scan2DArgs args = p.args();
  for (TensorRef *ref :
       {&args.sourceR, &args.sourceD, &args.tRL, &args.tDU, &args.tDL,
        &args.tRU, &args.markL, &args.markU, &args.initLeft, &args.initTop})
    if (ref->present())
      *ref = sliceView(*ref, 1, oi, oi + 1);
  args.orientations = {p.orientations[oi]};
  return args;
}

// P8: P-mode gates in [0, 1] on a 64×64 grid. Each value channel c carries a
// unit impulse at node n'_c, so y_n[c] = G(n, n'_c). Single orientations stay
// in [0, max M] and conserve mass (the states leaving the grid sum to k·v =
// 1); the fused sum stays in [0, 2·max M].
TEST(Reference2D, PModeBoundAndMassConservationOn64x64) {
  Rng rng(27);
  const int64_t n = 64;
  const std::vector<std::pair<int64_t, int64_t>> impulses = {
      {0, 0}, {63, 63}, {0, 63}, {63, 0}, {31, 17}, {5, 50}};
  const int64_t channels = static_cast<int64_t>(impulses.size());
  Problem2D p;
  p.sizes.dv = channels;
  p.mx = p.my = n;
  p.orientations = {0, 1, 2, 3};
  p.q = zeros({1, n, n, 1, 1});
  p.q.fill(1.0);
  p.k = p.q;
  p.v = zeros({1, n, n, channels, 1});
  for (int64_t c = 0; c < channels; ++c)
    at(p.v, {0, impulses[c].first, impulses[c].second, c, 0}) = 1.0;
  p.direct = zeros({1, n, n, 1, 1, 1, 1});
  Shape gateShape = {1, 4, n, n, 1, 1};
  p.tRL = zeros(gateShape);
  p.tDU = zeros(gateShape);
  p.tDL = zeros(gateShape);
  p.tRU = zeros(gateShape);
  p.sourceR = zeros({1, 4, n, n, 1, 1, 1});
  p.sourceD = zeros({1, 4, n, n, 1, 1, 1});
  p.markL = zeros({1, 4, n, n, 1, 1, 1});
  p.markU = zeros({1, 4, n, n, 1, 1, 1});
  p.qkScale = 1.0;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double maxMark = 0.0;
  for (int64_t o = 0; o < 4; ++o)
    for (int64_t x = 0; x < n; ++x)
      for (int64_t y = 0; y < n; ++y) {
        double alpha = unit(rng), tau = unit(rng), src = unit(rng);
        double mark = unit(rng);
        maxMark = std::max(maxMark, mark);
        at(p.sourceR, {0, o, x, y, 0, 0, 0}) = alpha * src;
        at(p.sourceD, {0, o, x, y, 0, 0, 0}) = 1.0 - alpha * src;
        at(p.tRL, {0, o, x, y, 0, 0}) = alpha * tau;
        at(p.tRU, {0, o, x, y, 0, 0}) = alpha * tau;
        at(p.tDL, {0, o, x, y, 0, 0}) = 1.0 - alpha * tau;
        at(p.tDU, {0, o, x, y, 0, 0}) = 1.0 - alpha * tau;
        at(p.markL, {0, o, x, y, 0, 0, 0}) = mark;
        at(p.markU, {0, o, x, y, 0, 0, 0}) = mark;
      }

  const double tol = 1e-12;
  for (int64_t oi = 0; oi < 4; ++oi) {
    SCOPED_TRACE("orientation " + std::to_string(oi));
    Tensor y = zeros(p.yShape());
    Tensor right = zeros({1, 1, n, 1, channels, 1});
    Tensor down = zeros({1, 1, n, 1, channels, 1});
    Scan2DResults results;
    results.y = y.ref();
    results.lastRight = right.ref();
    results.lastDown = down.ref();
    ASSERT_TRUE(isOk(referenceScan2D(orientationArgs(p, oi), results)));
    double lowest = 0.0, highest = 0.0;
    for (int64_t i = 0; i < y.numElements(); ++i) {
      lowest = std::min(lowest, y.as<double>()[i]);
      highest = std::max(highest, y.as<double>()[i]);
    }
    EXPECT_GE(lowest, -tol);
    EXPECT_LE(highest, maxMark + tol);
    EXPECT_GT(highest, 0.01);
    for (int64_t c = 0; c < channels; ++c) {
      double mass = 0.0;
      for (int64_t i = 0; i < n; ++i)
        mass += at(right, {0, 0, i, 0, c, 0}) + at(down, {0, 0, i, 0, c, 0});
      EXPECT_NEAR(mass, 1.0, 1e-9) << "impulse " << c;
    }
  }
  Tensor fused = run2D(p);
  double lowest = 0.0, highest = 0.0;
  for (int64_t i = 0; i < fused.numElements(); ++i) {
    lowest = std::min(lowest, fused.as<double>()[i]);
    highest = std::max(highest, fused.as<double>()[i]);
  }
  EXPECT_GE(lowest, -tol);
  EXPECT_LE(highest, 2.0 * maxMark + tol);
  EXPECT_GT(highest, 0.01);
}

// SPEC A4: splitting the grid along x (or y) into two runs joined by the
// boundary states equals one run. For an orientation that flips the split
// axis, the high part is scanned first.
TEST(Reference2D, SplitGridCarriesBoundaryStates) {
  Rng rng(28);
  for (int orientation = 0; orientation < 4; ++orientation)
    for (int axis = 0; axis < 2; ++axis) {
      SCOPED_TRACE("orientation " + std::to_string(orientation) + ", split " +
                   (axis == 0 ? "along x" : "along y"));
      Problem2D p = random2D(rng, smallJSizes(), 5, 4, {orientation}, true,
                             true, /*withInit=*/true);
      Tensor rightWhole, downWhole;
      Tensor yWhole = run2D(p, &rightWhole, &downWhole);

      const int64_t size = axis == 0 ? p.mx : p.my;
      const int64_t cut = axis == 0 ? 2 : 3;
      const bool flipped = orientation & (axis == 0 ? 1 : 2);
      // Scan order of the two parts [0, cut) and [cut, size).
      const std::pair<int64_t, int64_t> parts[2] = {{0, cut}, {cut, size}};
      const std::pair<int64_t, int64_t> first = parts[flipped ? 1 : 0];
      const std::pair<int64_t, int64_t> second = parts[flipped ? 0 : 1];

      Tensor ySplit = zeros(p.yShape()), rightSplit = zeros(p.rightShape()),
             downSplit = zeros(p.downShape());
      // The state crossing the cut: last_right of the first part for a split
      // along x, last_down for a split along y.
      Tensor crossing =
          axis == 0 ? zeros(p.rightShape()) : zeros(p.downShape());
      for (int step = 0; step < 2; ++step) {
        std::pair<int64_t, int64_t> range = step == 0 ? first : second;
        Scan2DArgs args = p.args();
        for (TensorRef *ref : {&args.q, &args.k, &args.v, &args.direct})
          *ref = sliceView(*ref, 1 + axis, range.first, range.second);
        for (TensorRef *ref :
             {&args.sourceR, &args.sourceD, &args.tRL, &args.tDU, &args.tDL,
              &args.tRU, &args.markL, &args.markU})
          *ref = sliceView(*ref, 2 + axis, range.first, range.second);
        Scan2DResults results;
        results.y =
            sliceView(ySplit.ref(), 1 + axis, range.first, range.second);
        if (axis == 0) {
          args.initTop = sliceView(args.initTop, 2, range.first, range.second);
          if (step == 1)
            args.initLeft = crossing.ref();
          results.lastDown =
              sliceView(downSplit.ref(), 2, range.first, range.second);
          results.lastRight = step == 0 ? crossing.ref() : rightSplit.ref();
        } else {
          args.initLeft =
              sliceView(args.initLeft, 2, range.first, range.second);
          if (step == 1)
            args.initTop = crossing.ref();
          results.lastRight =
              sliceView(rightSplit.ref(), 2, range.first, range.second);
          results.lastDown = step == 0 ? crossing.ref() : downSplit.ref();
        }
        ASSERT_TRUE(isOk(referenceScan2D(args, results)));
      }
      EXPECT_GT(maxAbs(yWhole), 0.1);
      EXPECT_TRUE(allClose(ySplit, yWhole, 1e-13));
      EXPECT_TRUE(allClose(rightSplit, rightWhole, 1e-13));
      EXPECT_TRUE(allClose(downSplit, downWhole, 1e-13));
    }
}

TEST(Reference2D, Float32AndStridedViews) {
  Rng rng(29);
  Problem2D p = random2D(rng, smallJSizes(), 3, 4, {0, 3}, true, false, true);
  Tensor right64, down64;
  Tensor y64 = run2D(p, &right64, &down64);

  Problem2D p32 = p;
  for (Tensor Problem2D::*t :
       {&Problem2D::q, &Problem2D::k, &Problem2D::v, &Problem2D::sourceR,
        &Problem2D::sourceD, &Problem2D::tRL, &Problem2D::tDU, &Problem2D::tDL,
        &Problem2D::tRU, &Problem2D::markL, &Problem2D::markU,
        &Problem2D::direct, &Problem2D::initLeft, &Problem2D::initTop})
    p32.*t = convert(p.*t, DType::F32);
  Tensor y32 = zeros(p.yShape(), DType::F32);
  Tensor right32 = zeros(p.rightShape(), DType::F32);
  Tensor down32 = zeros(p.downShape(), DType::F32);
  Scan2DResults results32;
  results32.y = y32.ref();
  results32.lastRight = right32.ref();
  results32.lastDown = down32.ref();
  ASSERT_TRUE(isOk(referenceScan2D(p32.args(), results32)));
  EXPECT_TRUE(allClose(y32, y64, 1e-5));
  EXPECT_TRUE(allClose(right32, right64, 1e-5));
  EXPECT_TRUE(allClose(down32, down64, 1e-5));

  // v stored physically as [MY, MX, B, DV, JV] (a transposed view), and the
  // mark_l gate shared by both orientations through a stride-0 axis.
  const Shape vShape = p.v.shape();
  Tensor vPhysical =
      remap(p.v, {vShape[2], vShape[1], vShape[0], vShape[3], vShape[4]},
            [](const Shape &i) {
              return Shape{i[2], i[1], i[0], i[3], i[4]};
            });
  Problem2D pb = p;
  pb.markL = remap(p.markL, p.markL.shape(), [](const Shape &i) {
    Shape j = i;
    j[1] = 0;
    return j;
  });
  Tensor yDense = run2D(pb);
  Scan2DArgs strided = pb.args();
  const int64_t dvjv = vShape[3] * vShape[4];
  strided.v = TensorRef(
      vPhysical.data(), DType::F64, vShape,
      {dvjv, vShape[0] * dvjv, vShape[1] * vShape[0] * dvjv, vShape[4], 1});
  Tensor markOne = materialize(sliceView(p.markL.ref(), 1, 0, 1));
  TensorRef markRef = markOne.ref();
  markRef.shape[1] = 2;
  markRef.strides[1] = 0;
  strided.markL = markRef;
  Tensor yStrided = zeros(p.yShape());
  Scan2DResults results;
  results.y = yStrided.ref();
  ASSERT_TRUE(isOk(referenceScan2D(strided, results)));
  EXPECT_TRUE(allEqual(yStrided, yDense));
}

TEST(Reference2D, BadArgumentsNameTheArgument) {
  Rng rng(30);
  Sizes s;
  s.jt = 2;
  Problem2D p = random2D(rng, s, 3, 4, {0, 1}, true, true, true);
  Tensor y = zeros(p.yShape());
  Scan2DResults results;
  results.y = y.ref();
  ASSERT_TRUE(isOk(referenceScan2D(p.args(), results)));

  Problem2D bad = p;
  bad.tDL = zeros({1, 2, 3, 4, 3, 3});
  EXPECT_TRUE(failsWith(referenceScan2D(bad.args(), results),
                        {"t_dl: expected shape [1, 2, 3, 4, 2, 2], got "
                         "[1, 2, 3, 4, 3, 3]",
                         "JT = 2 (from t_rl)"}));

  bad = p;
  bad.sourceR = zeros({1, 1, 3, 4, 2, 1, 1});
  EXPECT_TRUE(failsWith(referenceScan2D(bad.args(), results),
                        {"source_r: ", "O = 2 (from orientations)"}));

  bad = p;
  bad.markU = zeros({1, 2, 4, 3, 1, 1, 2});
  EXPECT_TRUE(failsWith(referenceScan2D(bad.args(), results),
                        {"mark_u: ", "MX = 3 (from q)"}));

  bad = p;
  bad.initTop = zeros({1, 2, 4, 1, 1, 2});
  EXPECT_TRUE(failsWith(referenceScan2D(bad.args(), results),
                        {"init_top: expected shape [1, 2, 3, 1, 1, 2]"}));

  bad = p;
  bad.orientations = {0, 4};
  EXPECT_TRUE(
      failsWith(referenceScan2D(bad.args(), results), {"orientations[1] = 4"}));
  bad.orientations = {2, 2};
  EXPECT_TRUE(failsWith(referenceScan2D(bad.args(), results),
                        {"orientations[1] = 2 repeats orientations[0]"}));
  bad.orientations = {};
  EXPECT_TRUE(
      failsWith(referenceScan2D(bad.args(), results), {"orientations"}));

  Tensor badDown = zeros({1, 2, 4, 1, 1, 2});
  Scan2DResults downResults;
  downResults.y = y.ref();
  downResults.lastDown = badDown.ref();
  EXPECT_TRUE(failsWith(referenceScan2D(p.args(), downResults),
                        {"last_down: expected shape [1, 2, 3, 1, 1, 2]"}));

  Tensor intY = zeros(p.yShape(), DType::I64);
  Scan2DResults intResults;
  intResults.y = intY.ref();
  EXPECT_TRUE(failsWith(referenceScan2D(p.args(), intResults),
                        {"y: expected dtype f32 or f64, got i64"}));
}

} // namespace
} // namespace plstm
