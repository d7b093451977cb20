// RUN: plstm-opt %s --plstm-gpu-fuse-elementwise --split-input-file | FileCheck %s
//
// plstm-gpu-fuse-elementwise (codegen/GPUPipeline.cpp): an elementwise
// linalg.generic with one use, in the consumer's block, whose body reads no
// output and has at most 2 arith ops, is computed inside its consumer (the
// sequential step's query scale inside the read-out: no pass and barrier of
// its own on the GPU).

// The scale q * s fused into y[v] = sum_k q[k] * c[k, v].
// CHECK-LABEL: func.func @scale_into_readout
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
#qk = affine_map<(v, k) -> (k)>
#ckv = affine_map<(v, k) -> (k, v)>
#yv = affine_map<(v, k) -> (v)>
#id = affine_map<(i) -> (i)>
func.func @scale_into_readout(%q: tensor<8xf32>, %c: tensor<8x4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %s = arith.constant 0.125 : f32
  %e = tensor.empty() : tensor<8xf32>
  %qs = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%q : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#qk, #ckv, #yv], iterator_types = ["parallel", "reduction"]}
      ins(%qs, %c : tensor<8xf32>, tensor<8x4xf32>) outs(%y : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %n = arith.addf %o, %m : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A producer that reads its output (acc + x): fused, linalg would keep that
// output in the fused op, updated once per element of the consumer's other
// dims (4 times here). Not fused.
// CHECK-LABEL: func.func @reads_its_output
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel"]
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
#qk = affine_map<(v, k) -> (k)>
#ckv = affine_map<(v, k) -> (k, v)>
#yv = affine_map<(v, k) -> (v)>
#id = affine_map<(i) -> (i)>
func.func @reads_its_output(%q: tensor<8xf32>, %acc: tensor<8xf32>, %c: tensor<8x4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %qs = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%q : tensor<8xf32>) outs(%acc : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %o, %a : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#qk, #ckv, #yv], iterator_types = ["parallel", "reduction"]}
      ins(%qs, %c : tensor<8xf32>, tensor<8x4xf32>) outs(%y : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %n = arith.addf %o, %m : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// An expensive producer (rsqrt: a math op) is not recomputed per use.
// CHECK-LABEL: func.func @expensive
// CHECK: math.rsqrt
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
#qk = affine_map<(v, k) -> (k)>
#ckv = affine_map<(v, k) -> (k, v)>
#yv = affine_map<(v, k) -> (v)>
#id = affine_map<(i) -> (i)>
func.func @expensive(%q: tensor<8xf32>, %c: tensor<8x4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %qs = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%q : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = math.rsqrt %a : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#qk, #ckv, #yv], iterator_types = ["parallel", "reduction"]}
      ins(%qs, %c : tensor<8xf32>, tensor<8x4xf32>) outs(%y : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %n = arith.addf %o, %m : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}
