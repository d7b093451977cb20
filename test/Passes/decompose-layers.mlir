// plstm-decompose-layers: a layer becomes projections and gates as
// linalg.generic contractions written in the scan's layout [B, H, ...]
// (heads then folded into the batch by reshapes, unit J dims added), the
// activations as elementwise generics with math bodies, one plstm.scan2d
// with the layer's orientations, and the per-head RMS norm with the output
// projection after it. No plstm.layer2d is left.
// RUN: plstm-opt %s --plstm-decompose-layers | FileCheck %s

// D-mode, chirality R, orientations [0, 3]: q = x·w_q + b_q as
// [B, H=2, MX, MY, DK, JQ=1] (the bias broadcast over the unit J dim, then
// the contraction over D, its loop innermost but one before DK, the last
// output dim of extent > 1: einsum keeps a parallel loop innermost for the
// vectorizer), folded to [B·H, MX, MY, DK, 1]; sigmoid (exp)
// gates for sources, marks and direct, tanh(f·x) for the three
// transitions, each applied after the fold, the turn as turn_dl.
// CHECK-LABEL: func.func @layer_d
// CHECK-NOT: plstm.layer2d
// CHECK: linalg.generic {{.*}} ins(%arg2 : tensor<2x2xf32>) outs(%{{.+}} : tensor<?x2x2x3x2x1xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%arg0, %arg1 : tensor<?x2x3x4xf32>, tensor<4x2x2xf32>)
// CHECK: tensor.collapse_shape {{.*}} {{\[}}[0, 1], [2], [3], [4], [5]] : tensor<?x2x2x3x2x1xf32> into tensor<?x2x3x2x1xf32>
// CHECK: tensor.collapse_shape {{.*}} : tensor<?x2x2x3x1x1x1x1xf32> into tensor<?x2x3x1x1x1x1xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : tensor<?x2x3x1x1x1x1xf32>)
// CHECK: math.exp
// CHECK-COUNT-3: math.tanh
// CHECK-NOT: arith.maximumf
// CHECK: plstm.scan2d qkv({{.*}}) source({{.*}}) transition({{.*}}) turn_dl({{.*}}) mark({{.*}}) direct({{.*}}) orientations [0, 3]
// CHECK-NOT: turn_ru
// CHECK: math.rsqrt
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins({{.*}} : tensor<?x2x2x3x2x1xf32>, tensor<?x2x2x3xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) outs({{.*}} : tensor<?x2x3x4xf32>)
// CHECK: return
func.func @layer_d(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<2x2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2xf32>, %a12: tensor<2x2xf32>, %a13: tensor<2x2xf32>, %a14: tensor<2x2xf32>, %a15: tensor<2x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14, %a15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_source_r", "b_source_d", "b_t_rl", "b_t_du", "b_t_turn", "b_mark_l", "b_mark_u"] mode "D" orientations [0, 3] {chirality = "R", eigenvalue_factor = 2.0 : f64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}


// P-mode, bounded (SPEC A10): τ = max(tanh(f·x), 0); α's projection is
// scaled by 0.5/D = 0.125 first; the four orientations by default; the
// P-mode turns are both present (T_ru = T_rl, T_dl = T_du).
// CHECK-LABEL: func.func @layer_p_bounded
// CHECK: arith.constant 1.250000e-01
// CHECK: math.tanh
// CHECK: arith.maximumf
// CHECK: plstm.scan2d {{.*}} turn_dl({{.*}}) turn_ru({{.*}}) {{.*}} orientations [0, 1, 2, 3]
func.func @layer_p_bounded(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<4x2xf32>, %a10: tensor<4x4x2xf32>, %a11: tensor<4x2xf32>, %a12: tensor<4x2xf32>, %a13: tensor<4x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}
// The signed option keeps τ as it is.
// CHECK-LABEL: func.func @layer_p
// CHECK: math.tanh
// CHECK-NOT: arith.maximumf
// CHECK: plstm.scan2d
func.func @layer_p(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<4x2xf32>, %a10: tensor<4x4x2xf32>, %a11: tensor<4x2xf32>, %a12: tensor<4x2xf32>, %a13: tensor<4x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" {signed_p_mode} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}