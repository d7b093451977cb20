// The four-orientation 2D scan of a ViT-T pLSTM layer at 224 px (SPEC §5.4):
// a 14×14 grid of patches, DK = DV = 64, all J = 1, one P-mode gate set per
// orientation (both turn transitions), D added once. The batch axis holds
// batch × heads and is dynamic.
//
//   plstm-opt examples/scan2d_vit.mlir
//   plstm-run examples/scan2d_vit.mlir --random --seed 1 --dim B=3 --output-dir out
func.func @vit_scan(%q: tensor<?x14x14x64x1xf32>, %k: tensor<?x14x14x64x1xf32>,
                    %v: tensor<?x14x14x64x1xf32>,
                    %s_r: tensor<?x4x14x14x1x1x1xf32>, %s_d: tensor<?x4x14x14x1x1x1xf32>,
                    %t_rl: tensor<?x4x14x14x1x1xf32>, %t_du: tensor<?x4x14x14x1x1xf32>,
                    %t_dl: tensor<?x4x14x14x1x1xf32>, %t_ru: tensor<?x4x14x14x1x1xf32>,
                    %m_l: tensor<?x4x14x14x1x1x1xf32>, %m_u: tensor<?x4x14x14x1x1x1xf32>,
                    %d: tensor<?x14x14x1x1x1x1xf32>) -> tensor<?x14x14x64x1xf32> {
  %y, %last_right, %last_down = plstm.scan2d qkv(%q, %k, %v) source(%s_r, %s_d)
      transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%m_l, %m_u) direct(%d)
      orientations [0, 1, 2, 3]
      : (tensor<?x14x14x64x1xf32>, tensor<?x14x14x64x1xf32>, tensor<?x14x14x64x1xf32>,
         tensor<?x4x14x14x1x1x1xf32>, tensor<?x4x14x14x1x1x1xf32>,
         tensor<?x4x14x14x1x1xf32>, tensor<?x4x14x14x1x1xf32>,
         tensor<?x4x14x14x1x1xf32>, tensor<?x4x14x14x1x1xf32>,
         tensor<?x4x14x14x1x1x1xf32>, tensor<?x4x14x14x1x1x1xf32>,
         tensor<?x14x14x1x1x1x1xf32>)
      -> (tensor<?x14x14x64x1xf32>, tensor<?x4x14x64x64x1xf32>, tensor<?x4x14x64x64x1xf32>)
  return %y : tensor<?x14x14x64x1xf32>
}
