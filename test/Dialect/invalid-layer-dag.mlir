// Verifier rules of plstm.layer_dag, one chunk each (labels as in the op's
// description).
// RUN: plstm-opt %s -split-input-file -verify-diagnostics

// C-layerdag-1: one element type
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf64>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #4 (b_q) has element type 'f64', expected 'f32' like operand #0 (x) (C-layerdag-1)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf64>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-2: a required weight is missing
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2x2xf32>, %a10: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{missing weight 'b_transition' of a graph layer (C-layerdag-2)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "norm_scale", "w_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-3: ranks
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<4x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #14 (w_out) has rank 2, expected 3 [H, DV, D] (C-layerdag-3)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<4x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-6: D agrees
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<5x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #3 (w_q) has dim 0 = 5, expected DIN = 4 (C-layerdag-10)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<5x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-7: H agrees
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<3xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #9 (b_source) has dim 0 = 3, expected H = 2 (C-layerdag-7)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-8: graph tables
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xf32>, %l: tensor<?x2xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{operand #1 (edges) has element type 'f32', expected i32 or i64 (C-layerdag-8)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out"] mode "P" : (tensor<?x?x4xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// C-layerdag-9: mode
func.func @f(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2x4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'mode' is "X", expected "P" or "D" (C-layerdag-9)}}
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out"] mode "X" : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
