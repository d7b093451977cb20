// plstm-decompose-layers on plstm.layer1d (SPEC §5.2): the causal
// convolution (one generic reading x at t − 3 .. t), projections in the
// layout [B, H, T, ...] folded to [B·H, T, ...], sigmoid gates, the
// eigenvalues tanh(f·x), one plstm.scan1d that RMS-normalises its output
// rows over DV·JO (output_norm_eps: the norm runs where the schedule writes
// y, no rsqrt after the scan), the norm's scale with the output
// projection, and the passthrough.
// RUN: plstm-opt %s --plstm-decompose-layers | FileCheck %s

// JT = 1: the transition is λ itself, no orthogonalisation.
// CHECK-LABEL: func.func @scalar
// CHECK-NOT: plstm.layer1d
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x?x4xf32>)
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: tensor.collapse_shape {{.*}} : tensor<?x2x?x2x1xf32> into tensor<?x?x2x1xf32>
// CHECK: math.tanh
// CHECK-NOT: math.tanh
// CHECK: plstm.scan1d {{.*}}output_norm_eps = 1.000000e-05
// CHECK-NOT: math.rsqrt
// CHECK: return
func.func @scalar(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// JT = 2: W = Σ_{n<16} Aⁿ/n! with A = g·(X − Xᵀ) (15 products of 2×2
// blocks), T = Wᵀ·diag(λ)·W, and the passthrough added after the output
// projection.
// CHECK-LABEL: func.func @wide
// CHECK-COUNT-15: ins(%{{.+}}, %{{.+}} : tensor<?x2x?x2x2xf32>, tensor<?x2x?x2x2xf32>) outs(%{{.+}} : tensor<?x2x?x2x2xf32>)
// CHECK: ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<?x2x?x2x2xf32>, tensor<?x2x?x2xf32>, tensor<?x2x?x2x2xf32>)
// CHECK: plstm.scan1d {{.*}}output_norm_eps = 1.000000e-05
// CHECK-NOT: math.rsqrt
// CHECK: ins(%{{.+}}, %{{.+}} : tensor<4xf32>, tensor<?x?x4xf32>) outs(%{{.+}} : tensor<?x?x4xf32>)
func.func @wide(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x2xf32>, %a7: tensor<2x2x2xf32>, %a8: tensor<2x2x1x2xf32>, %a9: tensor<2x2x1x2xf32>, %a10: tensor<2x2x1x1x2xf32>, %a11: tensor<2x2xf32>, %a12: tensor<2x2x2xf32>, %a13: tensor<2x2x2x4xf32>, %a14: tensor<2x2x2xf32>, %a15: tensor<4xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14, %a15) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out", "b_in", "passthrough"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x1x2xf32>, tensor<2x2x1x2xf32>, tensor<2x2x1x1x2xf32>, tensor<2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x4xf32>, tensor<2x2x2xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
