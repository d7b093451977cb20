//===- ReferenceDagTest.cpp - tests of the reference scan_dag and graphs --===//
//
// The DAG scan of the reference evaluator against the closed-form path sum
// of SPEC §1 (paths enumerated by depth-first search, J > 1 chain products),
// causality (only descendants change), linearity, empty graphs, index dtypes
// and strided index views, graph validation (SPEC A6: cycles, self-loops,
// indices out of range, line edges whose endpoints do not meet) and shape
// errors.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <functional>

namespace plstm {
namespace {

using namespace plstm::test;
using Pairs = std::vector<std::pair<int64_t, int64_t>>;

/// A random DAG on `numNodes` nodes whose labels are not in topological
/// order, with one parallel (duplicate) edge, in shuffled edge order.
Pairs randomDagEdges(Rng &rng, int64_t numNodes, double density) {
  std::vector<int64_t> label = randomPermutation(rng, numNodes);
  std::bernoulli_distribution keep(density);
  Pairs edges;
  for (int64_t i = 0; i < numNodes; ++i)
    for (int64_t j = i + 1; j < numNodes; ++j)
      if (keep(rng))
        edges.push_back({label[i], label[j]});
  if (!edges.empty())
    edges.push_back(edges.front());
  std::shuffle(edges.begin(), edges.end(), rng);
  return edges;
}

/// y from the closed form of SPEC §1: G_{w,u} summed over explicitly
/// enumerated edge paths u -> ... -> w, G_{w,w} = D_w, then
/// y_w = s · Σ_u q_w ⋅ G_{w,u} ⋅ (k_u ⊗ v_u).
Tensor pathSumOutput(const ProblemDag &p) {
  const Sizes &s = p.sizes;
  const int64_t n = p.numNodes;
  const double scale =
      std::isnan(p.qkScale) ? 1.0 / std::sqrt(double(s.dk)) : p.qkScale;
  std::vector<std::vector<int64_t>> linesFrom(p.numEdges());
  for (int64_t l = 0; l < p.numLines(); ++l)
    linesFrom[p.lineList[l].first].push_back(l);
  const int64_t gSize = s.jo * s.jq * s.jk * s.jv;
  Tensor y = zeros(p.yShape());
  for (int64_t b = 0; b < s.b; ++b) {
    // G[w][u] as [JO, JQ, JK, JV].
    std::vector<double> g(static_cast<size_t>(n * n * gSize), 0.0);
    // chain: [JT, JK, JV] = T ⋯ T · S along the path so far, ending on edge e.
    std::function<void(int64_t, int64_t, const std::vector<double> &)> walk =
        [&](int64_t e, int64_t u, const std::vector<double> &chain) {
          int64_t w = p.edgeList[e].second;
          double *gwu = &g[(w * n + u) * gSize];
          for (int64_t o = 0; o < s.jo; ++o)
            for (int64_t j = 0; j < s.jq; ++j)
              for (int64_t kk = 0; kk < s.jk; ++kk)
                for (int64_t l = 0; l < s.jv; ++l)
                  for (int64_t t = 0; t < s.jt; ++t)
                    gwu[((o * s.jq + j) * s.jk + kk) * s.jv + l] +=
                        at(p.mark, {b, e, o, j, t}) *
                        chain[(t * s.jk + kk) * s.jv + l];
          for (int64_t line : linesFrom[e]) {
            std::vector<double> next(chain.size(), 0.0);
            for (int64_t i = 0; i < s.jt; ++i)
              for (int64_t t = 0; t < s.jt; ++t)
                for (int64_t kl = 0; kl < s.jk * s.jv; ++kl)
                  next[i * s.jk * s.jv + kl] +=
                      at(p.transition, {b, line, i, t}) *
                      chain[t * s.jk * s.jv + kl];
            walk(p.lineList[line].second, u, next);
          }
        };
    for (int64_t e = 0; e < p.numEdges(); ++e) {
      std::vector<double> chain(static_cast<size_t>(s.jt * s.jk * s.jv));
      for (size_t i = 0; i < chain.size(); ++i)
        chain[i] =
            p.source.as<double>()[(b * p.numEdges() + e) * chain.size() + i];
      walk(e, p.edgeList[e].first, chain);
    }
    for (int64_t w = 0; w < n; ++w)
      for (int64_t i = 0; i < gSize; ++i)
        g[(w * n + w) * gSize + i] +=
            p.direct.as<double>()[(b * n + w) * gSize + i];
    for (int64_t w = 0; w < n; ++w)
      for (int64_t u = 0; u < n; ++u)
        for (int64_t c = 0; c < s.dv; ++c)
          for (int64_t o = 0; o < s.jo; ++o) {
            double sum = 0.0;
            for (int64_t d = 0; d < s.dk; ++d)
              for (int64_t j = 0; j < s.jq; ++j)
                for (int64_t kk = 0; kk < s.jk; ++kk)
                  for (int64_t l = 0; l < s.jv; ++l)
                    sum += at(p.q, {b, w, d, j}) *
                           g[(w * n + u) * gSize +
                             ((o * s.jq + j) * s.jk + kk) * s.jv + l] *
                           at(p.k, {b, u, d, kk}) * at(p.v, {b, u, c, l});
            at(y, {b, w, c, o}) += scale * sum;
          }
  }
  return y;
}

Sizes dagSizes() {
  Sizes s;
  s.b = 2;
  s.dk = 2;
  s.dv = 2;
  s.jt = 3;
  s.jk = 2;
  s.jv = 2;
  s.jq = 2;
  s.jo = 2;
  return s;
}

TEST(ReferenceDag, MatchesClosedFormPathSum) {
  Rng rng(41);
  for (int graph = 0; graph < 6; ++graph) {
    SCOPED_TRACE("graph " + std::to_string(graph));
    const int64_t numNodes = 5 + graph % 3;
    Pairs edges = randomDagEdges(rng, numNodes, 0.5);
    // A pruned line graph (some transitions missing), shuffled.
    Pairs lines;
    std::bernoulli_distribution keep(0.8);
    for (const auto &line : fullLineGraph(edges))
      if (keep(rng))
        lines.push_back(line);
    std::shuffle(lines.begin(), lines.end(), rng);
    ProblemDag p = randomDag(rng, dagSizes(), numNodes, edges, lines);
    if (graph % 2)
      p.qkScale = 1.0;
    Tensor y = runDag(p);
    EXPECT_GT(maxAbs(y), 0.1);
    EXPECT_TRUE(allClose(y, pathSumOutput(p), 1e-12));
  }
}

TEST(ReferenceDag, EmptyGraphs) {
  Rng rng(42);
  // No nodes at all.
  ProblemDag none = randomDag(rng, dagSizes(), 0, {}, {});
  EXPECT_EQ(runDag(none).numElements(), 0);
  // Nodes without edges: only the direct term.
  ProblemDag isolated = randomDag(rng, dagSizes(), 3, {}, {});
  Tensor y = runDag(isolated);
  EXPECT_GT(maxAbs(y), 0.1);
  EXPECT_TRUE(allClose(y, pathSumOutput(isolated), 1e-13));
  // Edges without line edges: one-hop paths only.
  ProblemDag star = randomDag(rng, dagSizes(), 4, {{0, 1}, {1, 2}, {0, 3}}, {});
  EXPECT_TRUE(allClose(runDag(star), pathSumOutput(star), 1e-13));
}

// P6 on a DAG: changing anything at node n' changes exactly n' and its
// descendants (full line graph, so every descendant is reached).
TEST(ReferenceDag, CausalityOnlyDescendantsChange) {
  Rng rng(43);
  const int64_t numNodes = 8;
  Pairs edges = randomDagEdges(rng, numNodes, 0.35);
  ProblemDag base =
      randomDag(rng, dagSizes(), numNodes, edges, fullLineGraph(edges));
  Tensor yBase = runDag(base);
  std::uniform_real_distribution<double> noise(0.5, 1.0);
  int checkedDescendants = 0;
  for (int64_t target = 0; target < numNodes; ++target) {
    std::vector<bool> descendant(numNodes, false);
    std::vector<int64_t> stack = {target};
    while (!stack.empty()) {
      int64_t n = stack.back();
      stack.pop_back();
      for (const auto &edge : edges)
        if (edge.first == n && !descendant[edge.second]) {
          descendant[edge.second] = true;
          stack.push_back(edge.second);
        }
    }
    ProblemDag changed = base;
    auto bump = [&](Tensor &t, int64_t index) {
      forEachIndex(t.shape(), [&](const Shape &i) {
        if (i[1] == index)
          at(t, i) += noise(rng);
      });
    };
    for (Tensor ProblemDag::*t :
         {&ProblemDag::q, &ProblemDag::k, &ProblemDag::v, &ProblemDag::direct})
      bump(changed.*t, target);
    for (int64_t e = 0; e < base.numEdges(); ++e) {
      if (edges[e].first == target)
        bump(changed.source, e);
      if (edges[e].second == target)
        bump(changed.mark, e);
    }
    for (int64_t l = 0; l < base.numLines(); ++l)
      if (edges[base.lineList[l].first].second == target)
        bump(changed.transition, l);
    Tensor yChanged = runDag(changed);
    for (int64_t w = 0; w < numNodes; ++w) {
      bool differs = false;
      forEachIndex(yBase.shape(), [&](const Shape &i) {
        if (i[1] == w && at(yBase, i) != at(yChanged, i))
          differs = true;
      });
      bool expected = w == target || descendant[w];
      checkedDescendants += descendant[w];
      EXPECT_EQ(differs, expected)
          << "node " << w << " after changing node " << target;
    }
  }
  EXPECT_GT(checkedDescendants, numNodes); // the graph is not trivial
}

// P7 on a DAG: linear in v, in S, in M and in D separately.
TEST(ReferenceDag, LinearInEachFactor) {
  Rng rng(44);
  Pairs edges = randomDagEdges(rng, 6, 0.5);
  ProblemDag base = randomDag(rng, dagSizes(), 6, edges, fullLineGraph(edges));
  auto run = [](const ProblemDag &p) { return runDag(p); };
  for (Tensor ProblemDag::*factor : {&ProblemDag::v, &ProblemDag::source,
                                     &ProblemDag::mark, &ProblemDag::direct})
    EXPECT_TRUE(linearIn<ProblemDag>(rng, base, {factor}, run));
}

TEST(ReferenceDag, Int32AndStridedIndexViews) {
  Rng rng(45);
  Pairs edges = randomDagEdges(rng, 6, 0.5);
  ProblemDag p = randomDag(rng, dagSizes(), 6, edges, fullLineGraph(edges));
  Tensor y64 = runDag(p);

  ProblemDag p32 = p;
  p32.edges = pairTensor(p.edgeList, DType::I32);
  p32.lineEdges = pairTensor(p.lineList, DType::I32);
  EXPECT_TRUE(allEqual(runDag(p32), y64));

  // Edges stored as [2, E] (tails, then heads) and viewed as [E, 2].
  const int64_t e = p.numEdges();
  Tensor columns = zeros({2, e}, DType::I64);
  for (int64_t i = 0; i < e; ++i) {
    columns.as<int64_t>()[i] = p.edgeList[i].first;
    columns.as<int64_t>()[e + i] = p.edgeList[i].second;
  }
  ScanDagArgs args = p.args();
  args.edges = TensorRef(columns.data(), DType::I64, {e, 2}, {1, e});
  Tensor y = zeros(p.yShape());
  ScanDagResults results;
  results.y = y.ref();
  ASSERT_TRUE(isOk(referenceScanDag(args, results)));
  EXPECT_TRUE(allEqual(y, y64));
}

TEST(ReferenceDag, ValidateGraphReturnsALineGraphOrder) {
  Rng rng(46);
  Pairs edges = randomDagEdges(rng, 9, 0.4);
  Pairs lines = fullLineGraph(edges);
  std::vector<int64_t> order;
  ASSERT_TRUE(isOk(validateGraph(9, pairTensor(edges).ref(),
                                 pairTensor(lines).ref(), &order)));
  ASSERT_EQ(order.size(), edges.size());
  std::vector<int64_t> position(edges.size(), -1);
  for (size_t i = 0; i < order.size(); ++i) {
    ASSERT_GE(order[i], 0);
    ASSERT_LT(order[i], int64_t(edges.size()));
    EXPECT_EQ(position[order[i]], -1) << "edge listed twice";
    position[order[i]] = int64_t(i);
  }
  for (const auto &line : lines)
    EXPECT_LT(position[line.first], position[line.second]);
}

/// validateGraph on literal edge and line-edge lists.
Status validate(int64_t numNodes, const Pairs &edges, const Pairs &lines) {
  return validateGraph(numNodes, pairTensor(edges).ref(),
                       pairTensor(lines).ref());
}

TEST(ReferenceDag, BadGraphsNameTheIndex) {
  EXPECT_TRUE(isOk(validate(0, {}, {})));
  EXPECT_TRUE(failsWith(validate(-1, {}, {}), {"negative node count"}));

  EXPECT_TRUE(failsWith(validate(6, {{0, 1}, {1, 2}, {2, 3}, {5, 9}}, {}),
                        {"edges[3] = (5, 9): node 9 is out of range [0, 6)"}));
  EXPECT_TRUE(failsWith(validate(6, {{0, 1}, {-1, 2}}, {}),
                        {"edges[1] = (-1, 2): node -1 is out of range"}));
  EXPECT_TRUE(failsWith(validate(3, {{0, 1}, {1, 2}, {1, 1}}, {}),
                        {"edges[2] = (1, 1): self-loop at node 1"}));

  EXPECT_TRUE(failsWith(validate(4, {{0, 1}, {1, 2}, {2, 0}, {2, 3}}, {{0, 1}}),
                        {"cycle through node", "edges[0] = (0, 1)",
                         "edges[1] = (1, 2)", "edges[2] = (2, 0)"}));
  // A cycle is an error even when no line edge closes it.
  EXPECT_TRUE(failsWith(validate(5, {{3, 4}, {0, 1}, {1, 0}}, {}),
                        {"cycle", "edges[1] = (0, 1)", "edges[2] = (1, 0)"}));

  const Pairs chain = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {1, 3}};
  EXPECT_TRUE(
      failsWith(validate(5, chain, {{0, 1}, {0, 7}}),
                {"line_edges[1] = (0, 7): edge 7 is out of range [0, 5)"}));
  EXPECT_TRUE(failsWith(validate(5, chain, {{-2, 1}}),
                        {"line_edges[0] = (-2, 1): edge -2 is out of range"}));
  const Pairs six = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {1, 3}, {4, 5}};
  EXPECT_TRUE(
      failsWith(validate(6, six, {{0, 1}, {1, 2}, {2, 3}, {3, 5}, {2, 5}}),
                {"line_edges[4] = (2, 5): edge 2 ends at node 3 but "
                 "edge 5 starts at node 4"}));

  // Index tensors: shape [E, 2] / [L, 2] with an integer dtype.
  Tensor wide = zeros({4, 3}, DType::I64);
  EXPECT_TRUE(failsWith(validateGraph(5, wide.ref(), pairTensor({}).ref()),
                        {"edges: expected shape [4, 2], got [4, 3]"}));
  Tensor floats = zeros({2, 2}, DType::F32);
  EXPECT_TRUE(
      failsWith(validateGraph(5, pairTensor({{0, 1}}).ref(), floats.ref()),
                {"line_edges: expected an integer dtype (i32 or i64), "
                 "got f32"}));
}

/// The index tensors in every layout a caller may pass: i32 and i64,
/// contiguous (a plain widening copy) and strided (a [2, E] buffer viewed as
/// [E, 2]: the strided walk). The same graph validates in each, and an out
/// of range node is reported at the same position.
TEST(ReferenceDag, ValidateGraphReadsEveryLayout) {
  const Pairs lines = {{0, 1}, {1, 2}};
  for (const Pairs &edges :
       {Pairs{{0, 1}, {1, 2}, {2, 3}}, Pairs{{0, 1}, {1, 2}, {2, 7}}}) {
    bool good = edges[2].second == 3;
    for (DType dtype : {DType::I32, DType::I64}) {
      Tensor dense = pairTensor(edges, dtype);
      // Column-major storage [2, E], viewed as [E, 2] with strides {1, E}.
      int64_t e = static_cast<int64_t>(edges.size());
      Tensor columns(dtype, {2, e});
      for (int64_t i = 0; i < e; ++i) {
        columns.ref().storeLinear(i, static_cast<double>(edges[i].first));
        columns.ref().storeLinear(e + i, static_cast<double>(edges[i].second));
      }
      TensorRef strided(columns.ref().data, dtype, {e, 2}, {1, e});
      for (const TensorRef &ref : {dense.ref(), strided}) {
        Status s = validateGraph(4, ref, pairTensor(lines).ref());
        if (good)
          EXPECT_TRUE(isOk(s)) << s.message();
        else
          EXPECT_TRUE(failsWith(
              s, {"edges[2] = (2, 7): node 7 is out of range [0, 4)"}));
      }
    }
  }
}

TEST(ReferenceDag, BadArgumentsNameTheArgument) {
  Rng rng(47);
  Sizes s;
  s.jt = 2;
  const Pairs edges = {{0, 1}, {1, 2}, {0, 2}};
  ProblemDag p = randomDag(rng, s, 3, edges, fullLineGraph(edges));
  Tensor y = zeros(p.yShape());
  ScanDagResults results;
  results.y = y.ref();
  ASSERT_TRUE(isOk(referenceScanDag(p.args(), results)));

  ProblemDag bad = p;
  bad.source = zeros({1, 4, 2, 1, 1});
  EXPECT_TRUE(failsWith(referenceScanDag(bad.args(), results),
                        {"source: expected shape [1, 3, 2, 1, 1], got "
                         "[1, 4, 2, 1, 1]",
                         "E = 3 (from edges)"}));
  bad = p;
  bad.transition = zeros({1, 2, 2, 2});
  EXPECT_TRUE(failsWith(referenceScanDag(bad.args(), results),
                        {"transition: ", "L = 1 (from line_edges)"}));
  bad = p;
  bad.direct = zeros({1, 4, 1, 1, 1, 1});
  EXPECT_TRUE(failsWith(referenceScanDag(bad.args(), results),
                        {"direct: ", "N = 3 (from q)"}));
  // The graph is checked by the op too.
  bad = p;
  bad.edgeList = {{0, 1}, {1, 2}, {2, 0}};
  bad.edges = pairTensor(bad.edgeList);
  bad.lineEdges = pairTensor({});
  bad.transition = zeros({1, 0, 2, 2});
  EXPECT_TRUE(failsWith(referenceScanDag(bad.args(), results), {"cycle"}));
}

} // namespace
} // namespace plstm
