// A 2D scan on a 100 x 3 grid, beyond one 64 x 64 tile: the log-depth
// schedule's state quad tree over 16 x 16 leaf tiles (gpu-on-cpu-check.test).
func.func @logdepth2d_large(%q: tensor<?x100x3x2x1xf32>, %s: tensor<?x1x100x3x1x1x1xf32>, %t: tensor<?x1x100x3x1x1xf32>,
    %d: tensor<?x100x3x1x1x1x1xf32>) -> (tensor<?x100x3x2x1xf32>, tensor<?x1x3x2x2x1xf32>, tensor<?x1x100x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_dl(%t) mark(%s, %s) direct(%d)
      : (tensor<?x100x3x2x1xf32>, tensor<?x100x3x2x1xf32>, tensor<?x100x3x2x1xf32>, tensor<?x1x100x3x1x1x1xf32>,
         tensor<?x1x100x3x1x1x1xf32>, tensor<?x1x100x3x1x1xf32>, tensor<?x1x100x3x1x1xf32>, tensor<?x1x100x3x1x1xf32>,
         tensor<?x1x100x3x1x1x1xf32>, tensor<?x1x100x3x1x1x1xf32>, tensor<?x100x3x1x1x1x1xf32>)
      -> (tensor<?x100x3x2x1xf32>, tensor<?x1x3x2x2x1xf32>, tensor<?x1x100x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x100x3x2x1xf32>, tensor<?x1x3x2x2x1xf32>, tensor<?x1x100x2x2x1xf32>
}
