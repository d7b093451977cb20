// RUN: plstm-opt %s --plstm-elide-read-only-copies --split-input-file | FileCheck %s

// The state carried by a loop, copied (what collapse_shape's bufferization
// makes) and only read; the new state goes to a fresh buffer: the reads
// take the iter_arg itself.
// CHECK-LABEL: func.func @loop_state
// CHECK: scf.for {{.*}} iter_args(%[[S:.+]] = %{{.+}})
// CHECK-NOT: memref.copy
// CHECK:   memref.collapse_shape %[[S]]
// CHECK:   linalg.generic {{.*}} ins(%{{.+}} : memref<4x4xf32>) outs(%{{.+}} : memref<4x4xf32>)
func.func @loop_state(%n: index, %init: memref<4x4x1xf32>) -> memref<4x4x1xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %init) -> (memref<4x4x1xf32>) {
    %a = memref.alloc() : memref<4x4x1xf32>
    memref.copy %s, %a : memref<4x4x1xf32> to memref<4x4x1xf32>
    %c = memref.collapse_shape %a [[0], [1, 2]] : memref<4x4x1xf32> into memref<4x4xf32>
    %next = memref.alloc() : memref<4x4x1xf32>
    %nc = memref.collapse_shape %next [[0], [1, 2]] : memref<4x4x1xf32> into memref<4x4xf32>
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                    iterator_types = ["parallel", "parallel"]}
        ins(%c : memref<4x4xf32>) outs(%nc : memref<4x4xf32>) {
    ^bb0(%x: f32, %y: f32):
      %z = arith.addf %x, %x : f32
      linalg.yield %z : f32
    }
    scf.yield %next : memref<4x4x1xf32>
  }
  return %r : memref<4x4x1xf32>
}

// -----

// The source is written after the copy (the state updated in place): the
// copy holds the old values and stays.
// CHECK-LABEL: func.func @source_written_after
// CHECK: memref.copy
func.func @source_written_after(%n: index, %init: memref<4xf32>, %out: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %init) -> (memref<4xf32>) {
    %a = memref.alloc() : memref<4xf32>
    memref.copy %s, %a : memref<4xf32> to memref<4xf32>
    memref.store %f, %s[%c0] : memref<4xf32>
    %v = memref.load %a[%c0] : memref<4xf32>
    memref.store %v, %out[%i] : memref<4xf32>
    scf.yield %s : memref<4xf32>
  }
  return %r : memref<4xf32>
}

// -----

// The buffer the iter_arg starts from is written in the loop (the first
// iteration's state): the copy stays.
// CHECK-LABEL: func.func @init_written_in_loop
// CHECK: memref.copy
func.func @init_written_in_loop(%n: index, %out: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  %init = memref.alloc() : memref<4xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %init) -> (memref<4xf32>) {
    %a = memref.alloc() : memref<4xf32>
    memref.copy %s, %a : memref<4xf32> to memref<4xf32>
    memref.store %f, %init[%c0] : memref<4xf32>
    %v = memref.load %a[%c0] : memref<4xf32>
    memref.store %v, %out[%i] : memref<4xf32>
    %next = memref.alloc() : memref<4xf32>
    scf.yield %next : memref<4xf32>
  }
  return %r : memref<4xf32>
}

// -----

// The copy is written (it is a new buffer, not a view) or yielded (it lives
// on after the block): it stays.
// CHECK-LABEL: func.func @copy_written
// CHECK: memref.copy
// CHECK-LABEL: func.func @copy_yielded
// CHECK: memref.copy
func.func @copy_written(%src: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4xf32>
  memref.copy %src, %a : memref<4xf32> to memref<4xf32>
  memref.store %f, %a[%c0] : memref<4xf32>
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}
func.func @copy_yielded(%n: index, %init: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %init) -> (memref<4xf32>) {
    %a = memref.alloc() : memref<4xf32>
    memref.copy %s, %a : memref<4xf32> to memref<4xf32>
    scf.yield %a : memref<4xf32>
  }
  return %r : memref<4xf32>
}

// -----

// An op with unknown effects after the copy (a call) keeps it; so does a
// layout change (the copy makes the source contiguous).
// CHECK-LABEL: func.func @unknown_call
// CHECK: memref.copy
// CHECK-LABEL: func.func @layout_change
// CHECK: memref.copy
func.func private @opaque(memref<4xf32>)
func.func @unknown_call(%src: memref<4xf32>, %other: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<4xf32>
  memref.copy %src, %a : memref<4xf32> to memref<4xf32>
  func.call @opaque(%other) : (memref<4xf32>) -> ()
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}
func.func @layout_change(%src: memref<4xf32, strided<[2]>>) -> f32 {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<4xf32>
  memref.copy %src, %a : memref<4xf32, strided<[2]>> to memref<4xf32>
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}

// -----

// Writes to other buffers (fresh ones, another argument) do not matter.
// CHECK-LABEL: func.func @other_writes
// CHECK-NOT: memref.copy
// CHECK: memref.load %arg0
func.func @other_writes(%src: memref<4xf32>, %out: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4xf32>
  memref.copy %src, %a : memref<4xf32> to memref<4xf32>
  memref.store %f, %out[%c0] : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  memref.store %f, %b[%c0] : memref<4xf32>
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}

// -----

// Two iter_args carry the same fresh buffer from the second iteration on:
// a write through the other one writes the source, so the copy stays
// (fresh allocations of the loop count as distinct from the source only
// when not reached through an iter_arg of the loop).
// CHECK-LABEL: func.func @shared_fresh
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4xf32> to memref<4xf32>
// CHECK: memref.store
func.func @shared_fresh(%n: index, %A: memref<4xf32>, %B: memref<4xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%s = %A, %u = %B) -> (memref<4xf32>, memref<4xf32>) {
    %a = memref.alloc() : memref<4xf32>
    memref.copy %s, %a : memref<4xf32> to memref<4xf32>
    memref.store %f, %u[%c0] : memref<4xf32>
    %v = memref.load %a[%c0] : memref<4xf32>
    memref.store %v, %out[%i] : memref<?xf32>
    %next = memref.alloc() : memref<4xf32>
    memref.copy %a, %next : memref<4xf32> to memref<4xf32>
    scf.yield %next, %next : memref<4xf32>, memref<4xf32>
  }
  return
}

// -----

// A reader in another block of the region: the walk after the copy would
// not see the write before it, so the copy stays.
// CHECK-LABEL: func.func @other_block
// CHECK: memref.copy
func.func @other_block(%src: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4xf32>
  memref.copy %src, %a : memref<4xf32> to memref<4xf32>
  cf.br ^bb1
^bb1:
  memref.store %f, %src[%c0] : memref<4xf32>
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}
