// RUN: plstm-opt %s --plstm-map-to-gpu="threads-per-row=64 prefetch=false" --split-input-file | FileCheck %s
//
// plstm-map-to-gpu, block per row (codegen/GPURowBlocks.cpp,
// removeUnneededBarriers): a barrier between two segments of one block
// (each from a barrier of that block to the next) is erased when they share
// no buffer one of them writes, other than through accesses each thread
// makes to its own elements (the same thread loop bounds, the same memref,
// the same indices of the loop's index). The race check of the emulated
// mapping (gpu-on-cpu-check.test) fails when the rule is wrong (every
// access taken as the same thread's: over a million races).

// Four elementwise ops over 64 elements: a = x * 2 (1), b = y * 3 (2: no
// buffer of (1)), c = a + 1 (3: a, each thread its own elements), d = a
// reversed (4: a[63 - i], another thread's element). The barriers before
// (2) and (3) go; the one before (4) stays.
// CHECK-LABEL: func.func @segments
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: arith.mulf
// CHECK-NOT: gpu.barrier
// CHECK: arith.mulf
// CHECK-NOT: gpu.barrier
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: affine.apply #[[REV:map[0-9]*]](
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.terminator
#id = affine_map<(i) -> (i)>
#rev = affine_map<(i) -> (63 - i)>
func.func @segments(%x: memref<?x64xf32>, %y: memref<?x64xf32>, %out: memref<?x64xf32>, %out2: memref<?x64xf32>, %out3: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<64xf32>
    %xs = memref.subview %x[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %os = memref.subview %out[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %o2 = memref.subview %out2[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %o3 = memref.subview %out3[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%xs : memref<64xf32, strided<[1], offset: ?>>) outs(%a : memref<64xf32>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %two : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%ys : memref<64xf32, strided<[1], offset: ?>>) outs(%o2 : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %three : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%a : memref<64xf32>) outs(%os : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.addf %p, %one : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
        ins(%a : memref<64xf32>) outs(%o3 : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      linalg.yield %p : f32
    }
    memref.dealloc %a : memref<64xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// The same thread's elements through indices built differently: the split
// sum's second loop (32 sums of 8, in 2 parts over the 64 threads) stores
// s[i], the copy out loads s[affine.apply (d0) -> (d0) of i]; an identity
// affine.apply, x * 1 and x + 0 are skipped, so the barrier between them
// goes (the 1D sequential step's read-out and its copy out).
// CHECK-LABEL: func.func @split_sum
// CHECK: gpu.barrier
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK: arith.addf
// CHECK-NOT: gpu.barrier
// CHECK: memref.store %{{.*}}, %subview
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.terminator
#id = affine_map<(i) -> (i)>
func.func @split_sum(%x: memref<?x8x32xf32>, %out: memref<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x8x32xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %s = memref.alloc() : memref<32xf32>
    %xs = memref.subview %x[%r, 0, 0] [1, 8, 32] [1, 1, 1] : memref<?x8x32xf32> to memref<8x32xf32, strided<[32, 1], offset: ?>>
    %os = memref.subview %out[%r, 0] [1, 32] [1, 1] : memref<?x32xf32> to memref<32xf32, strided<[1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%s : memref<32xf32>)
    linalg.generic {indexing_maps = [affine_map<(p, k) -> (k, p)>, affine_map<(p, k) -> (p)>], iterator_types = ["parallel", "reduction"]}
        ins(%xs : memref<8x32xf32, strided<[32, 1], offset: ?>>) outs(%s : memref<32xf32>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.addf %o, %p : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%s : memref<32xf32>) outs(%os : memref<32xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      linalg.yield %p : f32
    }
    memref.dealloc %s : memref<32xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// A step loop whose body starts with a barrier (before a = x[t] * 2, which
// the previous step's b = a reversed read) needs none at its end
// (removeLoopEntryBarriers): the next step's first barrier, or the one
// after the loop, follows.
// CHECK-LABEL: func.func @steps
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: arith.mulf
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: memref.store %{{.*}}, %subview
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
#id = affine_map<(i) -> (i)>
#rev = affine_map<(i) -> (63 - i)>
func.func @steps(%x: memref<?x?x64xf32>, %out: memref<?x?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x?x64xf32>
  %steps = memref.dim %x, %c1 : memref<?x?x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<64xf32>
    scf.for %t = %c0 to %steps step %c1 {
      %xs = memref.subview %x[%r, %t, 0] [1, 1, 64] [1, 1, 1] : memref<?x?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      %os = memref.subview %out[%r, %t, 0] [1, 1, 64] [1, 1, 1] : memref<?x?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%xs : memref<64xf32, strided<[1], offset: ?>>) outs(%a : memref<64xf32>) {
      ^bb0(%p: f32, %o: f32):
        %m = arith.mulf %p, %two : f32
        linalg.yield %m : f32
      }
      linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%os : memref<64xf32, strided<[1], offset: ?>>) {
      ^bb0(%p: f32, %o: f32):
        linalg.yield %p : f32
      }
    }
    memref.dealloc %a : memref<64xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// One element through two views: a = x * 2 over a[8][8] (thread loop index
// i: a[i / 8][i % 8]), then out = a + 1 through the 64-element collapse of
// a (flat[i]). The row-major positions in a are the same function of i
// ((i floordiv 8) * 8 + i mod 8 = i; sameElement): the barrier between
// them goes (the DAG edge terms: a state and its 32 x 32 x 1 reshape).
// CHECK-LABEL: func.func @reshaped
// CHECK: gpu.barrier
// CHECK: arith.mulf
// CHECK-NOT: gpu.barrier
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.terminator
#id2 = affine_map<(i, j) -> (i, j)>
#id = affine_map<(i) -> (i)>
func.func @reshaped(%x: memref<?x8x8xf32>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x8x8xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<8x8xf32>
    %xs = memref.subview %x[%r, 0, 0] [1, 8, 8] [1, 1, 1] : memref<?x8x8xf32> to memref<8x8xf32, strided<[8, 1], offset: ?>>
    %os = memref.subview %out[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%xs : memref<8x8xf32, strided<[8, 1], offset: ?>>) outs(%a : memref<8x8xf32>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %two : f32
      linalg.yield %m : f32
    }
    %flat = memref.collapse_shape %a [[0, 1]] : memref<8x8xf32> into memref<64xf32>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%flat : memref<64xf32>) outs(%os : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.addf %p, %one : f32
      linalg.yield %m : f32
    }
    memref.dealloc %a : memref<8x8xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// An edge loop (the DAG's): its head reads the edge list (a kernel argument),
// then acc += states[edge] for each thread's elements. Every access to acc,
// in the fill, the loop and the copy out, is the thread's own element
// through acc itself (defined outside the loop: the same in every
// iteration), and the loop writes nothing else: the body's barrier moves
// out of the loop (moveBarriersOutOfLoops), where no barrier is needed
// either: none from the fill to the launch's last one, before its end.
// CHECK-LABEL: func.func @edge_loop
// CHECK: memref.store %cst
// CHECK-NOT: gpu.barrier
// CHECK: memref.load %arg1
// CHECK-NOT: gpu.barrier
// CHECK: arith.addf
// CHECK-NOT: gpu.barrier
// CHECK: memref.store %{{.*}}, %subview
// CHECK-NEXT: }
// CHECK-NOT: gpu.barrier
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.terminator
#id = affine_map<(i) -> (i)>
func.func @edge_loop(%states: memref<?x64xf32>, %edges: memref<?xindex>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %rows = memref.dim %out, %c0 : memref<?x64xf32>
  %n = memref.dim %edges, %c0 : memref<?xindex>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %acc = memref.alloc() : memref<64xf32>
    linalg.fill ins(%zero : f32) outs(%acc : memref<64xf32>)
    scf.for %e = %c0 to %n step %c1 {
      %k = memref.load %edges[%e] : memref<?xindex>
      %src = memref.subview %states[%k, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%src : memref<64xf32, strided<[1], offset: ?>>) outs(%acc : memref<64xf32>) {
      ^bb0(%p: f32, %o: f32):
        %m = arith.addf %o, %p : f32
        linalg.yield %m : f32
      }
    }
    %os = memref.subview %out[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    memref.copy %acc, %os : memref<64xf32> to memref<64xf32, strided<[1], offset: ?>>
    memref.dealloc %acc : memref<64xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// The same, reading flat[63 - i]: another thread's element; the barrier
// stays.
// CHECK-LABEL: func.func @reshaped_reversed
// CHECK: arith.mulf
// CHECK: gpu.barrier
// CHECK: arith.addf
#id2 = affine_map<(i, j) -> (i, j)>
#id = affine_map<(i) -> (i)>
#rev = affine_map<(i) -> (63 - i)>
func.func @reshaped_reversed(%x: memref<?x8x8xf32>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x8x8xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %a = memref.alloc() : memref<8x8xf32>
    %xs = memref.subview %x[%r, 0, 0] [1, 8, 8] [1, 1, 1] : memref<?x8x8xf32> to memref<8x8xf32, strided<[8, 1], offset: ?>>
    %os = memref.subview %out[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%xs : memref<8x8xf32, strided<[8, 1], offset: ?>>) outs(%a : memref<8x8xf32>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %two : f32
      linalg.yield %m : f32
    }
    %flat = memref.collapse_shape %a [[0, 1]] : memref<8x8xf32> into memref<64xf32>
    linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
        ins(%flat : memref<64xf32>) outs(%os : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.addf %p, %one : f32
      linalg.yield %m : f32
    }
    memref.dealloc %a : memref<8x8xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// The same loop accumulating into a view of a larger buffer at an offset
// read each step (w = buf[k .. k + 64)): thread t's element in one step is
// thread t - 1's in the next when k grows by 1, so the body's barrier stays
// (the view is defined in the loop: not the same in two iterations).
// CHECK-LABEL: func.func @edge_loop_moving
// CHECK: scf.for
// CHECK: memref.load %arg1
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK-NEXT: }
#id = affine_map<(i) -> (i)>
func.func @edge_loop_moving(%states: memref<?x64xf32>, %edges: memref<?xindex>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %rows = memref.dim %out, %c0 : memref<?x64xf32>
  %n = memref.dim %edges, %c0 : memref<?xindex>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %buf = memref.alloc() : memref<128xf32>
    linalg.fill ins(%zero : f32) outs(%buf : memref<128xf32>)
    scf.for %e = %c0 to %n step %c1 {
      %k = memref.load %edges[%e] : memref<?xindex>
      %w = memref.subview %buf[%k] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1], offset: ?>>
      %src = memref.subview %states[%e, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%src : memref<64xf32, strided<[1], offset: ?>>) outs(%w : memref<64xf32, strided<[1], offset: ?>>) {
      ^bb0(%p: f32, %o: f32):
        %m = arith.addf %o, %p : f32
        linalg.yield %m : f32
      }
    }
    %head = memref.subview %buf[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
    %os = memref.subview %out[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    memref.copy %head, %os : memref<64xf32, strided<[1]>> to memref<64xf32, strided<[1], offset: ?>>
    memref.dealloc %buf : memref<128xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// Views of one buffer at static offsets (staticFootprint): x * 2 into
// buf[0, 64) and y * 3 into buf[64, 128) touch disjoint elements, so no
// barrier between them (the J = 4 1D step's copies into the rows of one
// buffer); buf[0, 64) reversed into out reads other threads' elements of
// (1): its barrier stays; y + 1 into buf[32, 96), which overlaps the
// reversed read's buf[0, 64), keeps its barrier too.
// CHECK-LABEL: func.func @disjoint_views
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: arith.mulf
// CHECK-NOT: gpu.barrier
// CHECK: arith.mulf
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: affine.apply
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: arith.addf
#id = affine_map<(i) -> (i)>
#rev = affine_map<(i) -> (63 - i)>
func.func @disjoint_views(%x: memref<?x64xf32>, %y: memref<?x64xf32>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  %one = arith.constant 1.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %buf = memref.alloc() : memref<256xf32>
    %lo = memref.subview %buf[0] [64] [1] : memref<256xf32> to memref<64xf32, strided<[1]>>
    %hi = memref.subview %buf[64] [64] [1] : memref<256xf32> to memref<64xf32, strided<[1], offset: 64>>
    %mid = memref.subview %buf[32] [64] [1] : memref<256xf32> to memref<64xf32, strided<[1], offset: 32>>
    %xs = memref.subview %x[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %os = memref.subview %out[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%xs : memref<64xf32, strided<[1], offset: ?>>) outs(%lo : memref<64xf32, strided<[1]>>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %two : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%ys : memref<64xf32, strided<[1], offset: ?>>) outs(%hi : memref<64xf32, strided<[1], offset: 64>>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %three : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
        ins(%lo : memref<64xf32, strided<[1]>>) outs(%os : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      linalg.yield %p : f32
    }
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%ys : memref<64xf32, strided<[1], offset: ?>>) outs(%mid : memref<64xf32, strided<[1], offset: 32>>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.addf %p, %one : f32
      linalg.yield %m : f32
    }
    memref.dealloc %buf : memref<256xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}

// -----

// Interleaved views of one buffer: buf[0, 2, 4, ...] and buf[1, 3, 5, ...]
// (stride 2, offsets 0 and 1) overlap as ranges but not as elements (their
// offsets differ modulo the gcd of their strides): no barrier between x * 2
// into the even elements and y * 3 into the odd ones; the even elements
// reversed into out keep theirs.
// CHECK-LABEL: func.func @interleaved_views
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: arith.mulf
// CHECK-NOT: gpu.barrier
// CHECK: arith.mulf
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: affine.apply
#id = affine_map<(i) -> (i)>
#rev = affine_map<(i) -> (63 - i)>
func.func @interleaved_views(%x: memref<?x64xf32>, %y: memref<?x64xf32>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x64xf32>
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %buf = memref.alloc() : memref<128xf32>
    %even = memref.subview %buf[0] [64] [2] : memref<128xf32> to memref<64xf32, strided<[2]>>
    %odd = memref.subview %buf[1] [64] [2] : memref<128xf32> to memref<64xf32, strided<[2], offset: 1>>
    %xs = memref.subview %x[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %os = memref.subview %out[%r, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%xs : memref<64xf32, strided<[1], offset: ?>>) outs(%even : memref<64xf32, strided<[2]>>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %two : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%ys : memref<64xf32, strided<[1], offset: ?>>) outs(%odd : memref<64xf32, strided<[2], offset: 1>>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.mulf %p, %three : f32
      linalg.yield %m : f32
    }
    linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
        ins(%even : memref<64xf32, strided<[2]>>) outs(%os : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%p: f32, %o: f32):
      linalg.yield %p : f32
    }
    memref.dealloc %buf : memref<128xf32>
    scf.reduce
  } {plstm.row_buffers}
  return
}
