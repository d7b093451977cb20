// PERFORMANCE.md shape `1d-xl` (--dim B=64,T=4096; d = 128, J = 1).
func.func @scan1d_d128(%a0: tensor<?x?x128x1xf32>, %a1: tensor<?x?x128x1xf32>, %a2: tensor<?x?x128x1xf32>, %a3: tensor<?x?x1x1x1xf32>, %a4: tensor<?x?x1x1xf32>, %a5: tensor<?x?x1x1x1xf32>, %a6: tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x128x1xf32>, tensor<?x128x128x1xf32>) {
  %y, %c = plstm.scan1d qkv(%a0, %a1, %a2) source(%a3) transition(%a4) mark(%a5) direct(%a6)
      : (tensor<?x?x128x1xf32>, tensor<?x?x128x1xf32>, tensor<?x?x128x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x128x1xf32>, tensor<?x128x128x1xf32>)
  return %y, %c : tensor<?x?x128x1xf32>, tensor<?x128x128x1xf32>
}
