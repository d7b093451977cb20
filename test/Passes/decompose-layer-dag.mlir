// plstm-decompose-layers on plstm.layer_dag (SPEC §5.5): node features
// gathered at each edge's tail and head and at the node each line edge
// passes (generics reading the graph tables), sigmoid gates, the
// transitions (P-mode: one pass over the line edges summing |t| per target
// edge, then t / (0.5 + sum); D-mode: tanh), one plstm.scan_dag with the
// same graph, the RMS norm and the output projection.
// RUN: plstm-opt %s --plstm-decompose-layers | FileCheck %s

// CHECK-LABEL: func.func @p_mode
// CHECK-NOT: plstm.layer_dag
// CHECK-COUNT-3: tensor.extract %arg1
// CHECK: scf.for
// CHECK: math.absf
// CHECK: arith.constant 5.000000e-01
// CHECK: arith.divf
// CHECK: plstm.scan_dag {{.*}} graph(%arg1, %arg2)
// CHECK: math.rsqrt
func.func @p_mode(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2x4xf32>, %a12: tensor<4x2xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out", "w_transition"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// CHECK-LABEL: func.func @d_mode
// CHECK-NOT: math.absf
// CHECK: math.tanh
// CHECK: plstm.scan_dag
func.func @d_mode(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2x4xf32>, %a12: tensor<4x2xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out", "w_transition"] mode "D" {qk_scale = 1.000000e+00 : f64} : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
