// A DAG scan over a batch of molecule-sized graphs given as one disjoint
// union (SPEC A6): node, edge and line-edge counts dynamic, DK = DV = 32,
// all J = 1, QK scale 1 as in the reference graph kernels (SPEC A7). The
// batch axis holds the heads, which share the graph.
//
//   plstm-opt examples/scan_dag_molecules.mlir
//   plstm-run examples/scan_dag_molecules.mlir --random --seed 1 --dim B=4,N=32
func.func @molecules(%q: tensor<?x?x32x1xf32>, %k: tensor<?x?x32x1xf32>,
                     %v: tensor<?x?x32x1xf32>, %edges: tensor<?x2xi32>,
                     %line_edges: tensor<?x2xi32>, %source: tensor<?x?x1x1x1xf32>,
                     %transition: tensor<?x?x1x1xf32>, %mark: tensor<?x?x1x1x1xf32>,
                     %direct: tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x32x1xf32> {
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source)
      transition(%transition) mark(%mark) direct(%direct) {qk_scale = 1.0 : f64}
      : (tensor<?x?x32x1xf32>, tensor<?x?x32x1xf32>, tensor<?x?x32x1xf32>,
         tensor<?x2xi32>, tensor<?x2xi32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>,
         tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x32x1xf32>
  return %y : tensor<?x?x32x1xf32>
}
