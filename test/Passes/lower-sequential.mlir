// RUN: plstm-opt %s --plstm-lower-sequential --split-input-file | FileCheck %s
// RUN: plstm-opt %s --plstm-lower-sequential=fuse-dag-edges=false --split-input-file | FileCheck %s --check-prefix=NOFUSE

// 1D: a batch loop around a time loop that carries the state; each step
// reads the per-step slices. With J = 1 the transition, source, mark and D
// are scalars: C_t = T·C_{t-1} + S·(k ⊗ v), the read-out q·M·C_{t-1} and the
// direct term q·D·kv are one generic (a reduction over DK) that writes C_t
// in place of C_{t-1}, reading C_{t-1} through its init; the output step is
// inserted at [b, t].
// CHECK-LABEL: func.func @scan1d
// CHECK-SAME: (%[[Q:[a-zA-Z0-9_]+]]: tensor<?x?x4x1xf32>, %{{.+}}: tensor<?x?x4x1xf32>, %{{.+}}: tensor<?x?x2x1xf32>, %{{.+}}: tensor<?x?x1x1x1xf32>, %[[T:[a-zA-Z0-9_]+]]: tensor<?x?x1x1xf32>, %[[MARK:[a-zA-Z0-9_]+]]: tensor<?x?x1x1x1xf32>, %[[DIRECT:[a-zA-Z0-9_]+]]: tensor<?x?x1x1x1x1xf32>
// CHECK-DAG: %[[B:[a-zA-Z0-9_]+]] = tensor.dim %[[Q]], %c0
// CHECK-DAG: %[[LEN:[a-zA-Z0-9_]+]] = tensor.dim %[[Q]], %c1
// CHECK: %[[RES:[a-zA-Z0-9_]+]]:2 = scf.for %[[BI:[a-zA-Z0-9_]+]] = %{{.+}} to %[[B]]
// CHECK:   scf.for %[[TI:[a-zA-Z0-9_]+]] = %{{.+}} to %[[LEN]] {{.*}} iter_args(%[[STATE:[a-zA-Z0-9_]+]] = %{{.+}}, %[[Y:[a-zA-Z0-9_]+]] = %{{.+}}) -> (tensor<4x2x1xf32>, tensor<?x?x2x1xf32>)
// CHECK-NOT: tensor.extract_slice %[[T]]
// CHECK:     %[[TR:[a-zA-Z0-9_]+]] = tensor.extract %[[T]][%[[BI]], %[[TI]], %c0{{.*}}, %c0{{.*}}] : tensor<?x?x1x1xf32>
// CHECK:     %[[M:[a-zA-Z0-9_]+]] = tensor.extract %[[MARK]][%[[BI]], %[[TI]], %c0{{.*}}, %c0{{.*}}, %c0{{.*}}] : tensor<?x?x1x1x1xf32>
// CHECK:     %[[DD:[a-zA-Z0-9_]+]] = tensor.extract %[[DIRECT]][%[[BI]], %[[TI]], %c0{{.*}}, %c0{{.*}}, %c0{{.*}}, %c0{{.*}}] : tensor<?x?x1x1x1x1xf32>
// CHECK-NOT: linalg.generic
// CHECK:     %[[NEXT:[a-zA-Z0-9_]+]]:2 = linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "parallel"]} ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<4x1xf32>, tensor<2x1xf32>, tensor<4x1xf32>) outs(%[[STATE]], %{{.+}} : tensor<4x2x1xf32>, tensor<2x1xf32>)
// CHECK-NEXT:  ^bb0(%[[KD:[a-zA-Z0-9_]+]]: f32, %[[VV:[a-zA-Z0-9_]+]]: f32, %[[QD:[a-zA-Z0-9_]+]]: f32, %[[C:[a-zA-Z0-9_]+]]: f32, %[[ACC:[a-zA-Z0-9_]+]]: f32):
// CHECK:       %[[TC:[a-zA-Z0-9_]+]] = arith.mulf %[[TR]], %[[C]] fastmath<contract>
// CHECK:       %[[CT:[a-zA-Z0-9_]+]] = arith.addf %{{.+}}, %[[TC]] fastmath<contract>
// CHECK:       %[[QM:[a-zA-Z0-9_]+]] = arith.mulf %[[QD]], %[[M]] fastmath<contract>
// CHECK:       %[[QMC:[a-zA-Z0-9_]+]] = arith.mulf %[[QM]], %[[C]] fastmath<contract>
// CHECK:       %[[YN:[a-zA-Z0-9_]+]] = arith.addf %[[ACC]], %[[QMC]] fastmath<contract>
// CHECK:       %[[QDD:[a-zA-Z0-9_]+]] = arith.mulf %[[QD]], %[[DD]] fastmath<contract>
// CHECK:       %[[QDK:[a-zA-Z0-9_]+]] = arith.mulf %[[QDD]], %[[KD]] fastmath<contract>
// CHECK:       %[[QDKV:[a-zA-Z0-9_]+]] = arith.mulf %[[QDK]], %[[VV]] fastmath<contract>
// CHECK:       %[[YD:[a-zA-Z0-9_]+]] = arith.addf %[[YN]], %[[QDKV]] fastmath<contract>
// CHECK:       linalg.yield %[[CT]], %[[YD]]
// CHECK-NOT: linalg.generic
// CHECK:     %[[YT:[a-zA-Z0-9_]+]] = tensor.insert_slice %{{.+}} into %[[Y]][%[[BI]], %[[TI]], 0, 0] [1, 1, 2, 1]
// CHECK:     scf.yield %{{.+}}, %[[YT]]
// CHECK: return %[[RES]]#0, %[[RES]]#1
func.func @scan1d(%q: tensor<?x?x4x1xf32>, %k: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %m: tensor<?x?x1x1x1xf32>,
    %d: tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t) mark(%m) direct(%d)
      {schedule = #plstm.schedule<sequential>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y, %last : tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>
}

// -----

// J = 2 (JT = 2): the state is two planes C_i = C[:, :, i] ([DK, DV]); one
// pass over (DK, DV) updates both in place, C_i ← Σ_j T[i,j]·C_j + k·sv_i
// (sv = S⋆v, one small contraction before, on v transposed), and reduces
// the read-out P[u] = Σ_d q[d]·C_u[d] of the old planes; y = M·P + (qk·D)·v
// after it, built transposed ([JO, DV]).
// CHECK-LABEL: func.func @scan1d_j2
// CHECK: scf.for
// CHECK:   %[[Z0:.+]] = linalg.fill {{.*}} -> tensor<4x2xf32>
// CHECK:   %[[Z1:.+]] = linalg.fill {{.*}} -> tensor<4x2xf32>
// CHECK:   %[[STEPS:.+]]:3 = scf.for {{.*}} iter_args(%[[C0:[a-zA-Z0-9_]+]] = %[[Z0]], %[[C1:[a-zA-Z0-9_]+]] = %[[Z1]], %{{.+}} = %{{.+}})
// CHECK:     %[[TR:.+]] = tensor.extract_slice %arg4
// CHECK:     %[[VT:.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<2x1xf32>) outs(%{{.+}} : tensor<1x2xf32>)
// CHECK:     linalg.generic {{.*}} ins(%{{.+}}, %[[VT]] : tensor<2x1x1xf32>, tensor<1x2xf32>) outs(%{{.+}} : tensor<2x1x2xf32>)
// CHECK:     %[[T00:.+]] = tensor.extract %[[TR]][%{{.+}}, %{{.+}}] : tensor<2x2xf32>
// CHECK:     %[[T01:.+]] = tensor.extract %[[TR]]
// CHECK:     %[[T10:.+]] = tensor.extract %[[TR]]
// CHECK:     %[[T11:.+]] = tensor.extract %[[TR]]
// CHECK:     %[[NEW:.+]]:4 = linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]} ins({{.*}}) outs(%[[C0]], %[[C1]], %{{.+}}, %{{.+}} : tensor<4x2xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK-NEXT: ^bb0(%[[QD:[a-zA-Z0-9_]+]]: f32, %[[KD:[a-zA-Z0-9_]+]]: f32, %[[SV0:[a-zA-Z0-9_]+]]: f32, %[[SV1:[a-zA-Z0-9_]+]]: f32, %[[O0:[a-zA-Z0-9_]+]]: f32, %[[O1:[a-zA-Z0-9_]+]]: f32, %[[P0:[a-zA-Z0-9_]+]]: f32, %[[P1:[a-zA-Z0-9_]+]]: f32):
// CHECK-NEXT:  %[[A:.+]] = arith.mulf %[[KD]], %[[SV0]]
// CHECK-NEXT:  %[[B:.+]] = arith.mulf %[[T00]], %[[O0]]
// CHECK-NEXT:  %[[AB:.+]] = arith.addf %[[A]], %[[B]]
// CHECK-NEXT:  %[[C:.+]] = arith.mulf %[[T01]], %[[O1]]
// CHECK-NEXT:  %[[N0:.+]] = arith.addf %[[AB]], %[[C]]
// CHECK-NEXT:  %[[D:.+]] = arith.mulf %[[KD]], %[[SV1]]
// CHECK-NEXT:  %[[E:.+]] = arith.mulf %[[T10]], %[[O0]]
// CHECK-NEXT:  %[[DE:.+]] = arith.addf %[[D]], %[[E]]
// CHECK-NEXT:  %[[F:.+]] = arith.mulf %[[T11]], %[[O1]]
// CHECK-NEXT:  %[[N1:.+]] = arith.addf %[[DE]], %[[F]]
// CHECK-NEXT:  %[[G:.+]] = arith.mulf %[[QD]], %[[O0]]
// CHECK-NEXT:  %[[R0:.+]] = arith.addf %[[P0]], %[[G]]
// CHECK-NEXT:  %[[H:.+]] = arith.mulf %[[QD]], %[[O1]]
// CHECK-NEXT:  %[[R1:.+]] = arith.addf %[[P1]], %[[H]]
// CHECK-NEXT:  linalg.yield %[[N0]], %[[N1]], %[[R0]], %[[R1]]
// CHECK:     scf.yield %[[NEW]]#0, %[[NEW]]#1, %{{.+}}
// CHECK:   %[[L0:.+]] = tensor.insert_slice %[[STEPS]]#0 into %{{.+}}[%{{.+}}, 0, 0, 0] [1, 4, 2, 1]
// CHECK:   tensor.insert_slice %[[STEPS]]#1 into %[[L0]][%{{.+}}, 0, 0, 1] [1, 4, 2, 1]
func.func @scan1d_j2(%q: tensor<?x?x4x1xf32>, %k: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>,
    %s: tensor<?x?x2x1x1xf32>, %t: tensor<?x?x2x2xf32>, %m: tensor<?x?x1x1x2xf32>,
    %d: tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x2x1xf32>, tensor<?x4x2x2xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t) mark(%m) direct(%d)
      {schedule = #plstm.schedule<sequential>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x2x1x1xf32>,
         tensor<?x?x2x2xf32>, tensor<?x?x1x1x2xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x2xf32>)
  return %y, %last : tensor<?x?x2x1xf32>, tensor<?x4x2x2xf32>
}

// -----

// Ops with another schedule, or none, are left for other lowerings.
// CHECK-LABEL: func.func @not_sequential
// CHECK: plstm.scan1d {{.*}}#plstm.schedule<chunkwise, chunk = 4>
// CHECK: plstm.scan1d
// CHECK-NOT: schedule
// CHECK: return
func.func @not_sequential(%q: tensor<1x8x1x1xf32>, %s: tensor<1x8x1x1x1xf32>, %t: tensor<1x8x1x1xf32>,
    %d: tensor<1x8x1x1x1x1xf32>) -> tensor<1x8x1x1xf32> {
  %y, %l = plstm.scan1d qkv(%q, %q, %q) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<chunkwise, chunk = 4>}
      : (tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1x1xf32>,
         tensor<1x8x1x1xf32>, tensor<1x8x1x1x1xf32>, tensor<1x8x1x1x1x1xf32>)
      -> (tensor<1x8x1x1xf32>, tensor<1x1x1x1xf32>)
  %y2, %l2 = plstm.scan1d qkv(%q, %q, %q) source(%s) transition(%t) mark(%s) direct(%d)
      : (tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1x1xf32>,
         tensor<1x8x1x1xf32>, tensor<1x8x1x1x1xf32>, tensor<1x8x1x1x1x1xf32>)
      -> (tensor<1x8x1x1xf32>, tensor<1x1x1x1xf32>)
  return %y : tensor<1x8x1x1xf32>
}

// -----

// 2D: per orientation an x loop carrying the column of right-going states
// and a y loop carrying the down-going state. Orientation 3 flips both axes:
// x = 2 - x', y = 4 - y'. Only the given turn (dl) appears. With every J = 1
// the direct term has no loops of its own: the first orientation's pass adds
// it into the zeroed output node.
// The carried states start zeroed in their slots of the last-state outputs
// and go back into the same slots (in place, no copy after bufferization).
// CHECK-LABEL: func.func @scan2d
// CHECK: scf.for %[[BI:[a-zA-Z0-9_]+]] = {{.*}} iter_args(%{{.+}} = %{{.+}}, %[[RIGHT:[a-zA-Z0-9_]+]] = %{{.+}}, %{{.+}} = %{{.+}})
// CHECK-NOT: scf.for
// CHECK:   %[[RSLOT:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[RIGHT]][%[[BI]], %{{.+}}, 0, 0, 0, 0] [1, 1, 5, 2, 2, 1]
// CHECK:   %[[ROWS0:[a-zA-Z0-9_]+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[RSLOT]] : tensor<5x2x2x1xf32>)
// CHECK:   %[[XLOOP:[a-zA-Z0-9_]+]]:3 = scf.for %[[XP:[a-zA-Z0-9_]+]] = %{{.+}} to %c3{{.*}} iter_args(%{{.+}} = %[[ROWS0]], %{{.+}} = %{{.+}}, %[[DOWN:[a-zA-Z0-9_]+]] = %{{.+}}) -> (tensor<5x2x2x1xf32>
// CHECK:     %[[X:[a-zA-Z0-9_]+]] = arith.subi %c2{{.*}}, %[[XP]]
// CHECK:     %[[DSLOT:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[DOWN]][%[[BI]], %{{.+}}, %[[X]], 0, 0, 0] [1, 1, 1, 2, 2, 1]
// CHECK:     linalg.fill ins(%{{.+}} : f32) outs(%[[DSLOT]] : tensor<2x2x1xf32>)
// CHECK:     scf.for %[[YP:[a-zA-Z0-9_]+]] = %{{.+}} to %c5{{.*}} iter_args(%[[CD:[a-zA-Z0-9_]+]] = %{{.+}}, %[[ROWS:[a-zA-Z0-9_]+]] = %{{.+}}, %[[OUTY:[a-zA-Z0-9_]+]] = %{{.+}}) -> (tensor<2x2x1xf32>, tensor<5x2x2x1xf32>
// CHECK:       %[[Y:[a-zA-Z0-9_]+]] = arith.subi %c4{{.*}}, %[[YP]]
// CHECK:       %[[CR:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[ROWS]][%[[Y]], 0, 0, 0] [1, 2, 2, 1]
// CHECK:       %[[YT:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[OUTY]][%[[BI]], %[[X]], %[[Y]], 0, 0] [1, 1, 1, 2, 1]
// CHECK-NOT:   linalg.generic {{.*}}reduction
// CHECK:       tensor.extract %{{.+}}[%[[BI]], %{{.+}}, %[[X]], %[[Y]], %c0{{.*}}, %c0{{.*}}] : tensor<?x1x3x5x1x1xf32>
// CHECK:       %[[Y0:[a-zA-Z0-9_]+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[YT]] : tensor<2x1xf32>)
// CHECK:       tensor.extract %{{.+}}[%[[BI]], %[[X]], %[[Y]], %c0{{.*}}, %c0{{.*}}, %c0{{.*}}, %c0{{.*}}] : tensor<?x3x5x1x1x1x1xf32>
// With J = 1 both outgoing states, the read-out of both incoming ones and
// the direct term in one pass (a reduction over DK), the states in place of
// the incoming ones: C^r into the column's slot, C^d into the carried state.
// CHECK-NOT:   linalg.generic
// CHECK:       %[[NEXT:[a-zA-Z0-9_]+]]:3 = linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "parallel"]} ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>) outs(%[[CR]], %[[CD]], %[[Y0]] : tensor<2x2x1xf32>, tensor<2x2x1xf32>, tensor<2x1xf32>)
// One term per transition given (no turn_ru): three sums for the states,
// two for the read-out, one for the direct term.
// CHECK-COUNT-6: arith.addf
// CHECK-NEXT:    linalg.yield
// CHECK:       tensor.insert_slice %[[NEXT]]#0 into %[[ROWS]][%[[Y]], 0, 0, 0] [1, 2, 2, 1]
// CHECK:       tensor.insert_slice %[[NEXT]]#2 into %[[OUTY]]
// CHECK:       scf.yield %[[NEXT]]#1,
// CHECK:     tensor.insert_slice %{{.+}} into %[[DOWN]][%[[BI]], %{{.+}}, %[[X]], 0, 0, 0] [1, 1, 1, 2, 2, 1]
// CHECK:   tensor.insert_slice %[[XLOOP]]#0 into %[[RIGHT]][%[[BI]], %{{.+}}, 0, 0, 0, 0] [1, 1, 5, 2, 2, 1]
func.func @scan2d(%q: tensor<?x3x5x2x1xf32>, %s: tensor<?x1x3x5x1x1x1xf32>, %t: tensor<?x1x3x5x1x1xf32>,
    %d: tensor<?x3x5x1x1x1x1xf32>) -> (tensor<?x3x5x2x1xf32>, tensor<?x1x5x2x2x1xf32>, tensor<?x1x3x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_dl(%t)
      mark(%s, %s) direct(%d) orientations [3] {schedule = #plstm.schedule<sequential>}
      : (tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x1x3x5x1x1x1xf32>,
         tensor<?x1x3x5x1x1x1xf32>, tensor<?x1x3x5x1x1xf32>, tensor<?x1x3x5x1x1xf32>, tensor<?x1x3x5x1x1xf32>,
         tensor<?x1x3x5x1x1x1xf32>, tensor<?x1x3x5x1x1x1xf32>, tensor<?x3x5x1x1x1x1xf32>)
      -> (tensor<?x3x5x2x1xf32>, tensor<?x1x5x2x2x1xf32>, tensor<?x1x3x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x3x5x2x1xf32>, tensor<?x1x5x2x2x1xf32>, tensor<?x1x3x2x2x1xf32>
}

// -----

// The same with the last states unused (a vision layer reads only y): the
// carried states start in scratch tensors (the column per batch entry and
// orientation, the down state per column), not in slots of the batch-sized
// last-state tensors, and nothing is inserted into those.
// CHECK-LABEL: func.func @scan2d_y_only
// CHECK: scf.for %[[BI:[a-zA-Z0-9_]+]] = {{.*}} iter_args(%{{.+}} = %{{.+}}, %[[RIGHT:[a-zA-Z0-9_]+]] = %{{.+}}, %[[DOWN:[a-zA-Z0-9_]+]] = %{{.+}})
// CHECK-NOT: %[[RIGHT]]
// CHECK:   %[[COL:[a-zA-Z0-9_]+]] = tensor.empty() : tensor<5x2x2x1xf32>
// CHECK:   %[[ROWS0:[a-zA-Z0-9_]+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[COL]] : tensor<5x2x2x1xf32>)
// CHECK:   scf.for {{.*}} iter_args(%{{.+}} = %[[ROWS0]], %{{.+}} = %{{.+}}, %[[DOWN2:[a-zA-Z0-9_]+]] = %[[DOWN]])
// CHECK:     %[[CD:[a-zA-Z0-9_]+]] = tensor.empty() : tensor<2x2x1xf32>
// CHECK:     linalg.fill ins(%{{.+}} : f32) outs(%[[CD]] : tensor<2x2x1xf32>)
// CHECK-NOT: tensor.insert_slice {{.*}} into %[[DOWN2]]
// CHECK-NOT: tensor.insert_slice {{.*}} into %[[RIGHT]]
// CHECK: return
func.func @scan2d_y_only(%q: tensor<?x3x5x2x1xf32>, %s: tensor<?x1x3x5x1x1x1xf32>, %t: tensor<?x1x3x5x1x1xf32>,
    %d: tensor<?x3x5x1x1x1x1xf32>) -> tensor<?x3x5x2x1xf32> {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_dl(%t)
      mark(%s, %s) direct(%d) orientations [3] {schedule = #plstm.schedule<sequential>}
      : (tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x1x3x5x1x1x1xf32>,
         tensor<?x1x3x5x1x1x1xf32>, tensor<?x1x3x5x1x1xf32>, tensor<?x1x3x5x1x1xf32>, tensor<?x1x3x5x1x1xf32>,
         tensor<?x1x3x5x1x1x1xf32>, tensor<?x1x3x5x1x1x1xf32>, tensor<?x3x5x1x1x1x1xf32>)
      -> (tensor<?x3x5x2x1xf32>, tensor<?x1x5x2x2x1xf32>, tensor<?x1x3x2x2x1xf32>)
  return %y : tensor<?x3x5x2x1xf32>
}

// -----

// DAG: compressed rows of the line edges, a Kahn order (the ready edges on
// a stack: order, stack, its top, the in-degrees) and the slots of the
// edges' states are built once, then per batch entry the direct term and an
// edge loop in that order, the states in their slots. With
// every J = 1 an edge with up to 8 incoming states takes one pass (new state
// and read-out, a case per count: case 2 reads two slices of the states);
// more take the default: the source pass, an inner loop over the incoming
// line edges, the read-out.
// CHECK-LABEL: func.func @scan_dag
// CHECK-SAME: (%{{.+}}: tensor<1x?x1x1xf32>, %[[E:[a-zA-Z0-9_]+]]: tensor<?x2xi32>, %[[L:[a-zA-Z0-9_]+]]: tensor<?x2xi64>
// CHECK-DAG: %[[NE:[a-zA-Z0-9_]+]] = tensor.dim %[[E]], %c0
// CHECK-DAG: %[[NL:[a-zA-Z0-9_]+]] = tensor.dim %[[L]], %c0
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[NL]]
// CHECK: %[[ORDER:[a-zA-Z0-9_]+]]:4 = scf.for %{{.+}} = %{{.+}} to %[[NE]]
// The states' slots: positions in the order, last reads, then one slot per
// live state (a free list), slot 0 shared by the states nobody reads.
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[NE]]
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[NL]]
// CHECK: %[[SLOTS:[a-zA-Z0-9_]+]]:5 = scf.for %{{.+}} = %{{.+}} to %[[NE]]
// CHECK: %[[PEAK:[a-zA-Z0-9_]+]] = arith.addi %[[SLOTS]]#3, %{{.+}}
// CHECK: %[[EDGES1:[a-zA-Z0-9_]+]] = arith.addi %[[NE]], %{{.+}}
// CHECK: %[[NSLOTS:[a-zA-Z0-9_]+]] = arith.minui %[[PEAK]], %[[EDGES1]]
// The states in a buffer of NSLOTS slots; an edge's pass reads its inputs'
// slots through `to_tensor restrict`, writes its own slot in place (its
// init) and stores it with materialize_in_destination (a no-op there, a
// copy for the separate passes of the default case).
// The direct term per node, built in the node's slice of y (zero-filled
// in place: no buffer of its own, no copy into y).
// CHECK: scf.for
// CHECK:   scf.for %[[NODE:[a-zA-Z0-9_]+]] = {{.*}} iter_args(%[[YIT:[a-zA-Z0-9_]+]] =
// CHECK:     %[[YS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[YIT]][%{{.+}}, %[[NODE]], 0, 0]
// CHECK:     %[[Z:[a-zA-Z0-9_]+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[YS]] :
// CHECK:     %[[DT:[a-zA-Z0-9_]+]] = linalg.generic {{.*}} outs(%[[Z]] :
// CHECK:     tensor.insert_slice %[[DT]] into %[[YIT]][%{{.+}}, %[[NODE]], 0, 0]
// CHECK:   %[[BUF:[a-zA-Z0-9_]+]] = memref.alloc(%[[NSLOTS]]) : memref<?x1x1x1xf32>
// CHECK:   scf.for %[[I:[a-zA-Z0-9_]+]] = %{{.+}} to %[[NE]]
// CHECK:     %[[EDGE:[a-zA-Z0-9_]+]] = tensor.extract %[[ORDER]]#0[%[[I]]]
// CHECK:     %[[SE:[a-zA-Z0-9_]+]] = tensor.extract %[[SLOTS]]#0[%[[EDGE]]]
// CHECK:     %[[DEST:[a-zA-Z0-9_]+]] = memref.subview %[[BUF]][%[[SE]], 0, 0, 0]
// CHECK:     %[[DESTT:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[DEST]] restrict writable
// CHECK:     %[[N:[a-zA-Z0-9_]+]] = arith.subi
// CHECK:     %[[SW:[a-zA-Z0-9_]+]] = scf.index_switch %[[N]]
// CHECK:     case 0 {
// CHECK:       %[[C0:[a-zA-Z0-9_]+]]:2 = linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "parallel"]} ins(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}} : tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>) outs(%[[DESTT]],
// CHECK:       bufferization.materialize_in_destination %[[C0]]#0 in restrict writable %[[DEST]]
// CHECK:     case 2 {
// CHECK:       %[[S0:[a-zA-Z0-9_]+]] = tensor.extract %[[SLOTS]]#0[
// CHECK:       %[[V0:[a-zA-Z0-9_]+]] = memref.subview %[[BUF]][%[[S0]],
// CHECK:       %[[P0:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[V0]] restrict :
// CHECK:       %[[S1:[a-zA-Z0-9_]+]] = tensor.extract %[[SLOTS]]#0[
// CHECK:       %[[V1:[a-zA-Z0-9_]+]] = memref.subview %[[BUF]][%[[S1]],
// CHECK:       %[[P1:[a-zA-Z0-9_]+]] = bufferization.to_tensor %[[V1]] restrict :
// CHECK:       linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[P0]], %[[P1]], %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}} : {{.*}} outs(%[[DESTT]],
// CHECK:     case 8 {
// CHECK-NOT: case 9
// CHECK:     default {
// CHECK:       scf.for
// CHECK:         linalg.generic
// CHECK:       bufferization.materialize_in_destination %{{.+}} in restrict writable %[[DEST]]
// CHECK:     tensor.insert_slice %[[SW]] into
// The GPU pipeline's form (fuse-dag-edges=false): the separate passes only,
// the states a tensor.
// NOFUSE-LABEL: func.func @scan_dag
// NOFUSE-NOT: scf.index_switch
// NOFUSE-NOT: bufferization.
// NOFUSE: scf.for
// NOFUSE:   scf.for
// NOFUSE:     linalg.generic
// NOFUSE-NOT: scf.index_switch
// NOFUSE: return
func.func @scan_dag(%q: tensor<1x?x1x1xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi64>,
    %s: tensor<1x?x1x1x1xf32>, %t: tensor<1x?x1x1xf32>, %d: tensor<1x?x1x1x1x1xf32>) -> tensor<1x?x1x1xf32> {
  %y = plstm.scan_dag qkv(%q, %q, %q) graph(%e, %l) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<sequential>}
      : (tensor<1x?x1x1xf32>, tensor<1x?x1x1xf32>, tensor<1x?x1x1xf32>, tensor<?x2xi32>, tensor<?x2xi64>,
         tensor<1x?x1x1x1xf32>, tensor<1x?x1x1xf32>, tensor<1x?x1x1x1xf32>, tensor<1x?x1x1x1x1xf32>)
      -> tensor<1x?x1x1xf32>
  return %y : tensor<1x?x1x1xf32>
}
