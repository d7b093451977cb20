// RUN: plstm-opt %s --plstm-gpu-outputs-in-place --split-input-file | FileCheck %s
//
// plstm-gpu-outputs-in-place (codegen/GPUPipeline.cpp): an elementwise
// linalg.generic into a tensor.empty that reads an input of the same type
// at the identity map, used by nothing else, writes into that input (one
// buffer updated in place after bufferization, not a new one and copies).
// A loop's carried tensor is taken before another input; a slice of a
// larger tensor never.

// The DAG's edge term in a loop over the incoming states: acc + t * C * k,
// C a slice of the states, k computed in the loop. The init becomes acc
// (through its reshape), not C nor k.
// CHECK-LABEL: func.func @edge_terms
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<4x4x1xf32>)
// CHECK: %[[C:.*]] = tensor.extract_slice
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[ACC]]
// CHECK-NOT: tensor.empty
// CHECK: %[[K:.*]] = arith.negf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[C]], %[[K]], %[[FLAT]] : {{.*}}) outs(%[[FLAT]] : tensor<4x4xf32>)
#scalar = affine_map<(i, j) -> ()>
#id = affine_map<(i, j) -> (i, j)>
func.func @edge_terms(%states: tensor<?x4x4xf32>, %t: tensor<f32>, %acc0: tensor<4x4x1xf32>, %n: index, %k: tensor<4x4xf32>) -> tensor<4x4x1xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %acc0) -> (tensor<4x4x1xf32>) {
    %c = tensor.extract_slice %states[%i, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<?x4x4xf32> to tensor<4x4xf32>
    %flat = tensor.collapse_shape %acc [[0], [1, 2]] : tensor<4x4x1xf32> into tensor<4x4xf32>
    %kk = arith.negf %k : tensor<4x4xf32>
    %e = tensor.empty() : tensor<4x4xf32>
    %s = linalg.generic {indexing_maps = [#scalar, #id, #id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%t, %c, %kk, %flat : tensor<f32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
    ^bb0(%tv: f32, %cv: f32, %kv: f32, %av: f32, %o: f32):
      %m0 = arith.mulf %tv, %cv : f32
      %m = arith.mulf %m0, %kv : f32
      %a = arith.addf %av, %m : f32
      linalg.yield %a : f32
    } -> tensor<4x4xf32>
    %next = tensor.expand_shape %s [[0], [1, 2]] output_shape [4, 4, 1] : tensor<4x4xf32> into tensor<4x4x1xf32>
    scf.yield %next : tensor<4x4x1xf32>
  }
  return %r : tensor<4x4x1xf32>
}

// -----

// Left as they are: an input with another use (%x, returned too), an input
// read transposed, a slice of a larger tensor, and a body that reads the
// empty init.
// CHECK-LABEL: func.func @kept
// CHECK: %[[E1:.*]] = tensor.empty()
// CHECK: outs(%[[E1]] :
// CHECK: %[[E2:.*]] = tensor.empty()
// CHECK: outs(%[[E2]] :
// CHECK: %[[E3:.*]] = tensor.empty()
// CHECK: outs(%[[E3]] :
// CHECK: %[[E4:.*]] = tensor.empty()
// CHECK: outs(%[[E4]] :
#id = affine_map<(i, j) -> (i, j)>
#tr = affine_map<(i, j) -> (j, i)>
func.func @kept(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>, %big: tensor<8x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %e1 = tensor.empty() : tensor<4x4xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x4xf32>) outs(%e1 : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.mulf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %b = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.mulf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  %s = tensor.extract_slice %big[0, 0] [4, 4] [1, 1] : tensor<8x4xf32> to tensor<4x4xf32>
  %e3 = tensor.empty() : tensor<4x4xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<4x4xf32>) outs(%e3 : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.mulf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  %z = arith.addf %a, %a : tensor<4x4xf32>
  %e4 = tensor.empty() : tensor<4x4xf32>
  %d = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%z : tensor<4x4xf32>) outs(%e4 : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.addf %v, %o : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  return %a, %b, %c, %d, %x : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// A function's argument is the caller's buffer: never written, even used
// once. One tensor.empty shared by two ops (as CSE leaves them): both write
// into their input, the empty goes once.
// CHECK-LABEL: func.func @argument_and_shared
// CHECK: %[[E:.*]] = tensor.empty()
// CHECK: outs(%[[E]] :
// CHECK: %[[N1:.*]] = arith.negf %arg1
// CHECK: %[[N2:.*]] = arith.negf %arg1
// CHECK-NOT: tensor.empty
// CHECK: ins(%[[N1]] : tensor<4x4xf32>) outs(%[[N1]] :
// CHECK: ins(%[[N2]] : tensor<4x4xf32>) outs(%[[N2]] :
#id = affine_map<(i, j) -> (i, j)>
func.func @argument_and_shared(%x: tensor<4x4xf32>, %y: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %e0 = tensor.empty() : tensor<4x4xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x4xf32>) outs(%e0 : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.mulf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  %n1 = arith.negf %y : tensor<4x4xf32>
  %n2 = arith.negf %y : tensor<4x4xf32>
  %e = tensor.empty() : tensor<4x4xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%n1 : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.mulf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%n2 : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.addf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  return %a, %b, %c : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}
