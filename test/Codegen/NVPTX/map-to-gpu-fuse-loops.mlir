// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64 prefetch=false" --canonicalize --split-input-file | FileCheck %s
//
// plstm-map-to-gpu (codegen/GPURowBlocks.cpp, fuseThreadLoops and
// eraseUnreadBuffers): distributed ops one after the other with no barrier
// between them and the same iterations become one loop over the block's
// threads; the loads of what the loop stored earlier take the stored value,
// and a buffer of the launch that nothing then reads loses its stores, and
// with them its allocation. With 64 threads, each thread runs 64 iterations
// of a 4096-element op: the fusion must not run a later iteration's store
// after a load of the same element.

// t = x * 2, then y = t + 1: one loop that never stores t; t (16 KiB, in
// workgroup memory) is not stored at all, and no barrier is left between.
// CHECK-LABEL: func.func @fuse_chain
// CHECK: gpu.launch
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c4096 step %c64 {
// CHECK-NEXT: %[[X:.*]] = memref.load %{{.*}}[%[[I]]]
// CHECK-NEXT: %[[T:.*]] = arith.mulf %[[X]], %cst
// CHECK-NEXT: %[[Y:.*]] = arith.addf %[[T]], %cst_0
// CHECK-NEXT: memref.store %[[Y]], %{{.*}}[%[[I]]]
// CHECK-NEXT: }
// CHECK-NOT: scf.for
// CHECK-NOT: memref.store
// CHECK: gpu.terminator
func.func @fuse_chain(%x: memref<?x4096xf32>, %y: memref<?x4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x4096xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.alloc() : memref<4096xf32>
    %xs = memref.subview %x[%r, 0] [1, 4096] [1, 1] : memref<?x4096xf32> to memref<4096xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, 4096] [1, 1] : memref<?x4096xf32> to memref<4096xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%xs : memref<4096xf32, strided<[1], offset: ?>>) outs(%t : memref<4096xf32>) {
    ^bb0(%a: f32, %o: f32):
      %m = arith.mulf %a, %two : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%t : memref<4096xf32>) outs(%ys : memref<4096xf32, strided<[1], offset: ?>>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %one : f32
      linalg.yield %s : f32
    }
    memref.dealloc %t : memref<4096xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// t[i mod 64] = x[i] * 2 over 4096 iterations (each thread writes its own
// element of t, once per iteration), then y[i] = t[i mod 64] + 1: the same
// memref and indices, no barrier between, but fused, y would read the
// element its own iteration wrote, not the one the last iteration left:
// the two loops stay.
// CHECK-LABEL: func.func @later_iteration
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: scf.for
// CHECK: memref.load
// CHECK: gpu.terminator
func.func @later_iteration(%x: memref<?x4096xf32>, %y: memref<?x4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x4096xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.alloc() : memref<64xf32>
    %xs = memref.subview %x[%r, 0] [1, 4096] [1, 1] : memref<?x4096xf32> to memref<4096xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, 4096] [1, 1] : memref<?x4096xf32> to memref<4096xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i mod 64)>], iterator_types = ["parallel"]}
        ins(%xs : memref<4096xf32, strided<[1], offset: ?>>) outs(%t : memref<64xf32>) {
    ^bb0(%a: f32, %o: f32):
      %m = arith.mulf %a, %two : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [affine_map<(i) -> (i mod 64)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%t : memref<64xf32>) outs(%ys : memref<4096xf32, strided<[1], offset: ?>>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %one : f32
      linalg.yield %s : f32
    }
    memref.dealloc %t : memref<64xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// t = x * 2; z = w + 1 (64 elements, other buffers); y = t + 1: the third
// op fuses with the first past the second, which runs after them.
// CHECK-LABEL: func.func @past_other_op
// CHECK: gpu.launch
// CHECK: scf.for %{{.*}} to %c4096 step %c64 {
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: scf.for %{{.*}} to %c64 step %c64 {
// CHECK-NOT: scf.for
// CHECK: gpu.terminator
func.func @past_other_op(%x: memref<?x4096xf32>, %y: memref<?x4096xf32>, %w: memref<?x64xf32>, %z: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x4096xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.alloc() : memref<4096xf32>
    %xs = memref.subview %x[%r, 0] [1, 4096] [1, 1] : memref<?x4096xf32> to memref<4096xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, 4096] [1, 1] : memref<?x4096xf32> to memref<4096xf32, strided<[1], offset: ?>>
    %ws = memref.subview %w[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %zs = memref.subview %z[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%xs : memref<4096xf32, strided<[1], offset: ?>>) outs(%t : memref<4096xf32>) {
    ^bb0(%a: f32, %o: f32):
      %m = arith.mulf %a, %two : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%ws : memref<64xf32, strided<[1], offset: ?>>) outs(%zs : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %one : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%t : memref<4096xf32>) outs(%ys : memref<4096xf32, strided<[1], offset: ?>>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %one : f32
      linalg.yield %s : f32
    }
    memref.dealloc %t : memref<4096xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// A launch in a host loop (the chunk grid's wavefronts): t (64 KiB) fits
// neither in workgroup memory nor in a launch scratch, and goes on the
// device heap: thread 0's malloc, its check, a pointer slot, its free. Once
// nothing reads t, all of that goes too.
// CHECK-LABEL: func.func @heap_buffer
// CHECK: gpu.launch
// CHECK-NOT: memref.alloc
// CHECK-NOT: cf.assert
// CHECK: scf.for %{{.*}} to %c16384 step %c64 {
// CHECK-NEXT: memref.load
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: memref.store
// CHECK-NEXT: }
// CHECK-NOT: scf.for
// CHECK-NOT: memref.dealloc
// CHECK: gpu.terminator
func.func @heap_buffer(%x: memref<?x2x16384xf32>, %y: memref<?x2x16384xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x2x16384xf32>
  scf.for %q = %c0 to %c2 step %c1 {
    scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
      %t = memref.alloc() : memref<16384xf32>
      %xs = memref.subview %x[%r, %q, 0] [1, 1, 16384] [1, 1, 1] : memref<?x2x16384xf32> to memref<16384xf32, strided<[1], offset: ?>>
      %ys = memref.subview %y[%r, %q, 0] [1, 1, 16384] [1, 1, 1] : memref<?x2x16384xf32> to memref<16384xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
          ins(%xs : memref<16384xf32, strided<[1], offset: ?>>) outs(%t : memref<16384xf32>) {
      ^bb0(%a: f32, %o: f32):
        %m = arith.mulf %a, %two : f32
        linalg.yield %m : f32
      }
      linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
          ins(%t : memref<16384xf32>) outs(%ys : memref<16384xf32, strided<[1], offset: ?>>) {
      ^bb0(%a: f32, %o: f32):
        %s = arith.addf %a, %one : f32
        linalg.yield %s : f32
      }
      memref.dealloc %t : memref<16384xf32>
      scf.reduce
    } {plstm.row_buffers}
  }
  return
}

// -----

// A heap buffer sized by a value the row loads (its size load stands in
// the descriptor's chain after the pointer slot's load), written and never
// read: the malloc's guard, the slot and the free all go (the slot's load
// is found through the descriptor's pointer, not as the chain's last load:
// taking the size's load for it left the malloc without its free).
// CHECK-LABEL: func.func @heap_dynamic_size
// CHECK: gpu.launch
// CHECK-NOT: memref.alloc
// CHECK-NOT: cf.assert
// CHECK-NOT: memref.dealloc
// CHECK: gpu.terminator
func.func @heap_dynamic_size(%x: memref<?x4096xf32>, %y: memref<?x4096xf32>, %n: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x4096xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %len = memref.load %n[%r] : memref<?xindex>
    %t = memref.alloc(%len) : memref<?xf32>
    %xs = memref.subview %x[%r, 0] [1, %len] [1, 1] : memref<?x4096xf32> to memref<?xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, %len] [1, 1] : memref<?x4096xf32> to memref<?xf32, strided<[1], offset: ?>>
    linalg.fill ins(%two : f32) outs(%t : memref<?xf32>)
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%xs : memref<?xf32, strided<[1], offset: ?>>) outs(%ys : memref<?xf32, strided<[1], offset: ?>>) {
    ^bb0(%a: f32, %o: f32):
      %m = arith.mulf %a, %two : f32
      linalg.yield %m : f32
    }
    memref.dealloc %t : memref<?xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// A view with a stride of 0 names one element of t with many indices:
// each thread writes its element of t 64 times, then reads the last value.
// Elements are compared by their offsets (the type's strides), not their
// indices: the two loops stay.
// CHECK-LABEL: func.func @broadcast_view
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %{{.*}} : memref<64x64xf32, strided<[0, 1]>>
// CHECK-NEXT: }
// CHECK-NEXT: scf.for
// CHECK: memref.load %{{.*}} : memref<64x64xf32, strided<[0, 1]>>
// CHECK: gpu.terminator
func.func @broadcast_view(%x: memref<?x64x64xf32>, %y: memref<?x64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.alloc() : memref<64xf32>
    %v = memref.reinterpret_cast %t to offset: [0], sizes: [64, 64], strides: [0, 1] : memref<64xf32> to memref<64x64xf32, strided<[0, 1]>>
    %xs = memref.subview %x[%r, 0, 0] [1, 64, 64] [1, 1, 1] : memref<?x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
    %ys = memref.subview %y[%r, 0, 0] [1, 64, 64] [1, 1, 1] : memref<?x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
        ins(%xs : memref<64x64xf32, strided<[64, 1], offset: ?>>) outs(%v : memref<64x64xf32, strided<[0, 1]>>) {
    ^bb0(%a: f32, %o: f32):
      %m = arith.mulf %a, %two : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
        ins(%v : memref<64x64xf32, strided<[0, 1]>>) outs(%ys : memref<64x64xf32, strided<[64, 1], offset: ?>>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %one : f32
      linalg.yield %s : f32
    }
    memref.dealloc %t : memref<64xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// Two ops of different sizes, each at most one element a thread (64 and
// 32, 64 threads): one loop over 64, the shorter op's body in a guard.
// CHECK-LABEL: func.func @different_trips
// CHECK: gpu.launch
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c64 step %c64 {
// CHECK: arith.addf
// CHECK: memref.store
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[I]], %c32
// CHECK-NEXT: scf.if %[[IN]] {
// CHECK: arith.mulf
// CHECK: memref.store
// CHECK-NOT: scf.for
// CHECK: gpu.terminator
func.func @different_trips(%w: memref<?x64xf32>, %z: memref<?x64xf32>, %v: memref<?x32xf32>, %u: memref<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %w, %c0 : memref<?x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %ws = memref.subview %w[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %zs = memref.subview %z[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %vs = memref.subview %v[%r, 0] [1, 32] [1, 1] : memref<?x32xf32> to memref<32xf32, strided<[1], offset: ?>>
    %us = memref.subview %u[%r, 0] [1, 32] [1, 1] : memref<?x32xf32> to memref<32xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%ws : memref<64xf32, strided<[1], offset: ?>>) outs(%zs : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %one : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%vs : memref<32xf32, strided<[1], offset: ?>>) outs(%us : memref<32xf32, strided<[1], offset: ?>>) {
    ^bb0(%a: f32, %o: f32):
      %m = arith.mulf %a, %two : f32
      linalg.yield %m : f32
    }
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// A 64-element op, then t = x * 2 and y = t + 1 over 16: both short ops
// fuse into the 64-loop, each in a guard (i < 16); the two guards of one
// condition become one, where the load of t takes the stored value and t
// goes.
// CHECK-LABEL: func.func @guards_forward
// CHECK: scf.for %{{.*}} to %c64 step %c64 {
// CHECK: scf.if
// CHECK-NOT: scf.if
// CHECK-NOT: memory_space_cast
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: memref.store
// CHECK: gpu.terminator
func.func @guards_forward(%x: memref<?x16xf32>, %y: memref<?x16xf32>, %a: memref<?x32xf32>, %b: memref<?x32xf32>, %c: memref<?x64xf32>, %d: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x16xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %t = memref.alloc() : memref<16xf32>
    %xs = memref.subview %x[%r, 0] [1, 16] [1, 1] : memref<?x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, 16] [1, 1] : memref<?x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    %as = memref.subview %a[%r, 0] [1, 32] [1, 1] : memref<?x32xf32> to memref<32xf32, strided<[1], offset: ?>>
    %bs = memref.subview %b[%r, 0] [1, 32] [1, 1] : memref<?x32xf32> to memref<32xf32, strided<[1], offset: ?>>
    %cs = memref.subview %c[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %ds = memref.subview %d[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%cs : memref<64xf32, strided<[1], offset: ?>>) outs(%ds : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      %s = arith.addf %p, %one : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%xs : memref<16xf32, strided<[1], offset: ?>>) outs(%t : memref<16xf32>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %two : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%t : memref<16xf32>) outs(%ys : memref<16xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      %s = arith.addf %p, %one : f32
      linalg.yield %s : f32
    }
    memref.dealloc %t : memref<16xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}
