// A molecular graph pLSTM layer (SPEC §5.5, P-mode, pLSTMGraphEdgeLayer):
// D = 32, 2 heads of DK = DV = 16, gates from the features of the nodes
// they touch (source at an edge's tail, mark at its head, transition at the
// node a line edge passes) and from 4 edge (bond) features per edge, each
// edge's incoming transitions normalised by 0.5 + Σ|t|. The
// graph is a function argument (an edge list and its full line graph;
// plstm::fullLineGraph builds one, plstm::pruneToMultitree the D-mode one).
//
//   plstm-run examples/layer_dag_molecules.mlir --random --dim B=2,N=120 --backend=cpu --check
func.func @molecule_layer(%x: tensor<?x?x32xf32>, %edges: tensor<?x2xi32>, %line_edges: tensor<?x2xi32>, %bonds: tensor<?x?x4xf32>, %w_q: tensor<32x2x16xf32>, %b_q: tensor<2x16xf32>, %w_k: tensor<32x2x16xf32>, %b_k: tensor<2x16xf32>, %w_v: tensor<32x2x16xf32>, %b_v: tensor<2x16xf32>, %b_source: tensor<2xf32>, %w_source: tensor<32x2xf32>, %b_mark: tensor<2xf32>, %w_mark: tensor<32x2xf32>, %b_direct: tensor<2xf32>, %w_direct: tensor<32x2xf32>, %b_transition: tensor<2xf32>, %w_transition: tensor<32x2xf32>, %norm_scale: tensor<2x16xf32>, %w_out: tensor<2x16x32xf32>, %w_source_edge: tensor<4x2xf32>, %w_mark_edge: tensor<4x2xf32>, %w_transition_in: tensor<4x2xf32>, %w_transition_out: tensor<4x2xf32>) -> tensor<?x?x32xf32> {
  %y = plstm.layer_dag %x graph(%edges, %line_edges) edge_features(%bonds) weights(%w_q, %b_q, %w_k, %b_k, %w_v, %b_v, %b_source, %w_source, %b_mark, %w_mark, %b_direct, %w_direct, %b_transition, %w_transition, %norm_scale, %w_out, %w_source_edge, %w_mark_edge, %w_transition_in, %w_transition_out)
      names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out", "w_source_edge", "w_mark_edge", "w_transition_in", "w_transition_out"]
      mode "P" : (tensor<?x?x32xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<?x?x4xf32>, tensor<32x2x16xf32>, tensor<2x16xf32>, tensor<32x2x16xf32>, tensor<2x16xf32>, tensor<32x2x16xf32>, tensor<2x16xf32>, tensor<2xf32>, tensor<32x2xf32>, tensor<2xf32>, tensor<32x2xf32>, tensor<2xf32>, tensor<32x2xf32>, tensor<2xf32>, tensor<32x2xf32>, tensor<2x16xf32>, tensor<2x16x32xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}
