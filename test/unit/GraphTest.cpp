//===- GraphTest.cpp - graph preparation helpers (SPEC §4.1) --------------===//

#include "runtime/Graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

using namespace plstm;

namespace {

/// paths[a][b]: the number of line-graph paths from edge a to edge b
/// (a != b), by dynamic programming over a topological order (edge indices
/// increase along the line edges of the graphs built here).
std::vector<std::vector<int64_t>> countPaths(int64_t numEdges,
                                             const IndexPairs &lines) {
  std::vector<std::vector<int64_t>> into(numEdges);
  for (auto [from, to] : lines)
    into[to].push_back(from);
  std::vector<std::vector<int64_t>> paths(numEdges,
                                          std::vector<int64_t>(numEdges, 0));
  for (int64_t e = 0; e < numEdges; ++e)
    for (int64_t p : into[e]) {
      paths[p][e] += 1;
      for (int64_t a = 0; a < numEdges; ++a)
        paths[a][e] += paths[a][p];
    }
  return paths;
}

int64_t maxPaths(int64_t numEdges, const IndexPairs &lines) {
  int64_t most = 0;
  for (auto &row : countPaths(numEdges, lines))
    for (int64_t n : row)
      most = std::max(most, n);
  return most;
}

} // namespace

TEST(Graph, DagifyOrientsByNodeIndex) {
  IndexPairs out;
  ASSERT_TRUE(dagify(4, {{2, 0}, {1, 3}, {3, 2}}, out).ok());
  EXPECT_EQ(out, (IndexPairs{{0, 2}, {1, 3}, {2, 3}}));
  Status loop = dagify(4, {{0, 1}, {2, 2}}, out);
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.message().find("edge 1 = (2, 2) is a self loop"),
            std::string::npos)
      << loop.message();
  Status range = dagify(3, {{0, 3}}, out);
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.message().find("node 3 is outside [0, 3)"),
            std::string::npos)
      << range.message();
}

TEST(Graph, FullLineGraphJoinsConsecutiveEdges) {
  // 0→1, 1→2, 1→3, 2→3, 3→4.
  IndexPairs edges = {{0, 1}, {1, 2}, {1, 3}, {2, 3}, {3, 4}}, lines;
  ASSERT_TRUE(fullLineGraph(edges, lines).ok());
  EXPECT_EQ(lines, (IndexPairs{{0, 1}, {0, 2}, {1, 3}, {2, 4}, {3, 4}}));
  Status negative = fullLineGraph({{0, 1}, {-1, 2}}, lines);
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.message().find("edge 1 = (-1, 2) has a negative node"),
            std::string::npos)
      << negative.message();
}

TEST(Graph, PruneToMultitreeDropsTheSecondPath) {
  // e0→e1→e3→e4 and e0→e2→e4: two paths from e0 to e4. In topological order
  // e4 keeps its first incoming line edge (from e2) and drops the one from
  // e3, whose ancestor e0 already reaches e4.
  IndexPairs edges = {{0, 1}, {1, 2}, {1, 3}, {2, 3}, {3, 4}};
  IndexPairs lines, pruned;
  ASSERT_TRUE(fullLineGraph(edges, lines).ok());
  ASSERT_EQ(maxPaths(5, lines), 2);
  ASSERT_TRUE(pruneToMultitree(5, lines, pruned).ok());
  EXPECT_EQ(pruned, (IndexPairs{{0, 1}, {0, 2}, {1, 3}, {2, 4}}));
  EXPECT_EQ(maxPaths(5, pruned), 1);
}

TEST(Graph, PruneToMultitreeOnRandomDags) {
  // On random DAGs: a subset of the line graph, at most one path between
  // any two edges, and maximal (every dropped line edge would add a second
  // path).
  std::mt19937 rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    int64_t nodes = 2 + rng() % 10;
    IndexPairs edges;
    for (int64_t a = 0; a < nodes; ++a)
      for (int64_t b = a + 1; b < nodes; ++b)
        if (rng() % 3 == 0)
          edges.push_back({a, b});
    // Sort by tail so that edge indices increase along line edges.
    std::sort(edges.begin(), edges.end());
    int64_t numEdges = edges.size();
    IndexPairs lines, pruned;
    ASSERT_TRUE(fullLineGraph(edges, lines).ok());
    ASSERT_TRUE(pruneToMultitree(numEdges, lines, pruned).ok());
    std::set<std::pair<int64_t, int64_t>> all(lines.begin(), lines.end());
    for (auto line : pruned)
      EXPECT_TRUE(all.count(line)) << "not a line edge";
    EXPECT_LE(maxPaths(numEdges, pruned), 1) << "trial " << trial;
    std::set<std::pair<int64_t, int64_t>> kept(pruned.begin(), pruned.end());
    for (auto line : lines) {
      if (kept.count(line))
        continue;
      IndexPairs more = pruned;
      more.push_back(line);
      EXPECT_GE(maxPaths(numEdges, more), 2)
          << "trial " << trial << ": line edge (" << line.first << ", "
          << line.second << ") was dropped without need";
    }
  }
}

TEST(Graph, PruneToMultitreeRejectsBadLineGraphs) {
  IndexPairs out;
  Status range = pruneToMultitree(2, {{0, 2}}, out);
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.message().find("line edge 0 = (0, 2): edge index 2 is "
                                 "outside [0, 2)"),
            std::string::npos)
      << range.message();
  Status cycle = pruneToMultitree(3, {{0, 1}, {1, 2}, {2, 1}}, out);
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.message().find("cycle through edge 1"), std::string::npos)
      << cycle.message();
}
