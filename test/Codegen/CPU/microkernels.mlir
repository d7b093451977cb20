// plstm-cpu-microkernels: contractions on memrefs to register-blocked
// vector loop nests (16-lane vectors along the output's last dim, 8 register
// rows along the one before, accumulators carried across the reduction).
// RUN: plstm-opt %s --plstm-cpu-microkernels --split-input-file | FileCheck %s

// The read-out form out[l, j] += Q[l, i] * w[l] * C[i, j]: 32 rows x 128
// columns, 8 x 2 accumulators; w[l] does not depend on the reduction dim i,
// so the sum starts at zero and the block ends with out + w * acc.
// CHECK-LABEL: func.func @readout(
// CHECK-NOT: linalg.generic
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c32
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c8
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: %[[SUM:.*]]:16 = scf.for %{{.*}} iter_args(%{{.*}} = %[[ZERO]], {{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-16: vector.fma
// CHECK: scf.yield
// CHECK: %[[OUT:.*]] = vector.load %{{.*}} : memref<32x128xf32>, vector<16xf32>
// CHECK: vector.fma %{{.*}}, %[[SUM]]#0, %[[OUT]]
// CHECK-COUNT-16: vector.store
// CHECK-NOT: linalg.generic
// CHECK: return
#q = affine_map<(l, i, j) -> (l, i)>
#w = affine_map<(l, i, j) -> (l)>
#c = affine_map<(l, i, j) -> (i, j)>
#o = affine_map<(l, i, j) -> (l, j)>
func.func @readout(%q: memref<32x128xf32>, %w: memref<32xf32>, %c: memref<128x128xf32>, %out: memref<32x128xf32>) {
  linalg.generic {indexing_maps = [#q, #w, #c, #o], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%q, %w, %c : memref<32x128xf32>, memref<32xf32>, memref<128x128xf32>) outs(%out : memref<32x128xf32>) {
  ^bb0(%a: f32, %b: f32, %e: f32, %acc: f32):
    %0 = arith.mulf %a, %b fastmath<contract> : f32
    %1 = arith.mulf %0, %e fastmath<contract> : f32
    %2 = arith.addf %acc, %1 fastmath<contract> : f32
    linalg.yield %2 : f32
  }
  return
}

// -----

// Q K^T: K is read along the output's last dim j with a stride of 64, so it
// is packed (transposed) first, in 16×16 tiles (16 row loads, a register
// transpose, 16 row stores: its extents are multiples of 16); the
// accumulators start from out.
// CHECK-LABEL: func.func @qkt(
// CHECK: %[[PACK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64x32xf32>
// CHECK-NOT: linalg.transpose
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %c16
// CHECK:   scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %c16
// CHECK-COUNT-16: vector.load %arg1[%{{.*}}, %[[J]]] : memref<32x64xf32>, vector<16xf32>
// CHECK:     vector.transpose %{{.*}}, [1, 0] : vector<16x16xf32> to vector<16x16xf32>
// CHECK-COUNT-16: vector.store %{{.*}}, %[[PACK]][%{{.*}}, %[[I]]] : memref<64x32xf32>, vector<16xf32>
// CHECK: vector.load %{{.*}} : memref<32x32xf32>, vector<16xf32>
// CHECK: scf.for
// CHECK: vector.load %[[PACK]]
// CHECK: vector.fma
// CHECK: memref.dealloc %[[PACK]]
// CHECK-NOT: linalg.generic
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (j, k)>
#r = affine_map<(i, k, j) -> (i, j)>
func.func @qkt(%q: memref<32x64xf32>, %k: memref<32x64xf32>, %out: memref<32x32xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #r], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%q, %k : memref<32x64xf32>, memref<32x64xf32>) outs(%out : memref<32x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y fastmath<contract> : f32
    %1 = arith.addf %acc, %0 fastmath<contract> : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// A packed operand whose extents are not multiples of 16 (K is 24 × 40)
// keeps linalg.transpose.
// CHECK-LABEL: func.func @qkt_odd(
// CHECK: %[[PACK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<40x24xf32>
// CHECK: linalg.transpose ins(%{{.*}} : memref<24x40xf32>) outs(%[[PACK]] : memref<40x24xf32>) permutation = [1, 0]
// CHECK-NOT: vector.transpose
// CHECK: vector.fma
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (j, k)>
#r = affine_map<(i, k, j) -> (i, j)>
func.func @qkt_odd(%q: memref<32x40xf32>, %k: memref<24x40xf32>, %out: memref<32x24xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #r], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%q, %k : memref<32x40xf32>, memref<24x40xf32>) outs(%out : memref<32x24xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y fastmath<contract> : f32
    %1 = arith.addf %acc, %0 fastmath<contract> : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Dynamic sizes: full blocks in vector code (one vector of 16 by 12 rows),
// the rows past the last full block and then the columns past it as the
// original op on subviews.
// CHECK-LABEL: func.func @dynamic(
// CHECK: arith.remui %{{.*}}, %c16
// CHECK: arith.remui %{{.*}}, %c12
// CHECK: vector.fma
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0] [%{{.*}}, %{{.*}}] [1, 1]
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NOT: linalg.generic
#ma = affine_map<(i, k, j) -> (i, k)>
#mb = affine_map<(i, k, j) -> (k, j)>
#mr = affine_map<(i, k, j) -> (i, j)>
func.func @dynamic(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %out: memref<?x?xf32>) {
  linalg.generic {indexing_maps = [#ma, #mb, #mr], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%out : memref<?x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %0, %acc : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// A vector dim of 8 to 15: 8-lane vectors; 16 rows in two blocks of 8 (the
// largest count <= 12 dividing 16), no remainder.
// CHECK-LABEL: func.func @eight(
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c8
// CHECK: iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-8: vector.fma {{.*}} : vector<8xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
#ea = affine_map<(i, k, j) -> (i, k)>
#eb = affine_map<(i, k, j) -> (k, j)>
#er = affine_map<(i, k, j) -> (i, j)>
func.func @eight(%a: memref<16x8xf32>, %b: memref<8x8xf32>, %out: memref<16x8xf32>) {
  linalg.generic {indexing_maps = [#ea, #eb, #er], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<16x8xf32>, memref<8x8xf32>) outs(%out : memref<16x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Left alone: a vector dim shorter than 8 lanes, an input that is a view
// of the output, a body that is not out + product of the inputs.
// CHECK-LABEL: func.func @kept(
// CHECK-NOT: vector.
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: vector.
#ka = affine_map<(i, k, j) -> (i, k)>
#kb = affine_map<(i, k, j) -> (k, j)>
#kr = affine_map<(i, k, j) -> (i, j)>
func.func @kept(%a: memref<32x32xf32>, %b: memref<32x4xf32>, %c: memref<32x32xf32>, %out: memref<32x4xf32>, %big: memref<32x32xf32>) {
  linalg.generic {indexing_maps = [#ka, #kb, #kr], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<32x32xf32>, memref<32x4xf32>) outs(%out : memref<32x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  %view = memref.subview %big[0, 0] [32, 32] [1, 1] : memref<32x32xf32> to memref<32x32xf32, strided<[32, 1]>>
  linalg.generic {indexing_maps = [#ka, #kb, #kr], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%view, %c : memref<32x32xf32, strided<[32, 1]>>, memref<32x32xf32>) outs(%big : memref<32x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#ka, #kb, #kr], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %c : memref<32x32xf32>, memref<32x32xf32>) outs(%big : memref<32x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.maximumf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Few accumulators: out[j] += Σ_i a[i] b[i, j] with 32 columns (2 vectors,
// no register rows) keeps 4 chains of partial sums of each: the reduction
// loop steps by 4, rows i .. i + 3 add into chains 0 .. 3 (chain 0 from the
// output, the others from zero), summed pairwise after the loop.
// CHECK-LABEL: func.func @chains(
// CHECK: %[[OUT0:.*]] = vector.load
// CHECK: %[[OUT1:.*]] = vector.load
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: %[[SUM:.*]]:8 = scf.for %[[I:.*]] = %c0{{.*}} to %c64{{.*}} step %c4{{.*}} iter_args(%{{.*}} = %[[OUT0]], %{{.*}} = %[[OUT1]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]])
// CHECK-COUNT-2: vector.fma
// CHECK: arith.addi %[[I]], %c1
// CHECK-COUNT-2: vector.fma
// CHECK: arith.addi %[[I]], %c2
// CHECK-COUNT-2: vector.fma
// CHECK: arith.addi %[[I]], %c3
// CHECK-COUNT-2: vector.fma
// CHECK-NOT: vector.fma
// CHECK: scf.yield
// CHECK-DAG: %[[A0:.*]] = arith.addf %[[SUM]]#0, %[[SUM]]#4
// CHECK-DAG: %[[A1:.*]] = arith.addf %[[SUM]]#2, %[[SUM]]#6
// CHECK: %[[T0:.*]] = arith.addf %[[A0]], %[[A1]]
// CHECK: vector.store %[[T0]]
// CHECK-NOT: linalg.generic
#ca = affine_map<(i, j) -> (i)>
#cb = affine_map<(i, j) -> (i, j)>
#cr = affine_map<(i, j) -> (j)>
func.func @chains(%a: memref<64xf32>, %b: memref<64x32xf32>, %out: memref<32xf32>) {
  linalg.generic {indexing_maps = [#ca, #cb, #cr], iterator_types = ["reduction", "parallel"]}
      ins(%a, %b : memref<64xf32>, memref<64x32xf32>) outs(%out : memref<32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y fastmath<contract> : f32
    %1 = arith.addf %acc, %0 fastmath<contract> : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Row-reduced passes: the J = 1 state update with its read-out fused (one
// reduction dim d, one vector dim v, a unit dim u). The states are updated
// in place (each element read through its block argument, then stored);
// the read-out's 4 accumulators (64 columns = 4 vectors) stay in registers
// across d and are stored once, as two chains of partial sums (d steps by
// 2, row d + 1 adds into the second chain; summed after the loop) so that
// no accumulator waits on the previous row's add. Products are split into
// what depends on d and what does not: the source term s·k[d]·v is
// k[d] x (s·v), s·v built once per vector before the loop; the read-out
// q[d]·m·C[d] sums q[d]·C[d] (the chains start at zero) and multiplies by
// m once, after the loop (out + m x Σ). k, q: one scalar per row; v: a
// vector load from its view without the trailing unit dim.
// CHECK-LABEL: func.func @row_reduced(
// CHECK-SAME: %[[K:[a-zA-Z0-9_]+]]: memref<64x1xf32>, %[[V:[a-zA-Z0-9_]+]]: memref<64x1xf32>, %[[Q:[a-zA-Z0-9_]+]]: memref<64x1xf32>, %[[CR:[a-zA-Z0-9_]+]]: memref<64x64x1xf32>, %[[CD:[a-zA-Z0-9_]+]]: memref<64x64x1xf32>, %[[Y:[a-zA-Z0-9_]+]]: memref<64x1xf32>, %[[T:[a-zA-Z0-9_]+]]: f32, %[[S:[a-zA-Z0-9_]+]]: f32, %[[M:[a-zA-Z0-9_]+]]: f32
// CHECK-NOT: linalg.generic
// CHECK-DAG: %[[V1:.*]] = memref.subview %[[V]][0, 0] [64, 1] [1, 1] : memref<64x1xf32> to memref<64xf32, strided<[1]>>
// CHECK-DAG: %[[CR1:.*]] = memref.subview %[[CR]][0, 0, 0] [64, 64, 1] [1, 1, 1] : memref<64x64x1xf32> to memref<64x64xf32, strided<[64, 1]>>
// CHECK-DAG: %[[Y1:.*]] = memref.subview %[[Y]][0, 0] [64, 1] [1, 1] : memref<64x1xf32> to memref<64xf32, strided<[1]>>
// CHECK: scf.for %[[N0:.*]] = %c0{{.*}} to %c64{{.*}} step %c64
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: %[[V0:.*]] = vector.load %[[V1]][%{{.*}}] : memref<64xf32, strided<[1]>>, vector<16xf32>
// CHECK: %[[SB:.*]] = vector.broadcast %[[S]]
// CHECK: %[[SV:.*]] = arith.mulf %[[SB]], %[[V0]]
// CHECK: %[[SUM:.*]]:8 = scf.for %[[D:.*]] = %c0{{.*}} to %c64{{.*}} step %c2{{.*}} iter_args(%{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]]) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-NOT: vector.load %[[V1]]
// CHECK:   %[[KD:.*]] = memref.load %[[K]][%[[D]], %c0{{.*}}] : memref<64x1xf32>
// CHECK:   %[[KB:.*]] = vector.broadcast %[[KD]]
// CHECK:   arith.mulf %[[KB]], %[[SV]]
// CHECK:   vector.load %[[CR1]][%[[D]], %{{.*}}] : memref<64x64xf32, strided<[64, 1]>>, vector<16xf32>
// CHECK:   vector.store %{{.*}}, %[[CR1]][%[[D]], %{{.*}}]
// CHECK:   vector.store %{{.*}}, %{{.*}}[%[[D]], %{{.*}}]
// CHECK:   %[[QD:.*]] = memref.load %[[Q]][%[[D]], %c0{{.*}}] : memref<64x1xf32>
// CHECK:   %[[QB:.*]] = vector.broadcast %[[QD]]
// CHECK:   %[[QC:.*]] = arith.mulf %[[QB]], %{{.*}} : vector<16xf32>
// CHECK:   arith.addf %{{.*}}, %[[QC]]
// CHECK-COUNT-6: vector.store
// CHECK:   %[[D1:.*]] = arith.addi %[[D]], %c1
// CHECK:   memref.load %[[K]][%[[D1]], %c0{{.*}}] : memref<64x1xf32>
// CHECK-COUNT-8: vector.store %{{.*}}[%[[D1]], %{{.*}}]
// CHECK-NOT: vector.store
// CHECK:   scf.yield
// CHECK: %[[S0:.*]] = arith.addf %[[SUM]]#0, %[[SUM]]#4
// CHECK-COUNT-3: arith.addf
// CHECK: %[[MB:.*]] = vector.broadcast %[[M]]
// CHECK: %[[Y0:.*]] = vector.load %[[Y1]][%{{.*}}]
// CHECK: %[[R0:.*]] = vector.fma %[[MB]], %[[S0]], %[[Y0]]
// CHECK: vector.store %[[R0]], %[[Y1]][%{{.*}}]
// CHECK-COUNT-3: vector.store
// CHECK-NOT: linalg.generic
// CHECK: return
#rk = affine_map<(d, v, u) -> (d, u)>
#rv = affine_map<(d, v, u) -> (v, u)>
#rc = affine_map<(d, v, u) -> (d, v, u)>
func.func @row_reduced(%k: memref<64x1xf32>, %v: memref<64x1xf32>, %q: memref<64x1xf32>, %cr: memref<64x64x1xf32>, %cd: memref<64x64x1xf32>, %y: memref<64x1xf32>, %t: f32, %s: f32, %m: f32) {
  linalg.generic {indexing_maps = [#rk, #rv, #rk, #rc, #rc, #rv], iterator_types = ["reduction", "parallel", "parallel"]}
      ins(%k, %v, %q : memref<64x1xf32>, memref<64x1xf32>, memref<64x1xf32>) outs(%cr, %cd, %y : memref<64x64x1xf32>, memref<64x64x1xf32>, memref<64x1xf32>) {
  ^bb0(%kd: f32, %vv: f32, %qd: f32, %r: f32, %dn: f32, %acc: f32):
    %sk = arith.mulf %s, %kd fastmath<contract> : f32
    %skv = arith.mulf %sk, %vv fastmath<contract> : f32
    %tr = arith.mulf %t, %r fastmath<contract> : f32
    %nr = arith.addf %skv, %tr fastmath<contract> : f32
    %td = arith.mulf %t, %dn fastmath<contract> : f32
    %nd = arith.addf %skv, %td fastmath<contract> : f32
    %qm = arith.mulf %qd, %m fastmath<contract> : f32
    %qmr = arith.mulf %qm, %r fastmath<contract> : f32
    %ny = arith.addf %acc, %qmr fastmath<contract> : f32
    linalg.yield %nr, %nd, %ny : f32, f32, f32
  }
  return
}

// -----

// Kept as linalg: an output that is also an input (its elements could be
// read after they are written), and a vector dim that is not a multiple
// of 16.
// CHECK-LABEL: func.func @row_reduced_kept(
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: vector.
#sk = affine_map<(d, v, u) -> (d, u)>
#sv = affine_map<(d, v, u) -> (v, u)>
#sc = affine_map<(d, v, u) -> (d, v, u)>
func.func @row_reduced_kept(%k: memref<64x1xf32>, %v: memref<64x1xf32>, %c: memref<64x64x1xf32>, %y: memref<64x1xf32>, %v8: memref<8x1xf32>, %c8: memref<64x8x1xf32>, %y8: memref<8x1xf32>) {
  linalg.generic {indexing_maps = [#sk, #sv, #sc, #sc, #sv], iterator_types = ["reduction", "parallel", "parallel"]}
      ins(%k, %v, %c : memref<64x1xf32>, memref<64x1xf32>, memref<64x64x1xf32>) outs(%c, %y : memref<64x64x1xf32>, memref<64x1xf32>) {
  ^bb0(%kd: f32, %vv: f32, %in: f32, %r: f32, %acc: f32):
    %0 = arith.mulf %kd, %in fastmath<contract> : f32
    %1 = arith.addf %acc, %0 fastmath<contract> : f32
    linalg.yield %in, %1 : f32, f32
  }
  linalg.generic {indexing_maps = [#sk, #sv, #sc, #sv], iterator_types = ["reduction", "parallel", "parallel"]}
      ins(%k, %v8 : memref<64x1xf32>, memref<8x1xf32>) outs(%c8, %y8 : memref<64x8x1xf32>, memref<8x1xf32>) {
  ^bb0(%kd: f32, %vv: f32, %r: f32, %acc: f32):
    %0 = arith.mulf %kd, %r fastmath<contract> : f32
    %1 = arith.addf %acc, %0 fastmath<contract> : f32
    linalg.yield %0, %1 : f32, f32
  }
  return
}

// -----

// An output that shares its buffer with an input through other views (a
// DAG edge's state slot and an input's slot): the vector loops run when the
// two views' byte ranges are disjoint at run time, the op as it is
// otherwise.
// CHECK-LABEL: func.func @row_reduced_shared_buffer(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: memref<8x64x64x1xf32>
// CHECK: %[[OUT:.+]] = memref.subview %[[S]][%arg2
// CHECK: %[[IN:.+]] = memref.subview %[[S]][%arg1
// CHECK: memref.extract_strided_metadata %[[OUT]]
// CHECK: memref.extract_strided_metadata %[[IN]]
// CHECK: %[[B1:.+]] = arith.cmpi ult
// CHECK: %[[B2:.+]] = arith.cmpi ult
// CHECK: %[[APART:.+]] = arith.ori %[[B1]], %[[B2]]
// CHECK: scf.if %[[APART]] {
// CHECK-NOT: linalg.generic
// CHECK:   vector.load
// CHECK: } else {
// CHECK:   linalg.generic
// CHECK: }
#hk = affine_map<(d, v, u) -> (d, u)>
#hc = affine_map<(d, v, u) -> (d, v, u)>
#hy = affine_map<(d, v, u) -> (v, u)>
func.func @row_reduced_shared_buffer(%s: memref<8x64x64x1xf32>, %i: index, %j: index, %q: memref<64x1xf32>, %y: memref<64x1xf32>) {
  %out = memref.subview %s[%j, 0, 0, 0] [1, 64, 64, 1] [1, 1, 1, 1] : memref<8x64x64x1xf32> to memref<64x64x1xf32, strided<[64, 1, 1], offset: ?>>
  %in = memref.subview %s[%i, 0, 0, 0] [1, 64, 64, 1] [1, 1, 1, 1] : memref<8x64x64x1xf32> to memref<64x64x1xf32, strided<[64, 1, 1], offset: ?>>
  linalg.generic {indexing_maps = [#hc, #hk, #hc, #hy], iterator_types = ["reduction", "parallel", "parallel"]}
      ins(%in, %q : memref<64x64x1xf32, strided<[64, 1, 1], offset: ?>>, memref<64x1xf32>) outs(%out, %y : memref<64x64x1xf32, strided<[64, 1, 1], offset: ?>>, memref<64x1xf32>) {
  ^bb0(%c: f32, %qd: f32, %o: f32, %acc: f32):
    %n = arith.mulf %c, %qd fastmath<contract> : f32
    %r = arith.addf %acc, %n fastmath<contract> : f32
    linalg.yield %n, %r : f32, f32
  }
  return
}

// -----

// A running sum that is also stored (yielded twice): the partial-sum chains
// and factoring the invariant factor out of the sum would hand `cum` a
// chain's partial sum, so neither applies: one accumulator, the rows in
// order, each row's sum stored into `cum`.
// CHECK-LABEL: func.func @row_reduced_running_sum(
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c8{{.*}} step %c1{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<16xf32>)
// CHECK:   %[[T:.*]] = arith.addf
// CHECK:   vector.store %[[T]]
// CHECK:   scf.yield %[[T]]
// CHECK-NOT: linalg.generic
#sum_rn = affine_map<(r, n) -> (r, n)>
#sum_n = affine_map<(r, n) -> (n)>
func.func @row_reduced_running_sum(%a: memref<8x16xf32>, %cum: memref<8x16xf32>, %s: memref<16xf32>, %k: f32) {
  linalg.generic {indexing_maps = [#sum_rn, #sum_rn, #sum_n], iterator_types = ["reduction", "parallel"]}
      ins(%a : memref<8x16xf32>) outs(%cum, %s : memref<8x16xf32>, memref<16xf32>) {
  ^bb0(%x: f32, %c: f32, %acc: f32):
    %p = arith.mulf %k, %x fastmath<contract> : f32
    %t = arith.addf %acc, %p fastmath<contract> : f32
    linalg.yield %t, %t : f32, f32
  }
  return
}

// -----

// A select on a per-row condition (a scalar i1) of vector values: the
// condition is broadcast as vector<16xi1>.
// CHECK-LABEL: func.func @row_reduced_select(
// CHECK: scf.for
// CHECK:   %[[C:.*]] = arith.cmpf ogt
// CHECK:   %[[CV:.*]] = vector.broadcast %[[C]] : i1 to vector<16xi1>
// CHECK:   arith.select %[[CV]], %{{.*}}, %{{.*}} : vector<16xi1>, vector<16xf32>
// CHECK-NOT: linalg.generic
#sel_r = affine_map<(r, n) -> (r)>
#sel_n = affine_map<(r, n) -> (n)>
#sel_rn = affine_map<(r, n) -> (r, n)>
func.func @row_reduced_select(%k: memref<8xf32>, %v: memref<16xf32>, %w: memref<16xf32>, %c: memref<8x16xf32>, %y: memref<16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#sel_r, #sel_n, #sel_n, #sel_rn, #sel_n], iterator_types = ["reduction", "parallel"]}
      ins(%k, %v, %w : memref<8xf32>, memref<16xf32>, memref<16xf32>) outs(%c, %y : memref<8x16xf32>, memref<16xf32>) {
  ^bb0(%kr: f32, %vn: f32, %wn: f32, %old: f32, %acc: f32):
    %pos = arith.cmpf ogt, %kr, %zero : f32
    %pick = arith.select %pos, %vn, %wn : f32
    %new = arith.addf %old, %pick fastmath<contract> : f32
    %sum = arith.addf %acc, %new fastmath<contract> : f32
    linalg.yield %new, %sum : f32, f32
  }
  return
}

// -----

// Only outputs updated in place (nothing reduced over r): the row loop
// carries no values and ends in its one scf.yield.
// CHECK-LABEL: func.func @row_reduced_in_place_only(
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c8{{.*}} step %c1{{.*}} {
// CHECK:   vector.store
// CHECK-NEXT: }
// CHECK-NOT: linalg.generic
#ip_r = affine_map<(r, n) -> (r)>
#ip_n = affine_map<(r, n) -> (n)>
#ip_rn = affine_map<(r, n) -> (r, n)>
func.func @row_reduced_in_place_only(%k: memref<8xf32>, %v: memref<16xf32>, %c: memref<8x16xf32>) {
  linalg.generic {indexing_maps = [#ip_r, #ip_n, #ip_rn], iterator_types = ["reduction", "parallel"]}
      ins(%k, %v : memref<8xf32>, memref<16xf32>) outs(%c : memref<8x16xf32>) {
  ^bb0(%kr: f32, %vn: f32, %old: f32):
    %p = arith.mulf %kr, %vn fastmath<contract> : f32
    %new = arith.addf %old, %p fastmath<contract> : f32
    linalg.yield %new : f32
  }
  return
}

// -----

// A sum whose terms do not depend on the output's columns (the DAG's direct
// term y[v] += Σ_d q[d]·k[d]·w[v]): one dot product over d, 16 lanes at a
// time into 4 partial sums (64 = 4 vectors), reduced across the lanes once,
// then out + w x the sum per column vector; no per-column reduction loop.
// CHECK-LABEL: func.func @dot(
// CHECK-SAME: %[[A:[a-zA-Z0-9_]+]]: memref<64xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<64xf32>, %[[W:[a-zA-Z0-9_]+]]: memref<32xf32>, %[[OUT:[a-zA-Z0-9_]+]]: memref<32xf32>
// CHECK: %[[P:.*]]:4 = scf.for %{{.*}} = %c0{{.*}} to %c64{{.*}} step %c64{{.*}} iter_args
// CHECK-COUNT-4: vector.load %[[A]]
// CHECK: scf.yield
// CHECK: %[[S:.*]] = vector.reduction <add>, %{{.*}} : vector<16xf32> into f32
// CHECK: scf.for
// CHECK:   %[[SB:.*]] = vector.broadcast %[[S]] : f32 to vector<16xf32>
// CHECK:   %[[O:.*]] = vector.load %[[OUT]]
// CHECK:   %[[WV:.*]] = vector.load %[[W]]
// CHECK:   vector.fma %[[WV]], %[[SB]], %[[O]]
// CHECK-NOT: scf.for {{.*}} iter_args
// CHECK: return
#dot_i = affine_map<(j, i) -> (i)>
#dot_j = affine_map<(j, i) -> (j)>
func.func @dot(%a: memref<64xf32>, %b: memref<64xf32>, %w: memref<32xf32>, %out: memref<32xf32>) {
  linalg.generic {indexing_maps = [#dot_i, #dot_i, #dot_j, #dot_j], iterator_types = ["parallel", "reduction"]}
      ins(%a, %b, %w : memref<64xf32>, memref<64xf32>, memref<32xf32>) outs(%out : memref<32xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32, %acc: f32):
    %0 = arith.mulf %x, %y fastmath<contract> : f32
    %1 = arith.mulf %0, %z fastmath<contract> : f32
    %2 = arith.addf %acc, %1 fastmath<contract> : f32
    linalg.yield %2 : f32
  }
  return
}

// -----

// The same without a column factor: out[j] + Σ_i a[i]·b[i] for every column.
// CHECK-LABEL: func.func @dot_no_post(
// CHECK: %[[S:.*]] = vector.reduction <add>, %{{.*}} : vector<16xf32> into f32
// CHECK: scf.for
// CHECK:   %[[SB:.*]] = vector.broadcast %[[S]] : f32 to vector<16xf32>
// CHECK:   %[[O:.*]] = vector.load
// CHECK:   %[[R:.*]] = arith.addf %[[O]], %[[SB]]
// CHECK:   vector.store %[[R]]
// CHECK: return
#dnp_i = affine_map<(j, i) -> (i)>
#dnp_j = affine_map<(j, i) -> (j)>
func.func @dot_no_post(%a: memref<32xf32>, %b: memref<32xf32>, %out: memref<16xf32>) {
  linalg.generic {indexing_maps = [#dnp_i, #dnp_i, #dnp_j], iterator_types = ["parallel", "reduction"]}
      ins(%a, %b : memref<32xf32>, memref<32xf32>) outs(%out : memref<16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y fastmath<contract> : f32
    %1 = arith.addf %acc, %0 fastmath<contract> : f32
    linalg.yield %1 : f32
  }
  return
}
