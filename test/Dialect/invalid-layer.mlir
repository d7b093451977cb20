// Every verifier rule of plstm.layer2d, one chunk each (labels as in the
// op's description).
// RUN: plstm-opt %s -split-input-file -verify-diagnostics

// C-layer2d-1: one element type
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf64>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #2 (b_q) has element type 'f64', expected 'f32' like operand #0 (x) (C-layer2d-1)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf64>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-2: a required weight is missing
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{missing weight 'b_mark' of a P-mode layer (C-layer2d-2)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-2: a name that is not a weight of the mode
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{weight #10 is named 'b_source_r', not a weight of a P-mode layer}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "b_source_r", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-2: a name twice
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{weight 'b_q' is named twice (C-layer2d-2)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["b_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-3: ranks
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<4x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #9 (w_out) has rank 2, expected 3 [H, DV, D] (C-layer2d-3)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<4x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-4: static grid
func.func @f(%x: tensor<?x?x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #0 (x) has a dynamic dim 1 (MX), expected a static size (C-layer2d-4)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x?x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-6: grid sides agree
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x4x4xf32> {
  // expected-error @+1 {{result #0 (y) has dim 2 = 4, expected MY = 3 (C-layer2d-6)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x4x4xf32>
  return %y : tensor<?x2x4x4xf32>
}

// -----

// C-layer2d-7: D agrees
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<5x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #3 (w_k) has dim 0 = 5, expected DIN = 4 (C-layer2d-15)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<5x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-8: H agrees
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<3x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #2 (b_q) has dim 0 = 3, expected H = 2 (C-layer2d-8)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<3x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-9: DK agrees
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x3xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #4 (b_k) has dim 1 = 3, expected DK = 2 (C-layer2d-9)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x3xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-10: DV agrees
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x5xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #8 (norm_scale) has dim 1 = 5, expected DV = 2 (C-layer2d-10)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x5xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-11: O is the number of orientations
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{operand #10 (b_alpha) has dim 0 = 1, expected O = 2 (C-layer2d-11)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0, 3] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-11: orientations
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'orientations' entry 1 = 0, expected a strictly increasing list of values in [0, 3] (C-layer2d-11)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [1, 0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-12: chirality is D-mode only
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'chirality' is a D-mode attribute, the layer is in P-mode (C-layer2d-12)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] {chirality = "L"} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-12: chirality L or R
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>, %a14: tensor<1x2xf32>, %a15: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'chirality' is "X", expected "L" or "R" (C-layer2d-12)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14, %a15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_source_r", "b_source_d", "b_t_rl", "b_t_du", "b_t_turn", "b_mark_l", "b_mark_u"] mode "D" orientations [0] {chirality = "X"} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-13: eigenvalue factor
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'eigenvalue_factor' = 0.000000e+00, expected a finite positive value (C-layer2d-13)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] {eigenvalue_factor = 0.0 : f64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-14: 2D chunk
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{chunkwise schedule of a 2D layer needs a power-of-two chunk (the tile side) of at most 64, got chunk = 3 (C-layer2d-14)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" orientations [0] {schedule = #plstm.schedule<chunkwise, chunk = 3>} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// -----

// C-layer2d-12: mode
func.func @f(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<1x2xf32>, %a10: tensor<4x1x2xf32>, %a11: tensor<1x2xf32>, %a12: tensor<1x2xf32>, %a13: tensor<1x2xf32>) -> tensor<?x2x3x4xf32> {
  // expected-error @+1 {{'mode' is "Q", expected "P" or "D" (C-layer2d-12)}}
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "Q" orientations [0] : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<1x2xf32>, tensor<4x1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}
