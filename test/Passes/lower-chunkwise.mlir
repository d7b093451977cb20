// RUN: plstm-opt %s --plstm-lower-chunkwise | FileCheck %s
// RUN: plstm-opt %s --plstm-lower-chunkwise=chunk-order=parallel | FileCheck %s --check-prefix=PAR
// RUN: plstm-opt %s --plstm-lower-chunkwise=chunk-order=in-order | FileCheck %s --check-prefix=ORD
// RUN: not plstm-opt %s --plstm-lower-chunkwise=chunk-order=bogus 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: plstm-lower-chunkwise: chunk-order = 'bogus', expected parallel, in-order or threads

// 1D chunkwise, chunk 16, ceil(T / 16) chunks; two forms, chosen at run
// time (chunk-order=threads, the default) by the batch size against the
// kernel's threads; chunk-order=parallel / in-order build one of them.
// PAR-NOT: omp_get_max_threads
// PAR-NOT: scf.if
// PAR: scf.forall (%{{.+}}) in (%{{.+}}) {{.*}} -> (tensor<?x16x2x1xf32>, tensor<?x1x1xf32>, tensor<?x4x2x1xf32>, tensor<?x16x1x1x1xf32>)
// PAR-LABEL: func.func @chunkwise2d
// ORD-NOT: omp_get_max_threads
// ORD-NOT: scf.if
// ORD: scf.forall (%{{.+}}) in (%dim) {{.*}} -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
// ORD-NOT: tensor<?x16x2x1xf32>
// ORD-LABEL: func.func @chunkwise2d
// Batches with at least as many entries as threads: every batch entry in
// parallel, its chunks in order,
// each finished before the next (the intra outputs and the read-out from
// the entering state, then the next state): nothing stacked per chunk. The
// floor(T / 16) full chunks in one loop with static bounds, q/k/v read in
// place (q scaled, k and v not copied); the partial chunk (if any) in a
// second loop, zero-padded.
// CHECK: func.func private @omp_get_max_threads() -> i32
// CHECK-LABEL: func.func @chunkwise
// CHECK: %[[B:[a-z0-9_]+]] = tensor.dim %arg0, %c0
// CHECK: %[[LEN:[a-z0-9_]+]] = tensor.dim %arg0, %c1
// CHECK: %[[THREADS:[a-z0-9_]+]] = call @omp_get_max_threads() : () -> i32
// CHECK: %[[TI:[a-z0-9_]+]] = arith.index_cast %[[THREADS]] : i32 to index
// CHECK: %[[BIG:[a-z0-9_]+]] = arith.cmpi uge, %[[B]], %[[TI]]
// CHECK: scf.if %[[BIG]] -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
// CHECK:   %[[NFULL:[a-z0-9_]+]] = arith.divui %[[LEN]], %c16
// CHECK:   %[[NT1:[a-z0-9_]+]] = arith.ceildivui %[[LEN]], %c16
// CHECK:   scf.forall (%[[E:[a-z0-9_]+]]) in (%[[B]]) shared_outs({{.*}}) -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
// CHECK:     scf.for %{{.+}} = %{{.+}} to %[[NFULL]] {{.*}} -> (tensor<4x2x1xf32>, tensor<?x2x1xf32>)
// CHECK:       scf.for %{{.+}} = %{{.+}} to %c16 {{.*}} -> (f32, tensor<16x1x1x1xf32>)
// CHECK:       tensor.extract_slice %arg0[%[[E]], %{{.+}}, 0, 0] [1, 16, 4, 1] {{.*}} to tensor<16x4x1xf32>
// CHECK-NOT:   tensor.insert_slice {{.*}} into tensor<16x4x1xf32>
// CHECK:       linalg.generic {{.*}}ins({{.*}} : tensor<16x4x1xf32>, tensor<16x4x1xf32>) outs({{.*}} : tensor<16x16x1x1xf32>)
// CHECK:       linalg.generic {{.*}}ins({{.*}} : tensor<16x16x1x1xf32>, tensor<16x16x1x1x1x1xf32>) outs({{.*}} : tensor<16x16x1x1xf32>)
// CHECK:       linalg.generic {{.*}}ins({{.*}} : tensor<16x16x1x1xf32>, tensor<16x2x1xf32>) outs({{.*}} : tensor<16x2x1xf32>)
// CHECK:       linalg.generic {{.*}}ins({{.*}} : tensor<16x4x1xf32>, tensor<16x1x1x1xf32>, tensor<4x2x1xf32>) outs({{.*}} : tensor<16x2x1xf32>)
// CHECK:       scf.yield {{.*}} : tensor<4x2x1xf32>, tensor<?x2x1xf32>
// The partial chunk's loop sits in an scf.execute_region no_inline, which
// the CPU pipeline outlines (a function of its own: less LLVM compile time).
// CHECK:     scf.execute_region -> (tensor<4x2x1xf32>, tensor<?x2x1xf32>) no_inline {
// CHECK:     scf.for %{{.+}} = %[[NFULL]] to %[[NT1]] {{.*}} -> (tensor<4x2x1xf32>, tensor<?x2x1xf32>)
// CHECK:       tensor.insert_slice {{.*}} into tensor<16x4x1xf32>
// CHECK:     scf.forall.in_parallel
// CHECK-COUNT-2: tensor.parallel_insert_slice
// CHECK: } else {
// Smaller batches: per batch entry three loops: the chunks in parallel (the
// construction loops, then the matrix-form contractions over [16, 16]
// blocks: Q·Kᵀ, ⊙ G, ·V; stacked per chunk: the intra outputs, T_c, Skv_c
// and M_c); the chunk-state recurrence in order, keeping the entering
// states; the outputs in parallel (the read-out q·M_c·C added to the intra
// part); the last chunk is zero-padded.
// CHECK:   %[[NT:[a-z0-9_]+]] = arith.ceildivui %[[LEN]], %c16
// CHECK: scf.for
// CHECK:   scf.forall (%[[C:[a-z0-9_]+]]) in (%[[NT]]) {{.*}} -> (tensor<?x16x2x1xf32>, tensor<?x1x1xf32>, tensor<?x4x2x1xf32>, tensor<?x16x1x1x1xf32>)
// CHECK:     %[[START:[a-z0-9_]+]] = arith.muli %[[C]], %c16
// CHECK:     arith.minui
// CHECK:     linalg.generic {{.*}}ins({{.*}} : tensor<16x4x1xf32>, tensor<16x4x1xf32>) outs({{.*}} : tensor<16x16x1x1xf32>)
// CHECK:     linalg.generic {{.*}}ins({{.*}} : tensor<16x16x1x1xf32>, tensor<16x16x1x1x1x1xf32>) outs({{.*}} : tensor<16x16x1x1xf32>)
// CHECK:     linalg.generic {{.*}}ins({{.*}} : tensor<16x16x1x1xf32>, tensor<16x2x1xf32>) outs({{.*}} : tensor<16x2x1xf32>)
// CHECK:     scf.forall.in_parallel
// CHECK-COUNT-4: tensor.parallel_insert_slice
// CHECK:   scf.for %{{.+}} = %{{.+}} to %[[NT]] {{.*}} -> (tensor<4x2x1xf32>, tensor<?x4x2x1xf32>)
// CHECK:   scf.forall (%{{.+}}) in (%[[NT]]) {{.*}} -> (tensor<?x?x2x1xf32>)
// CHECK:     linalg.generic {{.*}}ins({{.*}} : tensor<16x4x1xf32>, tensor<16x1x1x1xf32>, tensor<4x2x1xf32>) outs({{.*}} : tensor<16x2x1xf32>)
func.func @chunkwise(%q: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>, %s: tensor<?x?x1x1x1xf32>,
    %t: tensor<?x?x1x1xf32>, %d: tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %q, %v) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<chunkwise, chunk = 16>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y, %last : tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>
}

// 2D chunkwise, tiles of 2 on a 3×5 grid with orientations [0, 3]: one
// parallel loop over the two orientations (inputs flipped and padded to 4×6,
// each writes its own orientation index of the results), then the
// anti-diagonal wavefronts k = 0 .. NX + NY - 2 = 3 (NX = 2, NY = 3), the
// tiles of one wavefront x in [max(0, k - 2), min(k, 1)], y = k - x, in
// parallel (scf.forall writing its own tile of y and of the two border
// states); per tile one quad-tree merge (G of one meta-cell of side 2) and
// (Q Kᵀ ⊙ G) V.
// CHECK-LABEL: func.func @chunkwise2d
// CHECK: scf.forall (%{{.+}}) in (%c2{{.*}}) shared_outs({{.*}}) -> (tensor<2x4x6x2x1xf32>, tensor<2x6x2x2x1xf32>, tensor<2x4x2x2x1xf32>)
// CHECK:   scf.for %[[K:[a-z0-9_]+]] = %{{.+}} to %c4{{.*}} -> (tensor<4x6x2x1xf32>, tensor<6x2x2x1xf32>, tensor<4x2x2x1xf32>)
// CHECK:     %[[LO:[a-z0-9_]+]] = arith.maxsi
// CHECK:     %[[MIN:[a-z0-9_]+]] = arith.minsi %[[K]]
// CHECK:     %[[HI:[a-z0-9_]+]] = arith.addi %[[MIN]]
// CHECK:     scf.forall (%[[TX:[a-z0-9_]+]]) = (%[[LO]]) to (%[[HI]]) step (1) shared_outs({{.*}}) -> (tensor<4x6x2x1xf32>, tensor<6x2x2x1xf32>, tensor<4x2x2x1xf32>)
// CHECK:       arith.subi %[[K]], %[[TX]]
// CHECK:       tensor.insert_slice {{.*}} into tensor<1x1x2x2x2x2x1x1x1x1xf32>
// CHECK-NOT:   x4x4x4x4x
// CHECK:       linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<2x2x2x2x1x1x1x1xf32>, tensor<2x2x1x2x2x1xf32>)
// CHECK:       scf.forall.in_parallel
// CHECK-COUNT-3: tensor.parallel_insert_slice
// CHECK: return
func.func @chunkwise2d(%q: tensor<?x3x5x2x1xf32>, %s: tensor<?x2x3x5x1x1x1xf32>, %t: tensor<?x2x3x5x1x1xf32>,
    %d: tensor<?x3x5x1x1x1x1xf32>) -> (tensor<?x3x5x2x1xf32>, tensor<?x2x5x2x2x1xf32>, tensor<?x2x3x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_ru(%t) mark(%s, %s) direct(%d)
      orientations [0, 3] {schedule = #plstm.schedule<chunkwise, chunk = 2>}
      : (tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x2x3x5x1x1x1xf32>,
         tensor<?x2x3x5x1x1x1xf32>, tensor<?x2x3x5x1x1xf32>, tensor<?x2x3x5x1x1xf32>, tensor<?x2x3x5x1x1xf32>,
         tensor<?x2x3x5x1x1x1xf32>, tensor<?x2x3x5x1x1x1xf32>, tensor<?x3x5x1x1x1x1xf32>)
      -> (tensor<?x3x5x2x1xf32>, tensor<?x2x5x2x2x1xf32>, tensor<?x2x3x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x3x5x2x1xf32>, tensor<?x2x5x2x2x1xf32>, tensor<?x2x3x2x2x1xf32>
}

// DAG chunkwise, blocks of 3 line-graph levels: the levels (a max over the
// incoming line edges), ceil(levels / 3) blocks; per block a gather loop
// building X and A [n, n] in parallel over the block's edges (edge i writes
// row i of both; an scf.if: a line edge from inside the block goes to A's
// row, one from an earlier block is applied to its final state), the
// squaring loop (scf.while while 2^k < levels in the block, R += B·R,
// B = B·B), C = R·X, and the scatter loop.
// CHECK-LABEL: func.func @dag_blocks
// CHECK: arith.maxui
// CHECK: %[[NB:[a-z0-9_]+]] = arith.ceildivui %{{.+}}, %c3
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[NB]] {{.*}} -> (tensor<?x4x4x1xf32>, tensor<?x?x4x1xf32>)
// CHECK:   arith.minui
// CHECK:   scf.forall ({{.*}}) in (%{{.+}}) shared_outs({{.*}}) -> (tensor<?x4x4x1xf32>, tensor<?x?x1x1xf32>)
// CHECK:     scf.if %{{.+}} -> (tensor<4x4x1xf32>, tensor<?x1x1xf32>)
// CHECK:     scf.forall.in_parallel
// CHECK:       tensor.parallel_insert_slice {{.*}} : tensor<4x4x1xf32> into tensor<?x4x4x1xf32>
// CHECK:       tensor.parallel_insert_slice {{.*}} : tensor<?x1x1xf32> into tensor<?x?x1x1xf32>
// CHECK:   scf.while (%[[POW:[a-z0-9_]+]] = %c1, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) : (index, tensor<?x?x1x1xf32>, tensor<?x?x1x1xf32>)
// CHECK:     arith.cmpi ult, %[[POW]], %{{.+}}
// CHECK:     linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<?x?x1x1xf32>, tensor<?x?x1x1xf32>)
// CHECK:     linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<?x?x1x1xf32>, tensor<?x?x1x1xf32>)
// CHECK:   linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<?x?x1x1xf32>, tensor<?x4x4x1xf32>)
// CHECK: return
func.func @dag_blocks(%q: tensor<?x?x4x1xf32>, %edges: tensor<?x2xi32>, %lines: tensor<?x2xi32>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %d: tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x4x1xf32> {
  %y = plstm.scan_dag qkv(%q, %q, %q) graph(%edges, %lines) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<chunkwise, chunk = 3>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x2xi32>, tensor<?x2xi32>,
         tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x4x1xf32>
  return %y : tensor<?x?x4x1xf32>
}

// chunk = 1: the level-parallel wavefront, one level per block: no dense
// path sums.
// CHECK-LABEL: func.func @dag_levels
// CHECK: arith.ceildivui %{{.+}}, %c1
// CHECK-NOT: scf.while
// CHECK: return
func.func @dag_levels(%q: tensor<?x?x4x1xf32>, %edges: tensor<?x2xi32>, %lines: tensor<?x2xi32>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %d: tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x4x1xf32> {
  %y = plstm.scan_dag qkv(%q, %q, %q) graph(%edges, %lines) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<chunkwise, chunk = 1>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x2xi32>, tensor<?x2xi32>,
         tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x4x1xf32>
  return %y : tensor<?x?x4x1xf32>
}
