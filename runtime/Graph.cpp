//===- Graph.cpp - graph preparation helpers for the DAG scans ------------===//

#include "runtime/Graph.h"

#include <algorithm>
#include <functional>
#include <string>

namespace plstm {

Status dagify(int64_t numNodes, const IndexPairs &edges, IndexPairs &out) {
  out.clear();
  for (size_t e = 0; e < edges.size(); ++e) {
    auto [a, b] = edges[e];
    for (int64_t node : {a, b})
      if (node < 0 || node >= numNodes)
        return Status::error("edge " + std::to_string(e) + " = (" +
                             std::to_string(a) + ", " + std::to_string(b) +
                             "): node " + std::to_string(node) +
                             " is outside [0, " + std::to_string(numNodes) +
                             ")");
    if (a == b)
      return Status::error("edge " + std::to_string(e) + " = (" +
                           std::to_string(a) + ", " + std::to_string(b) +
                           ") is a self loop, which no orientation makes "
                           "acyclic");
    out.push_back({std::min(a, b), std::max(a, b)});
  }
  return Status::success();
}

Status fullLineGraph(const IndexPairs &edges, IndexPairs &out) {
  out.clear();
  int64_t maxNode = -1;
  for (size_t e = 0; e < edges.size(); ++e) {
    auto [a, b] = edges[e];
    if (a < 0 || b < 0)
      return Status::error("edge " + std::to_string(e) + " = (" +
                           std::to_string(a) + ", " + std::to_string(b) +
                           ") has a negative node index");
    maxNode = std::max({maxNode, a, b});
  }
  std::vector<std::vector<int64_t>> leaving(maxNode + 1);
  for (size_t e = 0; e < edges.size(); ++e)
    leaving[edges[e].first].push_back(static_cast<int64_t>(e));
  for (size_t e = 0; e < edges.size(); ++e)
    for (int64_t next : leaving[edges[e].second])
      out.push_back({static_cast<int64_t>(e), next});
  return Status::success();
}

Status pruneToMultitree(int64_t numEdges, const IndexPairs &lineEdges,
                        IndexPairs &out) {
  out.clear();
  std::vector<std::vector<int64_t>> incoming(numEdges);
  std::vector<int64_t> indegree(numEdges, 0);
  for (size_t l = 0; l < lineEdges.size(); ++l) {
    auto [from, to] = lineEdges[l];
    for (int64_t e : {from, to})
      if (e < 0 || e >= numEdges)
        return Status::error("line edge " + std::to_string(l) + " = (" +
                             std::to_string(from) + ", " + std::to_string(to) +
                             "): edge index " + std::to_string(e) +
                             " is outside [0, " + std::to_string(numEdges) +
                             ")");
    incoming[to].push_back(from);
    ++indegree[to];
  }
  // A topological order of the line graph (Kahn, smallest index first, so
  // the result does not depend on hash order).
  std::vector<std::vector<int64_t>> outgoing(numEdges);
  for (auto [from, to] : lineEdges)
    outgoing[from].push_back(to);
  std::vector<int64_t> order, position(numEdges, -1), ready;
  for (int64_t e = 0; e < numEdges; ++e)
    if (indegree[e] == 0)
      ready.push_back(e);
  std::make_heap(ready.begin(), ready.end(), std::greater<int64_t>());
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), std::greater<int64_t>());
    int64_t e = ready.back();
    ready.pop_back();
    position[e] = static_cast<int64_t>(order.size());
    order.push_back(e);
    for (int64_t next : outgoing[e])
      if (--indegree[next] == 0) {
        ready.push_back(next);
        std::push_heap(ready.begin(), ready.end(), std::greater<int64_t>());
      }
  }
  if (static_cast<int64_t>(order.size()) != numEdges) {
    for (int64_t e = 0; e < numEdges; ++e)
      if (position[e] < 0)
        return Status::error("the line graph has a cycle through edge " +
                             std::to_string(e));
  }
  // Ancestor sets in the pruned graph, as bit rows.
  std::vector<std::vector<bool>> ancestors(numEdges,
                                           std::vector<bool>(numEdges, false));
  for (int64_t e : order) {
    std::vector<int64_t> preds = incoming[e];
    std::sort(preds.begin(), preds.end(), [&](int64_t a, int64_t b) {
      return position[a] < position[b];
    });
    preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
    std::vector<bool> &mine = ancestors[e];
    for (int64_t p : preds) {
      // e is already a descendant of p or of one of p's ancestors?
      const std::vector<bool> &theirs = ancestors[p];
      bool reached = mine[p];
      for (int64_t a = 0; a < numEdges && !reached; ++a)
        reached = theirs[a] && mine[a];
      if (reached)
        continue;
      out.push_back({p, e});
      mine[p] = true;
      for (int64_t a = 0; a < numEdges; ++a)
        if (theirs[a])
          mine[a] = true;
    }
  }
  return Status::success();
}

} // namespace plstm
