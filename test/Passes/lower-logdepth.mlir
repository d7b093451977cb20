// RUN: plstm-opt %s --plstm-lower-logdepth | FileCheck %s

// 1D log-depth, leaf chunk 8: the chunk pairs (T_c, Skv_c), then an
// scf.while that runs while the stride is below the chunk count and doubles
// it after each stage — ⌈log2 NT⌉ combine stages, each a parallel loop over
// the chunks into fresh tensors (c >= stride combines with chunk c - stride,
// c < stride is copied) — then the outputs per chunk, in parallel.
// CHECK-LABEL: func.func @logdepth
// CHECK: %[[NT:[a-z0-9_]+]] = arith.ceildivui %{{.+}}, %c8
// CHECK: scf.for
// CHECK:   %[[PAIRS:[a-z0-9_]+]]:2 = scf.forall (%{{.+}}) in (%[[NT]]) {{.*}} -> (tensor<?x1x1xf32>, tensor<?x4x2x1xf32>)
// CHECK:   %[[SCAN:[a-z0-9_]+]]:3 = scf.while (%[[S0:[a-z0-9_]+]] = %c1, %{{.+}} = %[[PAIRS]]#0, %{{.+}} = %[[PAIRS]]#1)
// CHECK:     %[[MORE:[a-z0-9_]+]] = arith.cmpi ult, %[[S0]], %[[NT]]
// CHECK:     scf.condition(%[[MORE]])
// CHECK:   } do {
// CHECK:   ^bb0(%[[STRIDE:[a-z0-9_]+]]: index,
// CHECK:     scf.forall (%[[CI:[a-z0-9_]+]]) in (%[[NT]])
// CHECK:       %[[COMBINE:[a-z0-9_]+]] = arith.cmpi uge, %[[CI]], %[[STRIDE]]
// CHECK:       scf.if %[[COMBINE]]
// CHECK:         arith.subi %[[CI]], %[[STRIDE]]
// CHECK:       scf.forall.in_parallel
// CHECK:     %[[DOUBLED:[a-z0-9_]+]] = arith.addi %[[STRIDE]], %[[STRIDE]]
// CHECK:     scf.yield %[[DOUBLED]]
// CHECK:   scf.forall (%{{.+}}) in (%[[NT]]) {{.*}} -> (tensor<?x?x2x1xf32>)
func.func @logdepth(%q: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>, %s: tensor<?x?x1x1x1xf32>,
    %t: tensor<?x?x1x1xf32>, %d: tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %q, %v) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<logdepth, chunk = 8>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y, %last : tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>
}

// 2D log-depth on a 3×4 grid: one 4×4 tile (the grid padded to a power of
// two), so no wavefront loop. The orientation loop runs the quad tree of
// SPEC §3.3 in log2 4 = 2 merge levels, each in four outlined regions
// (transitions, sources, marks, path sums): G of 2×2 meta-cells of side 2,
// then of one meta-cell of side 4, and no third level. It sums G over the
// orientations on the unpadded grid [MX, MX, MY, MY, J...]; one (Q Kᵀ ⊙ G) V
// product follows the loop (the fused form of SPEC §3.6). Each block of a
// merged tensor is built in its slice of the zero-filled tensor (the
// transition block [0][0] of the first level: the product's accumulator is
// that slice, which then goes back in place), so bufferization makes no
// temporary and no copy for it.
// CHECK-LABEL: func.func @logdepth2d
// CHECK: %[[LOOP:[a-z0-9_]+]]:4 = scf.for {{.*}} -> (tensor<1x4x4x2x1xf32>, tensor<1x4x2x2x1xf32>, tensor<1x4x2x2x1xf32>, tensor<3x3x4x4x1x1x1x1xf32>)
// CHECK-NOT: scf.for
// CHECK:   scf.execute_region -> (tensor<2x2x2x2x1x1xf32>, tensor<2x2x2x2x1x1xf32>, tensor<2x2x2x2x1x1xf32>) no_inline
// CHECK:     %[[ZERO:[a-z0-9_]+]] = linalg.fill {{.*}} -> tensor<2x2x2x2x1x1xf32>
// CHECK-NEXT: %[[SLICE:[a-z0-9_]+]] = tensor.extract_slice %[[ZERO]][0, 0, 0, 0, 0, 0] [2, 2, 1, 1, 1, 1]
// CHECK-NEXT: %[[BLOCK:[a-z0-9_]+]] = linalg.generic {{.*}} outs(%[[SLICE]] : tensor<2x2x1x1x1x1xf32>)
// CHECK:     tensor.insert_slice %[[BLOCK]] into %[[ZERO]][0, 0, 0, 0, 0, 0] [2, 2, 1, 1, 1, 1]
// CHECK:   scf.execute_region -> (tensor<2x2x2x2x2x1x1x1xf32>, tensor<2x2x2x2x2x1x1x1xf32>) no_inline
// CHECK:   scf.execute_region -> (tensor<2x2x2x2x2x1x1x1xf32>, tensor<2x2x2x2x2x1x1x1xf32>) no_inline
// CHECK:   scf.execute_region -> tensor<2x2x2x2x2x2x1x1x1x1xf32> no_inline
// CHECK:   scf.execute_region -> tensor<1x1x4x4x4x4x1x1x1x1xf32> no_inline
// CHECK-NOT: x8x8x
// CHECK:   linalg.generic {{.*}} outs(%{{.+}} : tensor<3x3x4x4x1x1x1x1xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[LOOP]]#3, %{{.+}} : tensor<3x3x4x4x1x1x1x1xf32>, tensor<3x4x1x3x4x1xf32>)
// CHECK: return
func.func @logdepth2d(%q: tensor<?x3x4x2x1xf32>, %s: tensor<?x1x3x4x1x1x1xf32>, %t: tensor<?x1x3x4x1x1xf32>,
    %d: tensor<?x3x4x1x1x1x1xf32>) -> (tensor<?x3x4x2x1xf32>, tensor<?x1x4x2x2x1xf32>, tensor<?x1x3x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_dl(%t) mark(%s, %s) direct(%d)
      {schedule = #plstm.schedule<logdepth>}
      : (tensor<?x3x4x2x1xf32>, tensor<?x3x4x2x1xf32>, tensor<?x3x4x2x1xf32>, tensor<?x1x3x4x1x1x1xf32>,
         tensor<?x1x3x4x1x1x1xf32>, tensor<?x1x3x4x1x1xf32>, tensor<?x1x3x4x1x1xf32>, tensor<?x1x3x4x1x1xf32>,
         tensor<?x1x3x4x1x1x1xf32>, tensor<?x1x3x4x1x1x1xf32>, tensor<?x3x4x1x1x1x1xf32>)
      -> (tensor<?x3x4x2x1xf32>, tensor<?x1x4x2x2x1xf32>, tensor<?x1x3x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x3x4x2x1xf32>, tensor<?x1x4x2x2x1xf32>, tensor<?x1x3x2x2x1xf32>
}

// DAG log-depth: one block holding every level, so the squaring loop runs
// ⌈log2 levels⌉ stages over the whole line graph.
// CHECK-LABEL: func.func @dag_logdepth
// CHECK: %[[PER:[a-z0-9_]+]] = arith.maxui %{{[a-z0-9_]+}}#1, %c1
// CHECK: arith.ceildivui %{{.+}}, %[[PER]]
// CHECK: scf.while
// CHECK: return
func.func @dag_logdepth(%q: tensor<?x?x4x1xf32>, %edges: tensor<?x2xi32>, %lines: tensor<?x2xi32>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %d: tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x4x1xf32> {
  %y = plstm.scan_dag qkv(%q, %q, %q) graph(%edges, %lines) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<logdepth>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x2xi32>, tensor<?x2xi32>,
         tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x4x1xf32>
  return %y : tensor<?x?x4x1xf32>
}

// 2D log-depth on a 100×3 grid, larger than one 64×64 tile: the state quad
// tree over 16×16 leaves of a square 128×128 grid (8×8 tiles). A parallel
// loop over the 64 leaves builds every tile's transitions and source
// states; the up-sweep merges
// them into meta-cells of borders 32, 64 and 128 (no path sums above the
// leaves); the down-sweep hands each quadrant its incoming states (stride-2
// inserts interleave the quadrants) down to 8×8 tiles of border 16; a
// parallel loop over the leaves then makes the outputs.
// CHECK-LABEL: func.func @logdepth2d_large
// CHECK: scf.forall (%{{.+}}) in (%c64{{[_0-9]*}}) {{.*}} -> (tensor<8x8x16x16x1x1xf32>,
// CHECK: into tensor<4x4x32x2x2x1xf32>
// CHECK: into tensor<2x2x64x2x2x1xf32>
// CHECK: into tensor<1x1x128x2x2x1xf32>
// CHECK: [2, 2, 1, 1, 1, 1] : tensor<1x1x64x2x2x1xf32> into tensor<2x2x64x2x2x1xf32>
// CHECK: [2, 2, 1, 1, 1, 1] : tensor<2x2x32x2x2x1xf32> into tensor<4x4x32x2x2x1xf32>
// CHECK: [2, 2, 1, 1, 1, 1] : tensor<4x4x16x2x2x1xf32> into tensor<8x8x16x2x2x1xf32>
// CHECK: scf.forall (%{{.+}}) in (%c64{{[_0-9]*}}) {{.*}} -> (tensor<128x128x2x1xf32>)
// CHECK: return
func.func @logdepth2d_large(%q: tensor<?x100x3x2x1xf32>, %s: tensor<?x1x100x3x1x1x1xf32>, %t: tensor<?x1x100x3x1x1xf32>,
    %d: tensor<?x100x3x1x1x1x1xf32>) -> (tensor<?x100x3x2x1xf32>, tensor<?x1x3x2x2x1xf32>, tensor<?x1x100x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_dl(%t) mark(%s, %s) direct(%d)
      {schedule = #plstm.schedule<logdepth>}
      : (tensor<?x100x3x2x1xf32>, tensor<?x100x3x2x1xf32>, tensor<?x100x3x2x1xf32>, tensor<?x1x100x3x1x1x1xf32>,
         tensor<?x1x100x3x1x1x1xf32>, tensor<?x1x100x3x1x1xf32>, tensor<?x1x100x3x1x1xf32>, tensor<?x1x100x3x1x1xf32>,
         tensor<?x1x100x3x1x1x1xf32>, tensor<?x1x100x3x1x1x1xf32>, tensor<?x100x3x1x1x1x1xf32>)
      -> (tensor<?x100x3x2x1xf32>, tensor<?x1x3x2x2x1xf32>, tensor<?x1x100x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x100x3x2x1xf32>, tensor<?x1x3x2x2x1xf32>, tensor<?x1x100x2x2x1xf32>
}
