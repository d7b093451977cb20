// RUN: plstm-opt %s --plstm-split-shared-empties | FileCheck %s

// One tensor.empty feeding two loop-carried tensors (what CSE makes of two
// equal empties): each use gets an empty of its own, so bufferization gives
// them separate buffers.
// CHECK-LABEL: func.func @two_iter_args
// CHECK: %[[E0:[a-zA-Z0-9_]+]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[E1:[a-zA-Z0-9_]+]] = tensor.empty() : tensor<4xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[E0]], %{{.+}} = %[[E1]])
func.func @two_iter_args(%n: index, %f: f32) -> (tensor<4xf32>, tensor<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<4xf32>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%a = %e, %b = %e) -> (tensor<4xf32>, tensor<4xf32>) {
    %a2 = linalg.fill ins(%f : f32) outs(%a : tensor<4xf32>) -> tensor<4xf32>
    %b2 = linalg.fill ins(%f : f32) outs(%b : tensor<4xf32>) -> tensor<4xf32>
    scf.yield %a2, %b2 : tensor<4xf32>, tensor<4xf32>
  }
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}
