// plstm-fuse-gates after the scan lowerings, on whole layers: every gate
// activation (sigmoid: math.exp, tanh, the P-mode algebra) is computed
// inside the scan's loops from slices of the pre-activations; none is left
// as a full tensor before the loops. The 1D layer with JT = 1 and the 2D
// and graph layers in both modes, under several schedules (each reads its
// gates through its own slices).
// RUN: plstm-opt %s --plstm-decompose-layers --plstm-lower-sequential --plstm-lower-chunkwise --plstm-lower-logdepth --plstm-fuse-gates --canonicalize --cse | FileCheck %s
// Without the pass, the activations are full tensors before the loops.
// RUN: plstm-opt %s --plstm-decompose-layers --plstm-lower-sequential --plstm-lower-chunkwise --plstm-lower-logdepth --canonicalize --cse | FileCheck %s --check-prefix=UNFUSED

// 2D P-mode, tiled chunkwise: α·src, 1 − α·src, α·τ, 1 − α·τ per tile.
// CHECK-LABEL: func.func @l2d_p_chunkwise
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: scf.for
// CHECK: math.exp
// CHECK: return
// UNFUSED-LABEL: func.func @l2d_p_chunkwise
// UNFUSED: math.exp
// UNFUSED: scf.for
func.func @l2d_p_chunkwise(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<4x2xf32>, %a10: tensor<4x4x2xf32>, %a11: tensor<4x2xf32>, %a12: tensor<4x2xf32>, %a13: tensor<4x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_alpha", "w_alpha", "b_source", "b_transition", "b_mark"] mode "P" {schedule = #plstm.schedule<chunkwise, chunk = 2>} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// 2D D-mode, sequential: sigmoids and tanh per cell.
// CHECK-LABEL: func.func @l2d_d_sequential
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: scf.for
// CHECK: math.exp
// CHECK: return
// UNFUSED-LABEL: func.func @l2d_d_sequential
// UNFUSED: math.exp
// UNFUSED: scf.for
func.func @l2d_d_sequential(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<2x2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2xf32>, %a12: tensor<2x2xf32>, %a13: tensor<2x2xf32>, %a14: tensor<2x2xf32>, %a15: tensor<2x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14, %a15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_source_r", "b_source_d", "b_t_rl", "b_t_du", "b_t_turn", "b_mark_l", "b_mark_u"] mode "D" orientations [0, 3] {schedule = #plstm.schedule<sequential>, chirality = "R", eigenvalue_factor = 2.0 : f64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// 2D D-mode, log-depth (quad tree).
// CHECK-LABEL: func.func @l2d_d_logdepth
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: scf.for
// CHECK: math.exp
// CHECK: return
// UNFUSED-LABEL: func.func @l2d_d_logdepth
// UNFUSED: math.exp
// UNFUSED: scf.for
func.func @l2d_d_logdepth(%x: tensor<?x2x3x4xf32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2x2xf32>, %a8: tensor<2x2x4xf32>, %a9: tensor<2x2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2xf32>, %a12: tensor<2x2xf32>, %a13: tensor<2x2xf32>, %a14: tensor<2x2xf32>, %a15: tensor<2x2xf32>) -> tensor<?x2x3x4xf32> {
  %y = plstm.layer2d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14, %a15) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_direct", "norm_scale", "w_out", "b_source_r", "b_source_d", "b_t_rl", "b_t_du", "b_t_turn", "b_mark_l", "b_mark_u"] mode "D" orientations [0, 3] {schedule = #plstm.schedule<logdepth>, chirality = "R", eigenvalue_factor = 2.0 : f64} : (tensor<?x2x3x4xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<?x2x3x4xf32>
  return %y : tensor<?x2x3x4xf32>
}

// 1D, chunkwise: gates per chunk.
// CHECK-LABEL: func.func @l1d_chunkwise
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: scf.for
// CHECK: math.exp
// CHECK: return
// UNFUSED-LABEL: func.func @l1d_chunkwise
// UNFUSED: math.exp
// UNFUSED: scf.for
func.func @l1d_chunkwise(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] {schedule = #plstm.schedule<chunkwise, chunk = 4>} : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// 1D, log-depth.
// CHECK-LABEL: func.func @l1d_logdepth
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: scf.for
// CHECK: math.exp
// CHECK: return
// UNFUSED-LABEL: func.func @l1d_logdepth
// UNFUSED: math.exp
// UNFUSED: scf.for
func.func @l1d_logdepth(%x: tensor<?x?x4xf32>, %a0: tensor<4x4xf32>, %a1: tensor<4xf32>, %a2: tensor<4x2x2x1xf32>, %a3: tensor<2x2x1xf32>, %a4: tensor<4x2x2x1xf32>, %a5: tensor<2x2x1xf32>, %a6: tensor<4x2x2x1xf32>, %a7: tensor<2x2x1xf32>, %a8: tensor<2x1x1x1xf32>, %a9: tensor<2x1x1x1xf32>, %a10: tensor<2x1x1x1x1xf32>, %a11: tensor<2x1xf32>, %a12: tensor<2x2x1xf32>, %a13: tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer1d %x weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13) names ["w_conv", "b_conv", "w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_eigen", "norm_scale", "w_out"] {schedule = #plstm.schedule<logdepth, chunk = 4>} : (tensor<?x?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<4x2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>, tensor<2x1x1x1x1xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>, tensor<2x2x1x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// Graph D-mode (tanh transitions), chunkwise blocks.
// CHECK-LABEL: func.func @dag_d_chunkwise
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: scf.for
// CHECK: math.exp
// CHECK: return
// UNFUSED-LABEL: func.func @dag_d_chunkwise
// UNFUSED: math.exp
// UNFUSED: scf.for
func.func @dag_d_chunkwise(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2x4xf32>, %a12: tensor<4x2xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out", "w_transition"] mode "D" {schedule = #plstm.schedule<chunkwise, chunk = 1>, qk_scale = 1.000000e+00 : f64} : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// Graph P-mode, sequential.
// CHECK-LABEL: func.func @dag_p_sequential
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: scf.for
// CHECK: math.exp
// CHECK: return
// UNFUSED-LABEL: func.func @dag_p_sequential
// UNFUSED: math.exp
// UNFUSED: scf.for
func.func @dag_p_sequential(%x: tensor<?x?x4xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi32>, %a0: tensor<4x2x2xf32>, %a1: tensor<2x2xf32>, %a2: tensor<4x2x2xf32>, %a3: tensor<2x2xf32>, %a4: tensor<4x2x2xf32>, %a5: tensor<2x2xf32>, %a6: tensor<2xf32>, %a7: tensor<2xf32>, %a8: tensor<2xf32>, %a9: tensor<2xf32>, %a10: tensor<2x2xf32>, %a11: tensor<2x2x4xf32>, %a12: tensor<4x2xf32>) -> tensor<?x?x4xf32> {
  %y = plstm.layer_dag %x graph(%e, %l) weights(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12) names ["w_q", "b_q", "w_k", "b_k", "w_v", "b_v", "b_source", "b_mark", "b_direct", "b_transition", "norm_scale", "w_out", "w_transition"] mode "P" {schedule = #plstm.schedule<sequential>} : (tensor<?x?x4xf32>, tensor<?x2xi32>, tensor<?x2xi32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2x2x4xf32>, tensor<4x2xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
