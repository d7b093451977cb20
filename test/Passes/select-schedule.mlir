// RUN: plstm-opt %s --plstm-select-schedule | FileCheck %s --check-prefix=DEFAULT
// RUN: plstm-opt %s --plstm-select-schedule="force=chunkwise:16" | FileCheck %s --check-prefix=FORCE
// RUN: not plstm-opt %s --plstm-select-schedule="force=chunkwise" 2>&1 | FileCheck %s --check-prefix=BAD

// An op without a schedule gets the sequential one; an op with a schedule
// keeps it unless `force` is given.
// DEFAULT-LABEL: func.func @f
// DEFAULT: plstm.scan1d {{.*}}schedule = #plstm.schedule<sequential>
// DEFAULT: plstm.scan1d {{.*}}schedule = #plstm.schedule<logdepth, chunk = 2>
// FORCE-LABEL: func.func @f
// FORCE: plstm.scan1d {{.*}}schedule = #plstm.schedule<chunkwise, chunk = 16>
// FORCE: plstm.scan1d {{.*}}schedule = #plstm.schedule<chunkwise, chunk = 16>
// BAD: error: plstm-select-schedule: option force: schedule 'chunkwise': chunkwise needs a chunk size (chunkwise:N)
func.func @f(%q: tensor<1x8x1x1xf32>, %s: tensor<1x8x1x1x1xf32>, %t: tensor<1x8x1x1xf32>,
    %d: tensor<1x8x1x1x1x1xf32>) -> tensor<1x8x1x1xf32> {
  %y, %l = plstm.scan1d qkv(%q, %q, %q) source(%s) transition(%t) mark(%s) direct(%d)
      : (tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1x1xf32>,
         tensor<1x8x1x1xf32>, tensor<1x8x1x1x1xf32>, tensor<1x8x1x1x1x1xf32>)
      -> (tensor<1x8x1x1xf32>, tensor<1x1x1x1xf32>)
  %y2, %l2 = plstm.scan1d qkv(%q, %q, %q) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<logdepth, chunk = 2>}
      : (tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1x1xf32>,
         tensor<1x8x1x1xf32>, tensor<1x8x1x1x1xf32>, tensor<1x8x1x1x1x1xf32>)
      -> (tensor<1x8x1x1xf32>, tensor<1x1x1x1xf32>)
  return %y : tensor<1x8x1x1xf32>
}
