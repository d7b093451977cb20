// Round trip of every plstm op and attribute, in custom and in generic form.
// RUN: plstm-opt %s | plstm-opt | FileCheck %s
// RUN: plstm-opt %s --mlir-print-op-generic | plstm-opt | FileCheck %s

// CHECK-LABEL: func.func @scan1d_minimal
// CHECK: %{{.+}}, %{{.+}} = plstm.scan1d qkv(%arg0, %arg1, %arg2) source(%arg3) transition(%arg4) mark(%arg5) direct(%arg6) : (tensor<?x?x64x1xf32>, tensor<?x?x64x1xf32>, tensor<?x?x64x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x64x1xf32>, tensor<?x64x64x1xf32>)
func.func @scan1d_minimal(%q: tensor<?x?x64x1xf32>, %k: tensor<?x?x64x1xf32>, %v: tensor<?x?x64x1xf32>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %m: tensor<?x?x1x1x1xf32>,
    %d: tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x64x1xf32> {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t) mark(%m) direct(%d)
      : (tensor<?x?x64x1xf32>, tensor<?x?x64x1xf32>, tensor<?x?x64x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x64x1xf32>, tensor<?x64x64x1xf32>)
  return %y : tensor<?x?x64x1xf32>
}

// J > 1, an initial state, f64, an explicit QK scale and a schedule.
// CHECK-LABEL: func.func @scan1d_full
// CHECK: plstm.scan1d qkv(%arg0, %arg1, %arg2) source(%arg3) transition(%arg4) mark(%arg5) direct(%arg6) init(%arg7) {qk_scale = 5.000000e-01 : f64, schedule = #plstm.schedule<chunkwise, chunk = 16>} : (tensor<2x8x4x2xf64>, tensor<2x8x4x1xf64>, tensor<2x8x3x2xf64>, tensor<2x8x3x1x2xf64>, tensor<2x8x3x3xf64>, tensor<2x8x2x2x3xf64>, tensor<2x8x2x2x1x2xf64>, tensor<2x4x3x3xf64>) -> (tensor<2x8x3x2xf64>, tensor<2x4x3x3xf64>)
func.func @scan1d_full(%q: tensor<2x8x4x2xf64>, %k: tensor<2x8x4x1xf64>, %v: tensor<2x8x3x2xf64>,
    %s: tensor<2x8x3x1x2xf64>, %t: tensor<2x8x3x3xf64>, %m: tensor<2x8x2x2x3xf64>,
    %d: tensor<2x8x2x2x1x2xf64>, %c: tensor<2x4x3x3xf64>) -> (tensor<2x8x3x2xf64>, tensor<2x4x3x3xf64>) {
  %y, %last = plstm.scan1d qkv(%q, %k, %v) source(%s) transition(%t) mark(%m) direct(%d) init(%c)
      {qk_scale = 0.5 : f64, schedule = #plstm.schedule<chunkwise, chunk = 16>}
      : (tensor<2x8x4x2xf64>, tensor<2x8x4x1xf64>, tensor<2x8x3x2xf64>, tensor<2x8x3x1x2xf64>,
         tensor<2x8x3x3xf64>, tensor<2x8x2x2x3xf64>, tensor<2x8x2x2x1x2xf64>, tensor<2x4x3x3xf64>)
      -> (tensor<2x8x3x2xf64>, tensor<2x4x3x3xf64>)
  return %y, %last : tensor<2x8x3x2xf64>, tensor<2x4x3x3xf64>
}

// Four orientations, both turns, both initial states.
// CHECK-LABEL: func.func @scan2d_full
// CHECK: %{{.+}}, %{{.+}}, %{{.+}} = plstm.scan2d qkv(%arg0, %arg0, %arg1) source(%arg2, %arg2) transition(%arg3, %arg3) turn_dl(%arg3) turn_ru(%arg3) mark(%arg4, %arg4) direct(%arg5) init_left(%arg6) init_top(%arg7) orientations [0, 1, 2, 3] {schedule = #plstm.schedule<logdepth>} :
func.func @scan2d_full(%q: tensor<?x3x5x4x1xf32>, %v: tensor<?x3x5x2x1xf32>,
    %s: tensor<?x4x3x5x1x1x1xf32>, %t: tensor<?x4x3x5x1x1xf32>, %m: tensor<?x4x3x5x1x1x1xf32>,
    %d: tensor<?x3x5x1x1x1x1xf32>, %il: tensor<?x4x5x4x2x1xf32>, %it: tensor<?x4x3x4x2x1xf32>)
    -> tensor<?x3x5x2x1xf32> {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %v) source(%s, %s) transition(%t, %t) turn_dl(%t) turn_ru(%t)
      mark(%m, %m) direct(%d) init_left(%il) init_top(%it) orientations [0, 1, 2, 3]
      {schedule = #plstm.schedule<logdepth>}
      : (tensor<?x3x5x4x1xf32>, tensor<?x3x5x4x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x4x3x5x1x1x1xf32>,
         tensor<?x4x3x5x1x1x1xf32>, tensor<?x4x3x5x1x1xf32>, tensor<?x4x3x5x1x1xf32>,
         tensor<?x4x3x5x1x1xf32>, tensor<?x4x3x5x1x1xf32>, tensor<?x4x3x5x1x1x1xf32>,
         tensor<?x4x3x5x1x1x1xf32>, tensor<?x3x5x1x1x1x1xf32>, tensor<?x4x5x4x2x1xf32>,
         tensor<?x4x3x4x2x1xf32>)
      -> (tensor<?x3x5x2x1xf32>, tensor<?x4x5x4x2x1xf32>, tensor<?x4x3x4x2x1xf32>)
  return %y : tensor<?x3x5x2x1xf32>
}

// One turn only (ru), one initial state (top), the default orientation.
// CHECK-LABEL: func.func @scan2d_turn_ru
// CHECK: plstm.scan2d qkv(%arg0, %arg0, %arg0) source(%arg1, %arg1) transition(%arg2, %arg2) turn_ru(%arg2) mark(%arg3, %arg3) direct(%arg4) init_top(%arg5) :
// CHECK-NOT: orientations
// CHECK: return
func.func @scan2d_turn_ru(%q: tensor<1x2x2x1x1xf32>, %s: tensor<1x1x2x2x1x1x1xf32>,
    %t: tensor<1x1x2x2x1x1xf32>, %m: tensor<1x1x2x2x1x1x1xf32>, %d: tensor<1x2x2x1x1x1x1xf32>,
    %it: tensor<1x1x2x1x1x1xf32>) -> tensor<1x2x2x1x1xf32> {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_ru(%t)
      mark(%m, %m) direct(%d) init_top(%it)
      : (tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x1x2x2x1x1x1xf32>,
         tensor<1x1x2x2x1x1x1xf32>, tensor<1x1x2x2x1x1xf32>, tensor<1x1x2x2x1x1xf32>,
         tensor<1x1x2x2x1x1xf32>, tensor<1x1x2x2x1x1x1xf32>, tensor<1x1x2x2x1x1x1xf32>,
         tensor<1x2x2x1x1x1x1xf32>, tensor<1x1x2x1x1x1xf32>)
      -> (tensor<1x2x2x1x1xf32>, tensor<1x1x2x1x1x1xf32>, tensor<1x1x2x1x1x1xf32>)
  return %y : tensor<1x2x2x1x1xf32>
}

// No turn transitions at all (SPEC A3): independent rows and columns.
// CHECK-LABEL: func.func @scan2d_no_turns
// CHECK: plstm.scan2d qkv(%arg0, %arg0, %arg0) source(%arg1, %arg1) transition(%arg2, %arg2) mark(%arg3, %arg3) direct(%arg4) orientations [1, 2] :
func.func @scan2d_no_turns(%q: tensor<1x2x2x1x1xf32>, %s: tensor<1x2x2x2x1x1x1xf32>,
    %t: tensor<1x2x2x2x1x1xf32>, %m: tensor<1x2x2x2x1x1x1xf32>, %d: tensor<1x2x2x1x1x1x1xf32>)
    -> tensor<1x2x2x1x1xf32> {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t)
      mark(%m, %m) direct(%d) orientations [1, 2]
      : (tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x2x2x2x1x1x1xf32>,
         tensor<1x2x2x2x1x1x1xf32>, tensor<1x2x2x2x1x1xf32>, tensor<1x2x2x2x1x1xf32>,
         tensor<1x2x2x2x1x1x1xf32>, tensor<1x2x2x2x1x1x1xf32>, tensor<1x2x2x1x1x1x1xf32>)
      -> (tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1x1xf32>, tensor<1x2x2x1x1x1xf32>)
  return %y : tensor<1x2x2x1x1xf32>
}

// CHECK-LABEL: func.func @scan_dag
// CHECK: plstm.scan_dag qkv(%arg0, %arg0, %arg0) graph(%arg1, %arg2) source(%arg3) transition(%arg4) mark(%arg3) direct(%arg5) {qk_scale = 1.000000e+00 : f64, schedule = #plstm.schedule<sequential>} : (tensor<?x?x32x1xf32>, tensor<?x?x32x1xf32>, tensor<?x?x32x1xf32>, tensor<?x2xi32>, tensor<?x2xi64>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x32x1xf32>
func.func @scan_dag(%q: tensor<?x?x32x1xf32>, %e: tensor<?x2xi32>, %l: tensor<?x2xi64>,
    %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>, %d: tensor<?x?x1x1x1x1xf32>)
    -> tensor<?x?x32x1xf32> {
  %y = plstm.scan_dag qkv(%q, %q, %q) graph(%e, %l) source(%s) transition(%t) mark(%s) direct(%d)
      {qk_scale = 1.0 : f64, schedule = #plstm.schedule<sequential>}
      : (tensor<?x?x32x1xf32>, tensor<?x?x32x1xf32>, tensor<?x?x32x1xf32>, tensor<?x2xi32>,
         tensor<?x2xi64>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1x1x1xf32>) -> tensor<?x?x32x1xf32>
  return %y : tensor<?x?x32x1xf32>
}

// The schedule attribute on its own: every kind, with and without a chunk.
// CHECK-LABEL: func.func @schedules
// CHECK-SAME: plstm.a = #plstm.schedule<sequential>
// CHECK-SAME: plstm.b = #plstm.schedule<chunkwise, chunk = 64>
// CHECK-SAME: plstm.c = #plstm.schedule<logdepth>
// CHECK-SAME: plstm.d = #plstm.schedule<logdepth, chunk = 8>
func.func @schedules() attributes {
    plstm.a = #plstm.schedule<sequential>, plstm.b = #plstm.schedule<chunkwise, chunk = 64>,
    plstm.c = #plstm.schedule<logdepth>, plstm.d = #plstm.schedule<logdepth, chunk = 8>} {
  return
}
