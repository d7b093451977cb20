// PERFORMANCE.md shape `1d-j4` (--dim B=8,T=2048; DK = DV = 64, JT = JV = JO = 4).
func.func @scan1d_j4(%a0: tensor<?x?x64x1xf32>, %a1: tensor<?x?x64x1xf32>, %a2: tensor<?x?x64x4xf32>, %a3: tensor<?x?x4x1x4xf32>, %a4: tensor<?x?x4x4xf32>, %a5: tensor<?x?x4x1x4xf32>, %a6: tensor<?x?x4x1x1x4xf32>) -> (tensor<?x?x64x4xf32>, tensor<?x64x64x4xf32>) {
  %y, %c = plstm.scan1d qkv(%a0, %a1, %a2) source(%a3) transition(%a4) mark(%a5) direct(%a6)
      : (tensor<?x?x64x1xf32>, tensor<?x?x64x1xf32>, tensor<?x?x64x4xf32>, tensor<?x?x4x1x4xf32>, tensor<?x?x4x4xf32>, tensor<?x?x4x1x4xf32>, tensor<?x?x4x1x1x4xf32>) -> (tensor<?x?x64x4xf32>, tensor<?x64x64x4xf32>)
  return %y, %c : tensor<?x?x64x4xf32>, tensor<?x64x64x4xf32>
}
