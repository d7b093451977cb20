// The contract check fails on any plstm op left after lowering, at the op's
// location, and says why.
// RUN: not plstm-opt %s --plstm-lower-sequential --plstm-check-lowered 2>&1 | FileCheck %s
// RUN: plstm-opt %s --plstm-cpu-pipeline 2>&1 | FileCheck %s --check-prefix=PIPELINE

func.func @f(%q: tensor<1x2x2x1x1xf32>, %s: tensor<1x1x2x2x1x1x1xf32>, %t: tensor<1x1x2x2x1x1xf32>,
    %d: tensor<1x2x2x1x1x1x1xf32>) -> (tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>) {
  // Only plstm-lower-sequential ran, so nothing lowered the log-depth
  // schedule; the full pipeline lowers every schedule.
  // CHECK: check-lowered.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'plstm.scan2d' was not lowered (contract check): no lowering handled its schedule #plstm.schedule<logdepth>
  // PIPELINE-NOT: error
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) mark(%s, %s) direct(%d)
      {schedule = #plstm.schedule<logdepth>}
      : (tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x1x2x2x1x1x1xf32>,
         tensor<1x1x2x2x1x1x1xf32>, tensor<1x1x2x2x1x1xf32>, tensor<1x1x2x2x1x1xf32>,
         tensor<1x1x2x2x1x1x1xf32>, tensor<1x1x2x2x1x1x1xf32>, tensor<1x2x2x1x1x1x1xf32>)
      -> (tensor<1x2x2x1x1xf32>, tensor<1x1x2x1x1x1xf32>, tensor<1x1x2x1x1x1xf32>)
  // Without plstm-select-schedule an op has no schedule and nothing lowers it;
  // the pipeline selects a schedule and lowers it.
  // CHECK: check-lowered.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'plstm.scan2d' was not lowered (contract check): it has no schedule (run plstm-select-schedule first)
  // PIPELINE-NOT: error
  %y2, %r2, %dd2 = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) mark(%s, %s) direct(%d)
      : (tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>, tensor<1x1x2x2x1x1x1xf32>,
         tensor<1x1x2x2x1x1x1xf32>, tensor<1x1x2x2x1x1xf32>, tensor<1x1x2x2x1x1xf32>,
         tensor<1x1x2x2x1x1x1xf32>, tensor<1x1x2x2x1x1x1xf32>, tensor<1x2x2x1x1x1x1xf32>)
      -> (tensor<1x2x2x1x1xf32>, tensor<1x1x2x1x1x1xf32>, tensor<1x1x2x1x1x1xf32>)
  return %y, %y2 : tensor<1x2x2x1x1xf32>, tensor<1x2x2x1x1xf32>
}
