// Every verifier rule of plstm.layer1d that can fail on its own, one chunk
// each (labels as in the op's description).
// RUN: plstm-opt %s -split-input-file -verify-diagnostics

// C-layer1d-1: one element type
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf64>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #4 (b_q) has element type 'f64', expected 'f32' like operand #0 (x) (C-layer1d-1)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf64>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-2: a required weight is missing
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x2x1xf32>, %a12: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{missing weight 'b_eigen' of a 1D layer (C-layer1d-2)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "norm_scale", "w_out"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-2: b_in is required when JT > 1
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x2x1x1xf32>, %a9: tensor<2x1x1x2xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x2xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{missing weight 'b_in' of a 1D layer (C-layer1d-2)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x1xf32>, tensor<2x1x1x2xf32>, tensor<2x1x1x1x1xf32>, tensor<2x2xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-2: no JT > 1 weight when JT = 1
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>, %a14: tensor<2x1x1xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{weight #14 'b_in' is a JT > 1 weight, but JT = 1 (b_eigen) (C-layer1d-2)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out", "b_in"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>, tensor<2x1x1xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-2: w_out_t needs b_out
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x2x1x1xf32>, %a9: tensor<2x1x1x2xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x2xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>, %a14: tensor<2x2x2xf32>, %a15: tensor<4x2x2x2xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{weight 'w_out_t' is given without 'b_out' (C-layer1d-2)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14, %a15) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out", "b_in", "w_out_t"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x1xf32>, tensor<2x1x1x2xf32>, tensor<2x1x1x1x1xf32>, tensor<2x2xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>, tensor<2x2x2xf32>, tensor<4x2x2x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-3: ranks
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #14 (w_out) has rank 3, expected 4 [H, DV, JO, D] (C-layer1d-3)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-6: D agrees
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<5x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #3 (w_q) has dim 0 = 5, expected DIN = 4 (C-layer1d-10)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<5x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-7: H, DK, DV agree
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x3x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #8 (b_v) has dim 1 = 3, expected DV = 2 (C-layer1d-7)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x3x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-8: J dims agree
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x2xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #10 (b_mark) has dim 3 = 2, expected JT = 1 (C-layer1d-8)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x2xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-9: factors
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x2x1x1xf32>, %a9: tensor<2x1x1x2xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x2xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>, %a14: tensor<2x2x2xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'orthogonal_factor' = INF, expected a finite value (C-layer1d-9)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out", "b_in"] {orthogonal_factor = 0x7FF0000000000000 : f64} : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x1xf32>, tensor<2x1x1x2xf32>, tensor<2x1x1x1x1xf32>, tensor<2x2xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>, tensor<2x2x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layer1d-3: the kernel has 4 taps
func.func @f(%x: tensor<?x?x4xf32>, %a0: tensor<3x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #1 (w_conv) has dim 0 = 3, expected 4 (C-layer1d-3)}}
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] : (tensor<?x?x4xf32>, tensor<3x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
