// Round trip of plstm.layer2d in custom and generic form.
// RUN: plstm-opt %s | plstm-opt | FileCheck %s
// RUN: plstm-opt %s --mlir-print-op-generic | plstm-opt | FileCheck %s

// CHECK-LABEL: func.func @layer_d
// CHECK: plstm.layer2d %{{.+}} weights({{.*}}) names ["w_q", "b_q", {{.*}}, "b_mark_u"] mode "D" orientations [0, 3] {chirality = "R", eigenvalue_factor = 2.000000e+00 : f64}
func.func @layer_d(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<2x2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2xf32>, %a12: tensor<2x2xf32>, %a13: tensor<2x2xf32>, %a14: tensor<2x2xf32>, %a15: tensor<2x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14, %a15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_source_r", "b_source_d", "b_t_rl", "b_t_du", "b_t_turn", "b_mark_l", "b_mark_u"] mode "D" orientations [0, 3] {chirality = "R", eigenvalue_factor = 2.0 : f64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// CHECK-LABEL: func.func @layer_p
// CHECK: plstm.layer2d %{{.+}} weights({{.*}}) names [{{.*}}] mode "P" {signed_p_mode}
func.func @layer_p(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<4x2xf32>, %a10: tensor<4x4x2xf32>, %a11: tensor<4x2xf32>, %a12: tensor<4x2xf32>, %a13: tensor<4x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" {signed_p_mode} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}
