//===- Graph.h - graph preparation helpers for the DAG scans --------------===//
//
// SPEC A6 keeps graph preparation out of the op's semantics: `plstm.scan_dag`
// takes an edge list and a line-edge list as given. These helpers build
// them the way the reference's `PreparedGraph` does (SPEC §4.1):
//
//   dagify           orient every edge from the lower to the higher node
//                    index (the reference does this to every input graph);
//   fullLineGraph    every consecutive pair (p→u, u→w): P-mode's line graph;
//   pruneToMultitree drop line edges greedily, in topological order, until
//                    between any two edges there is at most one path:
//                    D-mode's line graph.
//
// Edges are (tail, head) pairs, line edges (incoming edge, outgoing edge)
// index pairs into the edge list. C++ standard library only.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_RUNTIME_GRAPH_H
#define PLSTM_RUNTIME_GRAPH_H

#include "runtime/Tensor.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace plstm {

using IndexPairs = std::vector<std::pair<int64_t, int64_t>>;

/// Every edge (a, b) as (min, max); self loops are an error (they cannot be
/// oriented), as is a node index outside [0, numNodes).
Status dagify(int64_t numNodes, const IndexPairs &edges, IndexPairs &out);

/// The line graph of a DAG: (e', e) for every pair with head(e') ==
/// tail(e), ordered by e' then e. A negative node index is an error naming
/// the edge.
Status fullLineGraph(const IndexPairs &edges, IndexPairs &out);

/// SPEC §4.1 step 3 (`prune_dag_to_multitree`): visits the edges in a
/// topological order of the line graph and, for each, its incoming line
/// edges in that order; keeps (p, e) unless e is already reachable, through
/// the line edges kept so far, from p or one of p's ancestors. The result
/// has at most one path between any two edges. An invalid or cyclic line
/// graph is an error naming the offending index.
Status pruneToMultitree(int64_t numEdges, const IndexPairs &lineEdges,
                        IndexPairs &out);

} // namespace plstm

#endif // PLSTM_RUNTIME_GRAPH_H
