// A 4×3 grid, J = 1, both turns, both initial states, four orientations,
// every output returned: the GPU path's parallel orientations (each into
// its own partial output and last-state slots) checked on the CPU.
func.func @j1_both_turns_init(%q: tensor<?x4x3x5x1xf32>, %k: tensor<?x4x3x5x1xf32>, %v: tensor<?x4x3x3x1xf32>,
    %sr: tensor<?x4x4x3x1x1x1xf32>, %sd: tensor<?x4x4x3x1x1x1xf32>,
    %trl: tensor<?x4x4x3x1x1xf32>, %tdu: tensor<?x4x4x3x1x1xf32>,
    %tdl: tensor<?x4x4x3x1x1xf32>, %tru: tensor<?x4x4x3x1x1xf32>,
    %ml: tensor<?x4x4x3x1x1x1xf32>, %mu: tensor<?x4x4x3x1x1x1xf32>,
    %d: tensor<?x4x3x1x1x1x1xf32>, %il: tensor<?x4x3x5x3x1xf32>, %it: tensor<?x4x4x5x3x1xf32>)
    -> (tensor<?x4x3x3x1xf32>, tensor<?x4x3x5x3x1xf32>, tensor<?x4x4x5x3x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu)
      turn_dl(%tdl) turn_ru(%tru) mark(%ml, %mu) direct(%d) init_left(%il) init_top(%it)
      orientations [0, 1, 2, 3]
      : (tensor<?x4x3x5x1xf32>, tensor<?x4x3x5x1xf32>, tensor<?x4x3x3x1xf32>,
         tensor<?x4x4x3x1x1x1xf32>, tensor<?x4x4x3x1x1x1xf32>,
         tensor<?x4x4x3x1x1xf32>, tensor<?x4x4x3x1x1xf32>,
         tensor<?x4x4x3x1x1xf32>, tensor<?x4x4x3x1x1xf32>,
         tensor<?x4x4x3x1x1x1xf32>, tensor<?x4x4x3x1x1x1xf32>,
         tensor<?x4x3x1x1x1x1xf32>, tensor<?x4x3x5x3x1xf32>, tensor<?x4x4x5x3x1xf32>)
      -> (tensor<?x4x3x3x1xf32>, tensor<?x4x3x5x3x1xf32>, tensor<?x4x4x5x3x1xf32>)
  return %y, %r, %dd : tensor<?x4x3x3x1xf32>, tensor<?x4x3x5x3x1xf32>, tensor<?x4x4x5x3x1xf32>
}

