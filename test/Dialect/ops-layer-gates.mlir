// Round trip of the gate-layer settings of the layer ops (sub_heads, the
// activation attributes, the form with J axes) in custom and generic form.
// RUN: plstm-opt %s | plstm-opt | FileCheck %s
// RUN: plstm-opt %s --mlir-print-op-generic | plstm-opt | FileCheck %s

// 2D, P-mode, the form with J axes, block-diagonal projections, every
// activation attribute.
// CHECK-LABEL: func.func @layer2d_gates
// CHECK: plstm.layer2d {{.*}} mode "P" {direct_activation = "sigmoid", eigenvalue_activation = "expexp", mark_activation = "identity", source_activation = "tanh", sub_heads = 2 : i64} : (tensor<?x2x3x4xf32>, tensor<2x2x2x2xf32>
func.func @layer2d_gates(%x: tensor<?x2x3x4xf32>, %w0: tensor<2x2x2x2xf32>, %w1: tensor<2x2x2xf32>, %w2: tensor<2x2x2x3xf32>, %w3: tensor<2x2x3xf32>, %w4: tensor<2x2x2x2xf32>, %w5: tensor<2x2x2xf32>, %w6: tensor<2x2x2x3x2xf32>, %w7: tensor<4x2x2x2x3x2xf32>, %w8: tensor<2x2x2xf32>, %w9: tensor<2x2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2x3x2xf32>, %w13: tensor<4x4x2x3x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2x2x2xf32>, %w17: tensor<4x4x2x2x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {sub_heads = 2 : i64, source_activation = "tanh", mark_activation = "identity", direct_activation = "sigmoid", eigenvalue_activation = "expexp"} : (tensor<?x2x3x4xf32>, tensor<2x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x3xf32>, tensor<2x2x3xf32>, tensor<2x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x3x2xf32>, tensor<4x2x2x2x3x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2x3x2xf32>, tensor<4x4x2x3x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2x2x2xf32>, tensor<4x4x2x2x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// Graph, D-mode, the form with J axes and sub-heads.
// CHECK-LABEL: func.func @dag_gates
// CHECK: plstm.layer_dag {{.*}} mode "D" {source_activation = "identity", sub_heads = 2 : i64}
func.func @dag_gates(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %w0: tensor<2x2x2x2xf32>, %w1: tensor<2x2x2xf32>, %w2: tensor<2x2x2x2xf32>, %w3: tensor<2x2x2xf32>, %w4: tensor<2x2x2x3xf32>, %w5: tensor<2x2x3xf32>, %w6: tensor<2x2x3xf32>, %w7: tensor<4x2x2x3xf32>, %w8: tensor<2x2x2xf32>, %w9: tensor<4x2x2x2xf32>, %w10: tensor<2x2x2x2x3xf32>, %w11: tensor<4x2x2x2x2x3xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2x2xf32>, %w15: tensor<2x2x2x4xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer_dag %x graph(%e, %l) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out"] mode "D" {sub_heads = 2 : i64, source_activation = "identity"} : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<2x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x3xf32>, tensor<2x2x3xf32>, tensor<2x2x3xf32>, tensor<4x2x2x3xf32>, tensor<2x2x2xf32>, tensor<4x2x2x2xf32>, tensor<2x2x2x2x3xf32>, tensor<4x2x2x2x2x3xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// 1D with sub-heads and the logsigmoid eigenvalues.
// CHECK-LABEL: func.func @l1d_gates
// CHECK: plstm.layer1d {{.*}} {eigenvalue_activation = "logsigmoid", sub_heads = 2 : i64}
func.func @l1d_gates(%x: tensor<?x?x4xf32>, %w0: tensor<4x4xf32>, %w1: tensor<4xf32>, %w2: tensor<2x2x2x2xf32>, %w3: tensor<2x2x2xf32>, %w4: tensor<2x2x2x1xf32>, %w5: tensor<2x2x1xf32>, %w6: tensor<2x2x2x1xf32>, %w7: tensor<2x2x1xf32>, %w8: tensor<2x2x1x1xf32>, %w9: tensor<4x2x2x1x1xf32>, %w10: tensor<2x1x2x2xf32>, %w11: tensor<4x2x1x2x2xf32>, %w12: tensor<2x1x2x1x1xf32>, %w13: tensor<2x2xf32>, %w14: tensor<4x2x2xf32>, %w15: tensor<2x2x1xf32>, %w16: tensor<2x2x1x4xf32>, %w17: tensor<2x2x2xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer1d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "b_eigen", "w_eigen", "norm_scale", "w_out", "b_in"] {sub_heads = 2 : i64, eigenvalue_activation = "logsigmoid"} : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<2x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x1xf32>, tensor<4x2x2x1x1xf32>, tensor<2x1x2x2xf32>, tensor<4x2x1x2x2xf32>, tensor<2x1x2x1x1xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>, tensor<2x2x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// Graph layer with edge features.
// CHECK-LABEL: func.func @dag_edge_features
// CHECK: plstm.layer_dag %{{.+}} graph(%{{.+}}, %{{.+}}) edge_features(%{{.+}}) weights(
func.func @dag_edge_features(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %ef: tensor<?x?x3xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2xf32>, %w9: tensor<4x2xf32>, %w10: tensor<2xf32>, %w11: tensor<4x2xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2xf32>, %w15: tensor<2x2x4xf32>, %w16: tensor<3x2xf32>, %w17: tensor<3x2xf32>, %w18: tensor<3x2xf32>, %w19: tensor<3x2xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer_dag %x graph(%e, %l) edge_features(%ef) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17, %w18, %w19) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out", "w_source_edge", "w_mark_edge", "w_transition_in", "w_transition_out"] mode "D" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<?x?x3xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
