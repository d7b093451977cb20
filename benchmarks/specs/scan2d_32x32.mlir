// PERFORMANCE.md shape `2d-32` (--dim B=8; 32×32, d = 64, J = 1, one orientation,
// one turn as in D-mode).
func.func @scan2d_32x32(%q: tensor<?x32x32x64x1xf32>, %k: tensor<?x32x32x64x1xf32>, %v: tensor<?x32x32x64x1xf32>, %sr: tensor<?x1x32x32x1x1x1xf32>, %sd: tensor<?x1x32x32x1x1x1xf32>, %trl: tensor<?x1x32x32x1x1xf32>, %tdu: tensor<?x1x32x32x1x1xf32>, %tdl: tensor<?x1x32x32x1x1xf32>, %ml: tensor<?x1x32x32x1x1x1xf32>, %mu: tensor<?x1x32x32x1x1x1xf32>, %d: tensor<?x32x32x1x1x1x1xf32>) -> (tensor<?x32x32x64x1xf32>, tensor<?x1x32x64x64x1xf32>, tensor<?x1x32x64x64x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d)
      : (tensor<?x32x32x64x1xf32>, tensor<?x32x32x64x1xf32>, tensor<?x32x32x64x1xf32>, tensor<?x1x32x32x1x1x1xf32>, tensor<?x1x32x32x1x1x1xf32>, tensor<?x1x32x32x1x1xf32>, tensor<?x1x32x32x1x1xf32>, tensor<?x1x32x32x1x1xf32>, tensor<?x1x32x32x1x1x1xf32>, tensor<?x1x32x32x1x1x1xf32>, tensor<?x32x32x1x1x1x1xf32>) -> (tensor<?x32x32x64x1xf32>, tensor<?x1x32x64x64x1xf32>, tensor<?x1x32x64x64x1xf32>)
  return %y, %r, %dd : tensor<?x32x32x64x1xf32>, tensor<?x1x32x64x64x1xf32>, tensor<?x1x32x64x64x1xf32>
}
