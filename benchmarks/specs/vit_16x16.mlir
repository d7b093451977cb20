// PERFORMANCE.md shapes `vit-t` (--dim B=24) and `vit-b` (--dim B=96): fused four orientations, 16×16, d = 64.
// A vision layer reads only y: the last states are not returned, so the one-tile
// (log-depth) schedule skips them (docs/schedules.md).
func.func @vit_16x16(%q: tensor<?x16x16x64x1xf32>, %k: tensor<?x16x16x64x1xf32>, %v: tensor<?x16x16x64x1xf32>, %sr: tensor<?x4x16x16x1x1x1xf32>, %sd: tensor<?x4x16x16x1x1x1xf32>, %trl: tensor<?x4x16x16x1x1xf32>, %tdu: tensor<?x4x16x16x1x1xf32>, %tdl: tensor<?x4x16x16x1x1xf32>, %ml: tensor<?x4x16x16x1x1x1xf32>, %mu: tensor<?x4x16x16x1x1x1xf32>, %d: tensor<?x16x16x1x1x1x1xf32>) -> tensor<?x16x16x64x1xf32> {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d) orientations [0, 1, 2, 3]
      : (tensor<?x16x16x64x1xf32>, tensor<?x16x16x64x1xf32>, tensor<?x16x16x64x1xf32>, tensor<?x4x16x16x1x1x1xf32>, tensor<?x4x16x16x1x1x1xf32>, tensor<?x4x16x16x1x1xf32>, tensor<?x4x16x16x1x1xf32>, tensor<?x4x16x16x1x1xf32>, tensor<?x4x16x16x1x1x1xf32>, tensor<?x4x16x16x1x1x1xf32>, tensor<?x16x16x1x1x1x1xf32>) -> (tensor<?x16x16x64x1xf32>, tensor<?x4x16x64x64x1xf32>, tensor<?x4x16x64x64x1xf32>)
  return %y : tensor<?x16x16x64x1xf32>
}
