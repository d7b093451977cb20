// RUN: plstm-opt %s --plstm-gpu-row-buffers --split-input-file | FileCheck %s
//
// plstm-gpu-row-buffers (codegen/GPURowBlocks.cpp): the buffers of a batch
// row (one iteration of the rows scf.parallel) become row-long, so that the
// block-per-row GPU mapping allocates each once per row.

// A state carried by an scf.for: one buffer, allocated at the row's start,
// that the loop updates in place (a copy at the end of the iteration); the
// per-step allocation moves to the row's start too.
// CHECK-LABEL: func.func @state
// CHECK: scf.parallel
// CHECK-DAG: %[[STEP:.*]] = memref.alloc() : memref<4xf32>
// CHECK-DAG: %[[STATE:.*]] = memref.alloc() : memref<4xf32>
// CHECK: %[[INIT:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.copy %[[INIT]], %[[STATE]]
// CHECK: scf.for
// CHECK-NOT: memref.alloc
// CHECK: memref.copy %[[STATE]], %[[STEP]]
// CHECK: memref.copy %[[STEP]], %[[STATE]]
// CHECK: scf.yield %[[STATE]]
// CHECK: memref.copy %[[STATE]], %{{.*}} : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
// CHECK: plstm.row_buffers
func.func @state(%out: memref<?x4xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %out, %c0 : memref<?x4xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %init = memref.alloc() : memref<4xf32>
    %final = scf.for %i = %c0 to %n step %c1 iter_args(%s = %init) -> (memref<4xf32>) {
      %next = memref.alloc() : memref<4xf32>
      memref.copy %s, %next : memref<4xf32> to memref<4xf32>
      scf.yield %next : memref<4xf32>
    }
    %row = memref.subview %out[%r, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.copy %final, %row : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
    scf.reduce
  }
  return
}

// -----

// A loop that updates its buffer in place keeps it: no copy.
// CHECK-LABEL: func.func @in_place
// CHECK: %[[INIT:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NOT: memref.copy %[[INIT]]
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %[[INIT]]
// CHECK: plstm.row_buffers
func.func @in_place(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    %init = memref.alloc() : memref<4xf32>
    %final = scf.for %i = %c0 to %n step %c1 iter_args(%s = %init) -> (memref<4xf32>) {
      memref.store %f, %s[%c0] : memref<4xf32>
      scf.yield %s : memref<4xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Two states swapped every step: one buffer each, copied in sequence, would
// lose the swap. The row is left as it is (not marked: the thread-per-row
// mapping takes it).
// CHECK-LABEL: func.func @swap
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: plstm.row_buffers
func.func @swap(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    %a = memref.alloc() : memref<4xf32>
    %b = memref.alloc() : memref<4xf32>
    %f:2 = scf.for %i = %c0 to %n step %c1 iter_args(%x = %a, %y = %b) -> (memref<4xf32>, memref<4xf32>) {
      scf.yield %y, %x : memref<4xf32>, memref<4xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A dynamic shape: the buffer is sized from the initial value, and each
// iteration asserts that the carried value kept those sizes.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[INIT:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: %[[D:.*]] = memref.dim %[[INIT]], %c0
// CHECK: %[[STATE:.*]] = memref.alloc(%[[D]]) : memref<?xf32>
// CHECK: scf.for
// CHECK: cf.assert %{{.*}}, "plstm: a loop-carried buffer changed its size"
// CHECK: memref.copy %{{.*}}, %[[STATE]]
// CHECK: plstm.row_buffers
func.func @dynamic(%n: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    %init = memref.alloc(%m) : memref<?xf32>
    %final = scf.for %i = %c0 to %n step %c1 iter_args(%s = %init) -> (memref<?xf32>) {
      %d = memref.dim %s, %c0 : memref<?xf32>
      %next = memref.alloc(%d) : memref<?xf32>
      memref.copy %s, %next : memref<?xf32> to memref<?xf32>
      scf.yield %next : memref<?xf32>
    }
    scf.reduce
  }
  return
}
