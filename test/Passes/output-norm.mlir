// plstm.scan1d with output_norm_eps: every schedule RMS-normalises each
// output row over DV·JO where it writes it (a sum of squares, math.rsqrt
// and the product inside the loop, before the insert), so the layers' norm
// needs no pass over the whole output afterwards.
// RUN: plstm-opt %s --plstm-lower-sequential --plstm-lower-chunkwise --plstm-lower-logdepth | FileCheck %s

// Sequential: per step, on the [DV, JO] row before its insert at [b, t].
// CHECK-LABEL: func.func @sequential
// CHECK: scf.for
// CHECK: scf.for
// CHECK: math.rsqrt
// CHECK: tensor.insert_slice {{.*}} [1, 1, 2, 1]
func.func @sequential(%q: tensor<?x?x4x1xf32>, %k: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %m: tensor<?x?x1x1x1xf32>,
    %d: tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x2x1xf32> {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t) mark(%m) direct(%d)
      {schedule = #plstm.schedule<sequential>, output_norm_eps = 1.0e-5 : f64}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y : tensor<?x?x2x1xf32>
}

// Chunkwise and log-depth: per chunk, on the [C, DV, JO] read-out inside
// the parallel output loop, before the chunk's rows are inserted.
// CHECK-LABEL: func.func @chunkwise
// CHECK: scf.forall
// CHECK: math.rsqrt
// CHECK: tensor.parallel_insert_slice
// CHECK-LABEL: func.func @logdepth
// CHECK: scf.forall
// CHECK: math.rsqrt
// CHECK: tensor.parallel_insert_slice
// Without the attribute there is no norm.
// CHECK-LABEL: func.func @plain
// CHECK-NOT: math.rsqrt
// CHECK: return
func.func @chunkwise(%q: tensor<?x?x4x1xf32>, %k: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %m: tensor<?x?x1x1x1xf32>,
    %d: tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x2x1xf32> {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t) mark(%m) direct(%d)
      {schedule = #plstm.schedule<chunkwise, chunk = 4>, output_norm_eps = 1.0e-5 : f64}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y : tensor<?x?x2x1xf32>
}
func.func @logdepth(%q: tensor<?x?x4x1xf32>, %k: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %m: tensor<?x?x1x1x1xf32>,
    %d: tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x2x1xf32> {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t) mark(%m) direct(%d)
      {schedule = #plstm.schedule<logdepth, chunk = 4>, output_norm_eps = 1.0e-5 : f64}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y : tensor<?x?x2x1xf32>
}
func.func @plain(%q: tensor<?x?x4x1xf32>, %k: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %m: tensor<?x?x1x1x1xf32>,
    %d: tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x2x1xf32> {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t) mark(%m) direct(%d)
      {schedule = #plstm.schedule<chunkwise, chunk = 4>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y : tensor<?x?x2x1xf32>
}
