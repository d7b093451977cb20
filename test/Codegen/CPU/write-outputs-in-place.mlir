// RUN: plstm-opt %s --plstm-write-outputs-in-place --split-input-file | FileCheck %s

// An output built up in an allocation and copied whole into its output
// argument at the end (what one-shot bufferization makes of an output that
// loops build up from tensor.empty) is built up in the argument: no
// allocation, no copy, no dealloc.
// CHECK-LABEL: func.func @built_then_copied
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: memref<?x4xf32>, %[[OUT:[a-zA-Z0-9_]+]]: memref<?x4xf32>)
// CHECK-NOT: memref.alloc
// CHECK: scf.for
// CHECK:   memref.subview %[[OUT]]
// CHECK:   memref.copy %{{.+}}, %{{.+}} : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32, strided<[1], offset: ?>>
// CHECK-NOT: memref.copy
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @built_then_copied(%x: memref<?x4xf32>, %out: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x4xf32>
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
  scf.for %i = %c0 to %n step %c1 {
    %src = memref.subview %x[%i, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    %dst = memref.subview %a[%i, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.copy %src, %dst : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32, strided<[1], offset: ?>>
  }
  memref.copy %a, %out : memref<?x4xf32> to memref<?x4xf32>
  memref.dealloc %a : memref<?x4xf32>
  return
}

// -----

// The argument is also read before the copy: writing it earlier would
// change what that read sees. Kept.
// CHECK-LABEL: func.func @argument_read_before
// CHECK: memref.alloc
// CHECK: memref.copy %{{.+}}, %{{.+}} : memref<4xf32> to memref<4xf32>
func.func @argument_read_before(%out: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  %old = memref.load %out[%c0] : memref<4xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%f : f32) outs(%a : memref<4xf32>)
  memref.copy %a, %out : memref<4xf32> to memref<4xf32>
  return %old : f32
}

// -----

// The allocation is written after its copy into %out: %out must keep the
// value at that copy, so that copy stays. The copy into %other is the last
// use: %other takes the allocation's place.
// CHECK-LABEL: func.func @allocation_written_after
// CHECK-SAME: (%[[OUT:[a-zA-Z0-9_]+]]: memref<4xf32>, %[[OTHER:[a-zA-Z0-9_]+]]: memref<4xf32>)
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[OTHER]] : memref<4xf32>)
// CHECK: memref.copy %[[OTHER]], %[[OUT]]
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[OTHER]] : memref<4xf32>)
// CHECK-NOT: memref.copy
func.func @allocation_written_after(%out: memref<4xf32>, %other: memref<4xf32>) {
  %f = arith.constant 1.0 : f32
  %g = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%f : f32) outs(%a : memref<4xf32>)
  memref.copy %a, %out : memref<4xf32> to memref<4xf32>
  linalg.fill ins(%g : f32) outs(%a : memref<4xf32>)
  memref.copy %a, %other : memref<4xf32> to memref<4xf32>
  return
}

// -----

// A copy inside a loop (not the function's last word on the argument). Kept.
// CHECK-LABEL: func.func @copy_in_loop
// CHECK: memref.alloc
// CHECK: scf.for
// CHECK:   memref.copy %{{.+}}, %{{.+}} : memref<4xf32> to memref<4xf32>
func.func @copy_in_loop(%out: memref<4xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4xf32>
  scf.for %i = %c0 to %n step %c1 {
    linalg.fill ins(%f : f32) outs(%a : memref<4xf32>)
    memref.copy %a, %out : memref<4xf32> to memref<4xf32>
  }
  return
}

// -----

// A view of the allocation, taken before the copy, is written after it:
// the argument must keep the value at the copy. Kept.
// CHECK-LABEL: func.func @view_written_after
// CHECK: memref.alloc
// CHECK: memref.copy %{{.+}}, %{{.+}} : memref<4xf32> to memref<4xf32>
func.func @view_written_after(%out: memref<4xf32>) {
  %f = arith.constant 1.0 : f32
  %g = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<4xf32>
  %v = memref.subview %a[0] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1]>>
  linalg.fill ins(%f : f32) outs(%a : memref<4xf32>)
  memref.copy %a, %out : memref<4xf32> to memref<4xf32>
  linalg.fill ins(%g : f32) outs(%v : memref<2xf32, strided<[1]>>)
  return
}
