// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64 prefetch=false" --canonicalize --split-input-file | FileCheck %s
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp,
// mapScalarLoop): a loop of scalar code (loads, stores, nested loops; no
// linalg op) whose stores write no buffer its loads read runs between one
// barrier before it and one after it, none inside (a store inside used to
// sit between two barriers of its own at every step). With independent
// steps (no loop-carried value; each buffer written through one view at
// indices one of which is the induction variable) the threads share the
// steps; otherwise every thread runs the loop and thread 0 stores.

// A scan (a loop-carried product): every thread runs it, thread 0 stores,
// no barrier inside.
// CHECK-LABEL: func.func @scan
// CHECK: gpu.launch {{.*}} threads(%[[T:[a-z0-9_]+]],
// CHECK: gpu.barrier
// CHECK-NEXT: scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(
// CHECK-NOT: gpu.barrier
// CHECK: %[[Z:.*]] = arith.cmpi eq, %[[T]], %c0 : index
// CHECK-NEXT: scf.if %[[Z]] {
// CHECK-NEXT: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
func.func @scan(%a: memref<?x16xf32>, %y: memref<?x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %a, %c0 : memref<?x16xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %p = memref.alloc() : memref<16xf32>
    %last = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %one) -> (f32) {
      %x = memref.load %a[%r, %i] : memref<?x16xf32>
      %n = arith.mulf %x, %acc : f32
      memref.store %n, %p[%i] : memref<16xf32>
      scf.yield %n : f32
    }
    %ys = memref.subview %y[%r, 0] [1, 16] [1, 1] : memref<?x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    memref.copy %p, %ys : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
    memref.dealloc %p : memref<16xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// A decay matrix (column j: a product down the rows below the diagonal):
// the steps over j are independent, each thread takes j = t, t + 64, ...
// and stores its own elements.
// CHECK-LABEL: func.func @decay
// CHECK: gpu.launch {{.*}} threads(%[[T:[a-z0-9_]+]],
// CHECK: scf.for %{{.*}} = %[[T]] to %c256 step %c64 {
// CHECK: gpu.barrier
// CHECK-NEXT: scf.for %[[J:.*]] = %[[T]] to %c16 step %c64 {
// CHECK-NOT: gpu.barrier
// CHECK-NOT: scf.if
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[J]], %[[J]]]
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c16 step %c1 iter_args(
// CHECK-NOT: scf.if
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
// CHECK: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
func.func @decay(%a: memref<?x16xf32>, %b: memref<?x16xf32>, %y: memref<?x16x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %rows = memref.dim %a, %c0 : memref<?x16xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %g = memref.alloc() : memref<16x16xf32>
    linalg.fill ins(%zero : f32) outs(%g : memref<16x16xf32>)
    scf.for %j = %c0 to %c16 step %c1 {
      %bj = memref.load %b[%r, %j] : memref<?x16xf32>
      memref.store %bj, %g[%j, %j] : memref<16x16xf32>
      %j1 = arith.addi %j, %c1 : index
      %end = scf.for %i = %j1 to %c16 step %c1 iter_args(%acc = %bj) -> (f32) {
        %x = memref.load %a[%r, %i] : memref<?x16xf32>
        %n = arith.mulf %x, %acc : f32
        memref.store %n, %g[%i, %j] : memref<16x16xf32>
        scf.yield %n : f32
      }
    }
    %ys = memref.subview %y[%r, 0, 0] [1, 16, 16] [1, 1, 1] : memref<?x16x16xf32> to memref<16x16xf32, strided<[16, 1], offset: ?>>
    memref.copy %g, %ys : memref<16x16xf32> to memref<16x16xf32, strided<[16, 1], offset: ?>>
    memref.dealloc %g : memref<16x16xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// A loop that reads what it writes (p[i] from p[i - 1]) runs in thread 0
// alone, between two barriers, none inside (mapSerialLoop; before, each
// store had two barriers of its own at every step).
// CHECK-LABEL: func.func @reads_its_writes
// CHECK: gpu.launch {{.*}} threads(%[[T:[a-z0-9_]+]],
// CHECK: memref.store %cst
// CHECK: gpu.barrier
// CHECK-NEXT: %[[ZERO:.*]] = arith.cmpi eq, %[[T]], %c0
// CHECK-NEXT: scf.if %[[ZERO]] {
// CHECK-NEXT: scf.for
// CHECK-NOT: gpu.barrier
// CHECK: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
func.func @reads_its_writes(%a: memref<?x16xf32>, %y: memref<?x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %a, %c0 : memref<?x16xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %p = memref.alloc() : memref<16xf32>
    linalg.fill ins(%one : f32) outs(%p : memref<16xf32>)
    scf.for %i = %c1 to %c16 step %c1 {
      %i0 = arith.subi %i, %c1 : index
      %prev = memref.load %p[%i0] : memref<16xf32>
      %x = memref.load %a[%r, %i] : memref<?x16xf32>
      %n = arith.mulf %x, %prev : f32
      memref.store %n, %p[%i] : memref<16xf32>
    }
    %ys = memref.subview %y[%r, 0] [1, 16] [1, 1] : memref<?x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    memref.copy %p, %ys : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
    memref.dealloc %p : memref<16xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// Steps that are not independent: one buffer written through two views
// (q[i] and its reverse view at i), and a store at a fixed index (every
// step writes s[0]). Every thread runs them, thread 0 stores, no barrier
// inside.
// CHECK-LABEL: func.func @dependent_steps
// CHECK: gpu.launch {{.*}} threads(%[[T:[a-z0-9_]+]],
// CHECK: gpu.barrier
// CHECK-NEXT: scf.for %{{.*}} = %c0 to %c8 step %c1 {
// CHECK-NOT: gpu.barrier
// CHECK: arith.cmpi eq, %[[T]], %c0
// CHECK: memref.store
// CHECK: arith.cmpi eq, %[[T]], %c0
// CHECK: memref.store {{.*}} : memref<8xf32
// CHECK-NEXT: }
// CHECK-NEXT: }
// (No barrier between the loops: they share no buffer.)
// CHECK-NEXT: scf.for %{{.*}} = %c0 to %c16 step %c1 {
// CHECK-NOT: gpu.barrier
// CHECK: arith.cmpi eq, %[[T]], %c0
// CHECK: memref.store {{.*}} : memref<1xf32>
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
func.func @dependent_steps(%a: memref<?x16xf32>, %y: memref<?x16xf32>, %z: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c15 = arith.constant 15 : index
  %c16 = arith.constant 16 : index
  %rows = memref.dim %a, %c0 : memref<?x16xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %q = memref.alloc() : memref<16xf32>
    %s = memref.alloc() : memref<1xf32>
    %hi = memref.subview %q[8] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 8>>
    scf.for %i = %c0 to %c8 step %c1 {
      %x = memref.load %a[%r, %i] : memref<?x16xf32>
      memref.store %x, %q[%i] : memref<16xf32>
      memref.store %x, %hi[%i] : memref<8xf32, strided<[1], offset: 8>>
    }
    scf.for %i = %c0 to %c16 step %c1 {
      %x = memref.load %a[%r, %i] : memref<?x16xf32>
      memref.store %x, %s[%c0] : memref<1xf32>
    }
    %ys = memref.subview %y[%r, 0] [1, 16] [1, 1] : memref<?x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    memref.copy %q, %ys : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
    %v = memref.load %s[%c0] : memref<1xf32>
    memref.store %v, %z[%r] : memref<?xf32>
    memref.dealloc %q : memref<16xf32>
    memref.dealloc %s : memref<1xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// A serial loop with a result (a count of the positive elements of a,
// kept in c): thread 0 runs it and stores the result in workgroup memory;
// after the barrier every thread loads it (here for the store of thread 0).
// The store of c = 0 before the loop is thread 0's too: no barrier between
// them (removeUnneededBarriers: the same thread).
// CHECK-LABEL: func.func @serial_result
// CHECK: gpu.launch {{.*}} threads(%[[T:[a-z0-9_]+]],
// CHECK-SAME: workgroup(%[[SLOT:[a-z0-9_]+]] : memref<1xindex, #gpu.address_space<workgroup>>
// CHECK: %[[CAST:.*]] = memref.memory_space_cast %[[SLOT]]
// CHECK: scf.if
// CHECK-NEXT: memref.store %c0
// CHECK-NEXT: }
// CHECK-NOT: gpu.barrier
// CHECK: scf.if
// CHECK-NEXT: %[[N:.*]] = scf.for
// CHECK-NOT: gpu.barrier
// CHECK: memref.store %[[N]], %[[CAST]][%c0]
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[SHARED:.*]] = memref.load %[[CAST]][%c0]
// CHECK: memref.store %[[SHARED]]
func.func @serial_result(%a: memref<?x16xf32>, %n: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %rows = memref.dim %a, %c0 : memref<?x16xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %c = memref.alloc() : memref<1xindex>
    memref.store %c0, %c[%c0] : memref<1xindex>
    %count = scf.for %i = %c0 to %c16 step %c1 iter_args(%k = %c0) -> (index) {
      %x = memref.load %a[%r, %i] : memref<?x16xf32>
      %positive = arith.cmpf ogt, %x, %zero : f32
      %old = memref.load %c[%c0] : memref<1xindex>
      %new = arith.addi %old, %c1 : index
      %next = arith.select %positive, %new, %old : index
      memref.store %next, %c[%c0] : memref<1xindex>
      scf.yield %next : index
    }
    memref.store %count, %n[%r] : memref<?xindex>
    memref.dealloc %c : memref<1xindex>
    scf.reduce
  } {plstm.row_buffers}
  return
}
