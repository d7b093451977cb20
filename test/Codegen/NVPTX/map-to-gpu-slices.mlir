// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64 prefetch=false shared-bytes=0" | FileCheck %s
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp): a row buffer
// that becomes a slice of a larger buffer (here the launch scratch: no
// shared memory) is marked plstm.gpu_slice, and the barrier rules
// (removeUnneededBarriers) take it as a buffer of its own, disjoint from
// the other slices. Three elementwise ops over 8 x 8: a = x * 2 (1),
// b = y transposed (2: no element of a), out = a transposed + b (3: another
// thread's element of a). The barrier between (1) and (2) goes (before,
// a and b were one buffer, the launch scratch: it stayed); the one before
// (3) stays.
// CHECK-LABEL: func.func @slices
// CHECK-DAG: memref.view {{.*}} {plstm.gpu_slice}
// CHECK-DAG: memref.view {{.*}} {plstm.gpu_slice}
// CHECK: %[[YS:subview[_0-9]*]] = memref.subview %arg1
// CHECK: gpu.barrier
// CHECK: arith.mulf
// CHECK-NOT: gpu.barrier
// CHECK: memref.load %[[YS]]
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: arith.addf
#id = affine_map<(i, j) -> (i, j)>
#tr = affine_map<(i, j) -> (j, i)>
func.func @slices(%x: memref<?x8x8xf32>, %y: memref<?x8x8xf32>, %out: memref<?x8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x8x8xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<8x8xf32>
    %b = memref.alloc() : memref<8x8xf32>
    %xs = memref.subview %x[%r, 0, 0] [1, 8, 8] [1, 1, 1] : memref<?x8x8xf32> to memref<8x8xf32, strided<[8, 1], offset: ?>>
    %ys = memref.subview %y[%r, 0, 0] [1, 8, 8] [1, 1, 1] : memref<?x8x8xf32> to memref<8x8xf32, strided<[8, 1], offset: ?>>
    %os = memref.subview %out[%r, 0, 0] [1, 8, 8] [1, 1, 1] : memref<?x8x8xf32> to memref<8x8xf32, strided<[8, 1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%xs : memref<8x8xf32, strided<[8, 1], offset: ?>>) outs(%a : memref<8x8xf32>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %two : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
        ins(%ys : memref<8x8xf32, strided<[8, 1], offset: ?>>) outs(%b : memref<8x8xf32>) {
    ^bb0(%p: f32, %o: f32):
      linalg.yield %p : f32
    }
    linalg.generic {indexing_maps = [#tr, #id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%a, %b : memref<8x8xf32>, memref<8x8xf32>) outs(%os : memref<8x8xf32, strided<[8, 1], offset: ?>>) {
    ^bb0(%p: f32, %q: f32, %o: f32):
      %m = arith.addf %p, %q : f32
      linalg.yield %m : f32
    }
    memref.dealloc %a : memref<8x8xf32>
    memref.dealloc %b : memref<8x8xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}
