// The gate-layer rules of the layer ops (sub_heads, activations, the form
// with J axes), one chunk each (labels as in the ops' descriptions).
// RUN: plstm-opt %s -split-input-file -verify-diagnostics

// C-layer2d-15: sub_heads must divide D
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<1x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<1x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<1x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<4x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'sub_heads' = 3 does not divide the feature dim D = 4 (C-layer2d-15)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {sub_heads = 3 : i64} : (tensor<?x2x3x4xf32>, tensor<1x2x2xf32>, tensor<2x2xf32>, tensor<1x2x2xf32>, tensor<2x2xf32>, tensor<1x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-15: sub_heads must divide H
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<1x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<1x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<1x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<4x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'sub_heads' = 4 does not divide the head count H = 2 (C-layer2d-15)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {sub_heads = 4 : i64} : (tensor<?x2x3x4xf32>, tensor<1x2x2xf32>, tensor<2x2xf32>, tensor<1x2x2xf32>, tensor<2x2xf32>, tensor<1x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-15: sub_heads is positive
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<4x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'sub_heads' = 0, expected a positive value (C-layer2d-15)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {sub_heads = 0 : i64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-15: with sub_heads = 2 the input projections have D / 2 rows
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<4x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #1 (w_q) has dim 0 = 4, expected DIN = 2 (C-layer2d-15)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {sub_heads = 2 : i64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-16: an unknown gate activation
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<4x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<4x4x2xf32>, %w18: tensor<4x2xf32>, %w19: tensor<4x4x2xf32>, %w20: tensor<4x2xf32>, %w21: tensor<4x4x2xf32>, %w22: tensor<4x2xf32>, %w23: tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'source_activation' is "relu", expected one of "sigmoid", "tanh", "identity" (C-layer2d-16)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17, %w18, %w19, %w20, %w21, %w22, %w23) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_source_r", "w_source_r", "b_source_d", "w_source_d", "b_t_rl", "w_t_rl", "b_t_du", "w_t_du", "b_t_turn", "w_t_turn", "b_mark_l", "w_mark_l", "b_mark_u", "w_mark_u"] mode "D" {source_activation = "relu"} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-16: an eigenvalue activation that is not one
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<4x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'eigenvalue_activation' is "sigmoid", expected one of "tanh", "logsigmoid", "expexp" (C-layer2d-16)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {eigenvalue_activation = "sigmoid"} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-17: in the form with J axes, JQ disagrees
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2x2xf32>, %w1: tensor<2x2x3xf32>, %w2: tensor<4x2x2x3xf32>, %w3: tensor<2x2x3xf32>, %w4: tensor<4x2x2x2xf32>, %w5: tensor<2x2x2xf32>, %w6: tensor<2x2x2x3x2xf32>, %w7: tensor<4x2x2x2x3x2xf32>, %w8: tensor<2x2x2xf32>, %w9: tensor<2x2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2x3x2xf32>, %w13: tensor<4x4x2x3x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2x2x2xf32>, %w17: tensor<4x4x2x2x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #2 (b_q) has dim 2 = 3, expected JQ = 2 (C-layer2d-17)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" : (tensor<?x2x3x4xf32>, tensor<4x2x2x2xf32>, tensor<2x2x3xf32>, tensor<4x2x2x3xf32>, tensor<2x2x3xf32>, tensor<4x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x3x2xf32>, tensor<4x2x2x2x3x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2x3x2xf32>, tensor<4x4x2x3x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2x2x2xf32>, tensor<4x4x2x2x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-3: a rank-4 w_q picks the form with J axes for every weight
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2x2xf32>, %w1: tensor<2x2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2x3xf32>, %w4: tensor<4x2x2x2xf32>, %w5: tensor<2x2x2xf32>, %w6: tensor<2x2x2x3x2xf32>, %w7: tensor<4x2x2x2x3x2xf32>, %w8: tensor<2x2x2xf32>, %w9: tensor<2x2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2x3x2xf32>, %w13: tensor<4x4x2x3x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2x2x2xf32>, %w17: tensor<4x4x2x2x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #3 (w_k) has rank 3, expected 4 [DIN, H, DK, JK] (C-layer2d-3)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" : (tensor<?x2x3x4xf32>, tensor<4x2x2x2xf32>, tensor<2x2x2xf32>, tensor<4x2x2xf32>, tensor<2x2x3xf32>, tensor<4x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x3x2xf32>, tensor<4x2x2x2x3x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2x3x2xf32>, tensor<4x4x2x3x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2x2x2xf32>, tensor<4x4x2x2x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-15: gate_sub_heads = 3 gives 3 chunks for the 8 orientation-gate
// channels (O = 4, H = 2)
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<2x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<1x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<1x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<1x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<1x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'gate_sub_heads' = 3 splits the input into 3 chunks for the 8 channels of the orientation gates (O·H), which does not divide the channels (C-layer2d-15)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {gate_sub_heads = 3 : i64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-15: 8 gate chunks of a 4-wide input
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<2x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<0x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<0x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<0x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<0x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'gate_sub_heads' = 8 splits the input into 8 chunks for the 8 channels of the orientation gates (O·H), which does not divide D = 4 (C-layer2d-15)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {gate_sub_heads = 8 : i64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<0x4x2xf32>, tensor<4x2xf32>, tensor<0x4x2xf32>, tensor<4x2xf32>, tensor<0x4x2xf32>, tensor<4x2xf32>, tensor<0x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-15: with gate_sub_heads = O·H = 8 each orientation gate reads
// D / 8 = 1 feature
func.func @f(%x: tensor<?x2x3x8xf32>, %w0: tensor<8x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<8x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<8x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x8xf32>, %w10: tensor<4x2xf32>, %w11: tensor<1x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<8x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<1x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<1x4x2xf32>) -> tensor<?x2x3x8xf32> {
  // expected-error @+1 {{has dim 0 = 8, expected DGO = 1 (C-layer2d-15)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {gate_sub_heads = 8 : i64} : (tensor<?x2x3x8xf32>, tensor<8x2x2xf32>, tensor<2x2xf32>, tensor<8x2x2xf32>, tensor<2x2xf32>, tensor<8x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x8xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<8x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>, tensor<4x2xf32>, tensor<1x4x2xf32>) -> tensor<?x2x3x8xf32>
  return %y : tensor<?x2x3x8xf32>
}

// -----

// C-layer2d-15: gate_sub_heads is positive
func.func @f(%x: tensor<?x2x3x4xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<4x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<4x4x2xf32>, %w18: tensor<4x2xf32>, %w19: tensor<4x4x2xf32>, %w20: tensor<4x2xf32>, %w21: tensor<4x4x2xf32>, %w22: tensor<4x2xf32>, %w23: tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'gate_sub_heads' = 0, expected a positive value (C-layer2d-15)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17, %w18, %w19, %w20, %w21, %w22, %w23) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_source_r", "w_source_r", "b_source_d", "w_source_d", "b_t_rl", "w_t_rl", "b_t_du", "w_t_du", "b_t_turn", "w_t_turn", "b_mark_l", "w_mark_l", "b_mark_u", "w_mark_u"] mode "D" {gate_sub_heads = 0 : i64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer1d-10: with sub_heads = 2 the input projections have D / 2 rows
func.func @f(%x: tensor<?x?x4xf32>, %w0: tensor<4x4xf32>, %w1: tensor<4xf32>, %w2: tensor<4x2x2x1xf32>, %w3: tensor<2x2x1xf32>, %w4: tensor<2x2x2x1xf32>, %w5: tensor<2x2x1xf32>, %w6: tensor<2x2x2x1xf32>, %w7: tensor<2x2x1xf32>, %w8: tensor<2x1x1x1xf32>, %w9: tensor<4x2x1x1x1xf32>, %w10: tensor<2x1x1x1xf32>, %w11: tensor<4x2x1x1x1xf32>, %w12: tensor<2x1x1x1x1xf32>, %w13: tensor<2x1xf32>, %w14: tensor<4x2x1xf32>, %w15: tensor<2x2x1xf32>, %w16: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #3 (w_q) has dim 0 = 4, expected DIN = 2 (C-layer1d-10)}}
  %y = plstm.layer1d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "b_eigen", "w_eigen", "norm_scale", "w_out"] {sub_heads = 2 : i64} : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<4x2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<4x2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<4x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-10: sub_heads must divide D
func.func @f(%x: tensor<?x?x4xf32>, %w0: tensor<4x4xf32>, %w1: tensor<4xf32>, %w2: tensor<4x2x2x1xf32>, %w3: tensor<2x2x1xf32>, %w4: tensor<4x2x2x1xf32>, %w5: tensor<2x2x1xf32>, %w6: tensor<4x2x2x1xf32>, %w7: tensor<2x2x1xf32>, %w8: tensor<2x1x1x1xf32>, %w9: tensor<4x2x1x1x1xf32>, %w10: tensor<2x1x1x1xf32>, %w11: tensor<4x2x1x1x1xf32>, %w12: tensor<2x1x1x1x1xf32>, %w13: tensor<2x1xf32>, %w14: tensor<4x2x1xf32>, %w15: tensor<2x2x1xf32>, %w16: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'sub_heads' = 3 does not divide the feature dim D = 4 (C-layer1d-10)}}
  %y = plstm.layer1d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "b_eigen", "w_eigen", "norm_scale", "w_out"] {sub_heads = 3 : i64} : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<4x2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<4x2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<4x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-11: an unknown eigenvalue activation
func.func @f(%x: tensor<?x?x4xf32>, %w0: tensor<4x4xf32>, %w1: tensor<4xf32>, %w2: tensor<4x2x2x1xf32>, %w3: tensor<2x2x1xf32>, %w4: tensor<4x2x2x1xf32>, %w5: tensor<2x2x1xf32>, %w6: tensor<4x2x2x1xf32>, %w7: tensor<2x2x1xf32>, %w8: tensor<2x1x1x1xf32>, %w9: tensor<4x2x1x1x1xf32>, %w10: tensor<2x1x1x1xf32>, %w11: tensor<4x2x1x1x1xf32>, %w12: tensor<2x1x1x1x1xf32>, %w13: tensor<2x1xf32>, %w14: tensor<4x2x1xf32>, %w15: tensor<2x2x1xf32>, %w16: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'eigenvalue_activation' is "relu", expected one of "tanh", "logsigmoid", "expexp" (C-layer1d-11)}}
  %y = plstm.layer1d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "b_eigen", "w_eigen", "norm_scale", "w_out"] {eigenvalue_activation = "relu"} : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<4x2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<4x2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<4x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-11: the graph layer has no eigenvalue layer
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2xf32>, %w9: tensor<4x2xf32>, %w10: tensor<2xf32>, %w11: tensor<4x2xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2xf32>, %w15: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'eigenvalue_activation' is not an attribute of this layer (C-layerdag-11)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out"] mode "P" {eigenvalue_activation = "tanh"} : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-11: an unknown gate activation
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2xf32>, %w9: tensor<4x2xf32>, %w10: tensor<2xf32>, %w11: tensor<4x2xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2xf32>, %w15: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'mark_activation' is "softplus", expected one of "sigmoid", "tanh", "identity" (C-layerdag-11)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out"] mode "D" {mark_activation = "softplus"} : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-10: with gate_sub_heads = H = 4 each gate reads D / 4 features
func.func @f(%x: tensor<?x?x8xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %w0: tensor<8x4x2xf32>, %w1: tensor<4x2xf32>, %w2: tensor<8x4x2xf32>, %w3: tensor<4x2xf32>, %w4: tensor<8x4x2xf32>, %w5: tensor<4x2xf32>, %w6: tensor<4xf32>, %w7: tensor<2x4xf32>, %w8: tensor<4xf32>, %w9: tensor<8x4xf32>, %w10: tensor<4xf32>, %w11: tensor<2x4xf32>, %w12: tensor<4xf32>, %w13: tensor<2x4xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x2x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{has dim 0 = 8, expected DGH = 2 (C-layerdag-10)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out"] mode "D" {gate_sub_heads = 4 : i64} : (tensor<?x?x8xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<8x4x2xf32>, tensor<4x2xf32>, tensor<8x4x2xf32>, tensor<4x2xf32>, tensor<8x4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<8x4xf32>, tensor<4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<2x4xf32>, tensor<4x2xf32>, tensor<4x2x8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// C-layerdag-10: sub_heads must divide D
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %w0: tensor<2x4x2xf32>, %w1: tensor<4x2xf32>, %w2: tensor<2x4x2xf32>, %w3: tensor<4x2xf32>, %w4: tensor<2x4x2xf32>, %w5: tensor<4x2xf32>, %w6: tensor<4xf32>, %w7: tensor<4x4xf32>, %w8: tensor<4xf32>, %w9: tensor<4x4xf32>, %w10: tensor<4xf32>, %w11: tensor<4x4xf32>, %w12: tensor<4xf32>, %w13: tensor<4x4xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'sub_heads' = 8 does not divide the feature dim D = 4 (C-layerdag-10)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out"] mode "D" {sub_heads = 8 : i64} : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<2x4x2xf32>, tensor<4x2xf32>, tensor<2x4x2xf32>, tensor<4x2xf32>, tensor<2x4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4x2xf32>, tensor<4x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-12: in the form with J axes, JO disagrees
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %w0: tensor<4x2x2x2xf32>, %w1: tensor<2x2x2xf32>, %w2: tensor<4x2x2x2xf32>, %w3: tensor<2x2x2xf32>, %w4: tensor<4x2x2x3xf32>, %w5: tensor<2x2x3xf32>, %w6: tensor<2x2x3xf32>, %w7: tensor<4x2x2x3xf32>, %w8: tensor<2x2x2xf32>, %w9: tensor<4x2x2x2xf32>, %w10: tensor<2x2x2x2x3xf32>, %w11: tensor<4x2x2x2x2x3xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2x3xf32>, %w15: tensor<2x2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{has dim 2 = 3, expected JO = 2 (C-layerdag-12)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2x2xf32>, tensor<2x2x2xf32>, tensor<4x2x2x2xf32>, tensor<2x2x2xf32>, tensor<4x2x2x3xf32>, tensor<2x2x3xf32>, tensor<2x2x3xf32>, tensor<4x2x2x3xf32>, tensor<2x2x2xf32>, tensor<4x2x2x2xf32>, tensor<2x2x2x2x3xf32>, tensor<4x2x2x2x2x3xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2x3xf32>, tensor<2x2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer2d-1: an unranked x is reported, not a crash (sub_heads needs D)
func.func @f(%x: tensor<*xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2x2xf32>, %w9: tensor<2x2x4xf32>, %w10: tensor<4x2xf32>, %w11: tensor<4x4x2xf32>, %w12: tensor<4x2xf32>, %w13: tensor<4x4x2xf32>, %w14: tensor<4x2xf32>, %w15: tensor<4x4x2xf32>, %w16: tensor<4x2xf32>, %w17: tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #0 (x) must be a ranked tensor of f32 or f64, got 'tensor<*xf32>' (C-layer2d-1)}}
  %y = plstm.layer2d %x weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "w_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "w_source", "b_transition", "w_transition", "b_mark", "w_mark"] mode "P" {sub_heads = 2 : i64} : (tensor<*xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layerdag-13: edge features without any edge-feature weight
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %ef: tensor<?x?x3xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2xf32>, %w9: tensor<4x2xf32>, %w10: tensor<2xf32>, %w11: tensor<4x2xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2xf32>, %w15: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'edge_features' is given without any edge-feature weight (w_source_edge, w_mark_edge, w_transition_in, w_transition_out) (C-layerdag-13)}}
  %y = plstm.layer_dag %x graph(%e, %l) edge_features(%ef) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<?x?x3xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-13: edge-feature weights whose F disagrees with the features
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %ef: tensor<?x?x3xf32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2xf32>, %w9: tensor<4x2xf32>, %w10: tensor<2xf32>, %w11: tensor<4x2xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2xf32>, %w15: tensor<2x2x4xf32>, %w16: tensor<3x2xf32>, %w17: tensor<5x2xf32>, %w18: tensor<3x2xf32>, %w19: tensor<3x2xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{has dim 0 = 5, expected F = 3 (C-layerdag-13)}}
  %y = plstm.layer_dag %x graph(%e, %l) edge_features(%ef) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17, %w18, %w19) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out", "w_source_edge", "w_mark_edge", "w_transition_in", "w_transition_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<?x?x3xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<3x2xf32>, tensor<5x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-13: edge-feature weights without the edge features
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %w0: tensor<4x2x2xf32>, %w1: tensor<2x2xf32>, %w2: tensor<4x2x2xf32>, %w3: tensor<2x2xf32>, %w4: tensor<4x2x2xf32>, %w5: tensor<2x2xf32>, %w6: tensor<2xf32>, %w7: tensor<4x2xf32>, %w8: tensor<2xf32>, %w9: tensor<4x2xf32>, %w10: tensor<2xf32>, %w11: tensor<4x2xf32>, %w12: tensor<2xf32>, %w13: tensor<4x2xf32>, %w14: tensor<2x2xf32>, %w15: tensor<2x2x4xf32>, %w16: tensor<3x2xf32>, %w17: tensor<3x2xf32>, %w18: tensor<3x2xf32>, %w19: tensor<3x2xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{edge-feature weights are given without the 'edge_features' operand (C-layerdag-13)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12, %w13, %w14, %w15, %w16, %w17, %w18, %w19) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "w_source", "b_mark", "w_mark", "b_direct", "w_direct", "b_transition", "w_transition", "norm_scale", "w_out", "w_source_edge", "w_mark_edge", "w_transition_in", "w_transition_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
