// plstm-decompose-layers with the gate-layer settings (SPEC §5.1): block-
// diagonal projections (sub_heads), the form with J axes of the 2D layer,
// and the activation attributes.
// RUN: plstm-opt %s --plstm-decompose-layers | FileCheck %s

// sub_heads = 2 with H = 4: x [B, MX, MY, D=4] is viewed as [B, MX, MY, 2, 2]
// (chunk, feature), each weight [DIN=2, H=4, ...] as [2, 2, 2, ...] (feature,
// chunk, head in chunk), and the contraction keeps the chunk letter shared,
// so head group s reads only chunk s; the result is folded back to H.
// CHECK-LABEL: func.func @sub_heads
// CHECK: %[[X:.+]] = tensor.expand_shape %arg0 {{\[}}[0], [1], [2], [3, 4]] {{.*}} : tensor<?x2x3x4xf32> into tensor<?x2x3x2x2xf32>
// CHECK: %[[W:.+]] = tensor.expand_shape %arg1 {{\[}}[0], [1, 2], [3]] {{.*}} : tensor<2x4x2xf32> into tensor<2x2x2x2xf32>
// CHECK: %[[ACC:.+]] = tensor.expand_shape {{.*}} : tensor<?x4x2x3x2x1xf32> into tensor<?x2x2x2x3x2x1xf32>
// CHECK: %[[P:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[W]] : tensor<?x2x3x2x2xf32>, tensor<2x2x2x2xf32>) outs(%[[ACC]] : tensor<?x2x2x2x3x2x1xf32>)
// CHECK: tensor.collapse_shape %[[P]] {{\[}}[0], [1, 2], [3], [4], [5], [6]] : tensor<?x2x2x2x3x2x1xf32> into tensor<?x4x2x3x2x1xf32>
// CHECK: plstm.scan2d
func.func @sub_heads(%x: tensor<?x2x3x4xf32>, %w0: tensor<2x4x2xf32>, %w1: tensor<4x2xf32>, %w2: tensor<2x4x2xf32>, %w3: tensor<4x2xf32>, %w4: tensor<2x4x2xf32>, %w5: tensor<4x2xf32>, %w6: tensor<4xf32>, %w7: tensor<4x4xf32>, %w8: tensor<4x2xf32>, %w9: tensor<4x2x4xf32>, %w10: tensor<1x4xf32>, %w11: tensor<4x1x4xf32>, %w12: tensor<1x4xf32>, %w13: tensor<4x1x4xf32>, %w14: tensor<1x4xf32>, %w15: tensor<4x1x4xf32>, %w16: tensor<1x4xf32>, %w17: tensor<4x1x4xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" orientations [0] {sub_heads = 2 : i64} : (tensor<?x2x3x4xf32>, tensor<2x4x2xf32>, tensor<4x2xf32>, tensor<2x4x2xf32>, tensor<4x2xf32>, tensor<2x4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4x2xf32>, tensor<4x2x4xf32>, tensor<1x4xf32>, tensor<4x1x4xf32>, tensor<1x4xf32>, tensor<4x1x4xf32>, tensor<1x4xf32>, tensor<4x1x4xf32>, tensor<1x4xf32>, tensor<4x1x4xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// gate_sub_heads = 8 = O·H: each orientation-gate channel reads its own
// feature (D = 8). w [1, O=4, H=2] is transposed to the head-major channel
// order [1, H, O], its 8 channels viewed as (chunk, 1); x as [B, MX, MY, 8, 1];
// the gate accumulator [B, H, O, MX, MY] as [B, 8, 1, MX, MY]. Q/K/V stay
// dense (sub_heads = 1).
// CHECK-LABEL: func.func @gate_sub_heads
// CHECK-NOT: tensor.expand_shape %arg1
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : tensor<1x4x2xf32>) outs(%{{.+}} : tensor<1x2x4xf32>)
// CHECK: tensor.collapse_shape {{.*}} : tensor<1x2x4xf32> into tensor<1x8xf32>
// CHECK: tensor.expand_shape {{.*}} : tensor<1x8xf32> into tensor<1x8x1xf32>
// CHECK: tensor.expand_shape {{.*}} : tensor<?x8x2x3x1x1x1xf32> into tensor<?x8x1x2x3x1x1x1xf32>
// CHECK: tensor.expand_shape %arg0 {{.*}} : tensor<?x2x3x8xf32> into tensor<?x2x3x8x1xf32>
// CHECK: plstm.scan2d
func.func @gate_sub_heads(%x: tensor<?x2x3x8xf32>, %w0: tensor<8x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<8x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<8x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x8xf32>, %w10: tensor<4x2xf32>, %w11: tensor<1x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<1x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<1x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<1x4x2xf32>) -> tensor<?x2x3x8xf32> {
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {gate_sub_heads = 8 : i64} : (tensor<?x2x3x8xf32>, tensor<8x2x2xf32>, tensor<2x2xf32>, tensor<8x2x2xf32>, tensor<2x2xf32>, tensor<8x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x8xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>) -> tensor<?x2x3x8xf32>
  return %y : tensor<?x2x3x8xf32>
}

// The form with J axes (JQ = 2, JK = 3, JV = 2, JO = 2, JT = 1): the scan's
// operands carry the J dims straight from the projections, the mark and
// source gates broadcast over JT = 1, y is [B·H, MX, MY, DV, JO] and the RMS
// norm and output projection reduce over DV and JO.
// CHECK-LABEL: func.func @with_j
// CHECK: plstm.scan2d {{.*}} orientations [0, 3] : (tensor<?x2x3x2x2xf32>, tensor<?x2x3x2x3xf32>, tensor<?x2x3x3x2xf32>, tensor<?x2x2x3x1x3x2xf32>, tensor<?x2x2x3x1x3x2xf32>, tensor<?x2x2x3x1x1xf32>, tensor<?x2x2x3x1x1xf32>, tensor<?x2x2x3x1x1xf32>, tensor<?x2x2x3x2x2x1xf32>, tensor<?x2x2x3x2x2x1xf32>, tensor<?x2x3x2x2x3x2xf32>) -> (tensor<?x2x3x3x2xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins({{.*}} : tensor<?x2x2x3x3x2xf32>, tensor<?x2x2x3xf32>, tensor<2x3x2xf32>, tensor<2x3x2x4xf32>) outs({{.*}} : tensor<?x2x3x4xf32>)
func.func @with_j(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2x2xf32>, %w1: tensor<2x2x2xf32>, %w2: tensor<4x2x2x3xf32>, %w3: tensor<2x2x3xf32>, %w4: tensor<4x2x3x2xf32>, %w5: tensor<2x3x2xf32>, %w6: tensor<2x2x2x3x2xf32>, %w7: tensor<4x2x2x2x3x2xf32>, %w8: tensor<2x3x2xf32>, %w9: tensor<2x3x2x4xf32>, %w10: tensor<2x2x3x2xf32>, %w11: tensor<4x2x2x3x2xf32>, %w12: tensor<2x2x3x2xf32>, %w13: tensor<4x2x2x3x2xf32>, %w14: tensor<2x2xf32>, %w15: tensor<4x2x2xf32>, %w16: tensor<2x2xf32>, %w17: tensor<4x2x2xf32>, %w18: tensor<2x2xf32>, %w19: tensor<4x2x2xf32>, %w20: tensor<2x2x2x2xf32>, %w21: tensor<4x2x2x2x2xf32>, %w22: tensor<2x2x2x2xf32>, %w23: tensor<4x2x2x2x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17, %w18, %w19, %w20, %w21, %w22, %w23) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_source_r", "w_source_r", "b_source_d", "w_source_d", "b_t_rl", "w_t_rl", "b_t_du", "w_t_du", "b_t_turn", "w_t_turn", "b_mark_l", "w_mark_l", "b_mark_u", "w_mark_u"] mode "D" orientations [0, 3] : (tensor<?x2x3x4xf32>, tensor<4x2x2x2xf32>, tensor<2x2x2xf32>, tensor<4x2x2x3xf32>, tensor<2x2x3xf32>, tensor<4x2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x2x2x3x2xf32>, tensor<4x2x2x2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2x4xf32>, tensor<2x2x3x2xf32>, tensor<4x2x2x3x2xf32>, tensor<2x2x3x2xf32>, tensor<4x2x2x3x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2x2x2xf32>, tensor<4x2x2x2x2xf32>, tensor<2x2x2x2xf32>, tensor<4x2x2x2x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// Activations: an identity source (no math body), a tanh mark, the default
// sigmoid direct gate (one math.exp), tanh transitions.
// CHECK-LABEL: func.func @activations
// CHECK-COUNT-1: math.exp
// CHECK-NOT: math.exp
// CHECK: plstm.scan_dag
func.func @activations(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2xf32>, %w9: tensor<4x2xf32>, %w10: tensor<2xf32>, %w11: tensor<4x2xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2xf32>, %w15: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer_dag %x graph(%e, %l) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out"] mode "D" {source_activation = "identity", mark_activation = "tanh"} : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// The logsigmoid eigenvalue σ(x)^f = exp(−f·log1p(e^(−x))).
// CHECK-LABEL: func.func @eigen_logsigmoid
// CHECK: arith.constant 3.000000e+00
// CHECK: math.log1p
// CHECK: plstm.scan1d
func.func @eigen_logsigmoid(%x: tensor<?x?x4xf32>, %w0: tensor<4x4xf32>, %w1: tensor<4xf32>, %w2: tensor<4x2x2x1xf32>, %w3: tensor<2x2x1xf32>, %w4: tensor<4x2x2x1xf32>, %w5: tensor<2x2x1xf32>, %w6: tensor<4x2x2x1xf32>, %w7: tensor<2x2x1xf32>, %w8: tensor<2x1x1x1xf32>, %w9: tensor<4x2x1x1x1xf32>, %w10: tensor<2x1x1x1xf32>, %w11: tensor<4x2x1x1x1xf32>, %w12: tensor<2x1x1x1x1xf32>, %w13: tensor<2x1xf32>, %w14: tensor<4x2x1xf32>, %w15: tensor<2x2x1xf32>, %w16: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer1d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "b_eigen", "w_eigen", "norm_scale", "w_out"] {eigenvalue_activation = "logsigmoid", eigenvalue_factor = 3.0} : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<4x2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<4x2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<4x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// Edge features f [B, E, F]: added into the source and mark pre-activations
// (f·w over F, per edge), and gathered at each line edge's incoming and
// outgoing edge (generics reading the line-edge table) into its transition.
// CHECK-LABEL: func.func @edge_features
// CHECK: linalg.generic {{.*}} ins(%arg3, %{{.+}} : tensor<?x?x3xf32>, tensor<3x2xf32>) outs(%{{.+}} : tensor<?x2x?x1x1x1xf32>)
// CHECK: linalg.generic {{.*}} ins(%arg3, %{{.+}} : tensor<?x?x3xf32>, tensor<3x2xf32>) outs(%{{.+}} : tensor<?x2x?x1x1x1xf32>)
// CHECK-COUNT-2: tensor.extract %arg3
// CHECK: plstm.scan_dag
func.func @edge_features(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %ef: tensor<?x?x3xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2xf32>, %w9: tensor<4x2xf32>, %w10: tensor<2xf32>, %w11: tensor<4x2xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2xf32>, %w15: tensor<2x2x4xf32>, %w16: tensor<3x2xf32>, %w17: tensor<3x2xf32>, %w18: tensor<3x2xf32>, %w19: tensor<3x2xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer_dag %x graph(%e, %l) edge_features(%ef) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17, %w18, %w19) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out", "w_source_edge", "w_mark_edge", "w_transition_in", "w_transition_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<?x?x3xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// A static batch with gate_sub_heads > 1: x [3, MX, MY, 8] is viewed as
// [3, MX, MY, 8, 1] (the batch extent kept, so the reshape is valid).
// CHECK-LABEL: func.func @static_batch
// CHECK: tensor.expand_shape %arg0 {{.*}} : tensor<3x2x3x8xf32> into tensor<3x2x3x8x1xf32>
// CHECK: plstm.scan2d
func.func @static_batch(%x: tensor<3x2x3x8xf32>, %w0: tensor<8x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<8x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<8x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x8xf32>, %w10: tensor<4x2xf32>, %w11: tensor<1x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<1x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<1x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<1x4x2xf32>) -> tensor<3x2x3x8xf32> {
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {gate_sub_heads = 8 : i64} : (tensor<3x2x3x8xf32>, tensor<8x2x2xf32>, tensor<2x2xf32>, tensor<8x2x2xf32>, tensor<2x2xf32>, tensor<8x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x8xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>) -> tensor<3x2x3x8xf32>
  return %y : tensor<3x2x3x8xf32>
}
