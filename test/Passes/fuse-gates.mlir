// plstm-fuse-gates on its own: reads of an elementwise generic through
// tensor.extract_slice become the generic on the same slice of its inputs,
// element reads become its body on the extracted elements, and a generic
// with any other use (or one that is not elementwise) stays as it is.
// RUN: plstm-opt %s --plstm-fuse-gates --split-input-file | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>

// A sigmoid read one row at a time inside a loop: the row of %pre is
// sliced (rank-reducing, like the lowerings' per-batch slices) and the
// sigmoid runs on it; the full tensor is gone.
// CHECK-LABEL: func.func @slice
// CHECK-NOT: linalg.generic
// CHECK: scf.forall (%[[I:.+]]) in
// CHECK: %[[ROW:.+]] = tensor.extract_slice %arg0[%[[I]], 0] [1, 8] [1, 1] : tensor<?x8xf32> to tensor<8xf32>
// CHECK: linalg.generic {{.*}} ins(%[[ROW]] : tensor<8xf32>)
// CHECK: math.exp
// CHECK: tensor.parallel_insert_slice
func.func @slice(%pre: tensor<?x8xf32>, %out: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %n = tensor.dim %pre, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%pre : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.negf %a : f32
    %x = math.exp %m : f32
    %d = arith.addf %one, %x : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %res = scf.forall (%i) in (%n) shared_outs(%acc = %out) -> tensor<?x8xf32> {
    %row = tensor.extract_slice %s[%i, 0] [1, 8] [1, 1] : tensor<?x8xf32> to tensor<8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %row into %acc[%i, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<?x8xf32>
    }
  }
  return %res : tensor<?x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// Two inputs and one element read: the product of the two elements.
// CHECK-LABEL: func.func @element
// CHECK-NOT: linalg.generic
// CHECK-DAG: %[[A:.+]] = tensor.extract %arg0[%arg2, %arg3]
// CHECK-DAG: %[[B:.+]] = tensor.extract %arg1[%arg2, %arg3]
// CHECK: %[[P:.+]] = arith.mulf %[[A]], %[[B]]
// CHECK: return %[[P]]
func.func @element(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %i: index, %j: index) -> f32 {
  %e = tensor.empty() : tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.mulf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %v = tensor.extract %p[%i, %j] : tensor<4x8xf32>
  return %v : f32
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// The full tensor is also returned: fusing would compute it twice, so the
// generic stays and the slice reads it.
// CHECK-LABEL: func.func @other_use
// CHECK: %[[G:.+]] = linalg.generic
// CHECK: tensor.extract_slice %[[G]]
func.func @other_use(%a: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = math.tanh %x : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %row = tensor.extract_slice %p[1, 0] [1, 8] [1, 1] : tensor<4x8xf32> to tensor<8xf32>
  return %p, %row : tensor<4x8xf32>, tensor<8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>

// A transpose is not elementwise in the input's layout: not fused.
// CHECK-LABEL: func.func @transpose
// CHECK: %[[G:.+]] = linalg.generic
// CHECK: tensor.extract_slice %[[G]]
func.func @transpose(%a: tensor<8x8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8x8xf32>
  %p = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<8x8xf32>) outs(%e : tensor<8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<8x8xf32>
  %row = tensor.extract_slice %p[1, 0] [1, 8] [1, 1] : tensor<8x8xf32> to tensor<8xf32>
  return %row : tensor<8xf32>
}
