// PERFORMANCE.md shape `2d-64` (--dim B=64; 64×64, d = 64, J = 1, one orientation, one turn).
func.func @scan2d_64x64(%q: tensor<?x64x64x64x1xf32>, %k: tensor<?x64x64x64x1xf32>, %v: tensor<?x64x64x64x1xf32>, %sr: tensor<?x1x64x64x1x1x1xf32>, %sd: tensor<?x1x64x64x1x1x1xf32>, %trl: tensor<?x1x64x64x1x1xf32>, %tdu: tensor<?x1x64x64x1x1xf32>, %tdl: tensor<?x1x64x64x1x1xf32>, %ml: tensor<?x1x64x64x1x1x1xf32>, %mu: tensor<?x1x64x64x1x1x1xf32>, %d: tensor<?x64x64x1x1x1x1xf32>) -> (tensor<?x64x64x64x1xf32>, tensor<?x1x64x64x64x1xf32>, tensor<?x1x64x64x64x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d) orientations [0]
      : (tensor<?x64x64x64x1xf32>, tensor<?x64x64x64x1xf32>, tensor<?x64x64x64x1xf32>, tensor<?x1x64x64x1x1x1xf32>, tensor<?x1x64x64x1x1x1xf32>, tensor<?x1x64x64x1x1xf32>, tensor<?x1x64x64x1x1xf32>, tensor<?x1x64x64x1x1xf32>, tensor<?x1x64x64x1x1x1xf32>, tensor<?x1x64x64x1x1x1xf32>, tensor<?x64x64x1x1x1x1xf32>) -> (tensor<?x64x64x64x1xf32>, tensor<?x1x64x64x64x1xf32>, tensor<?x1x64x64x64x1xf32>)
  return %y, %r, %dd : tensor<?x64x64x64x1xf32>, tensor<?x1x64x64x64x1xf32>, tensor<?x1x64x64x64x1xf32>
}
