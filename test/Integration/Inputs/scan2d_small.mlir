// Small 2D scans for the CPU tests: odd sizes, J > 1, turn variants.

// 3×5 grid, J > 1, orientations [0, 1, 2, 3], both turns, both initial states.
func.func @both_turns_init(%q: tensor<?x3x5x3x2xf32>, %k: tensor<?x3x5x3x1xf32>, %v: tensor<?x3x5x2x2xf32>,
    %sr: tensor<?x4x3x5x2x1x2xf32>, %sd: tensor<?x4x3x5x2x1x2xf32>,
    %trl: tensor<?x4x3x5x2x2xf32>, %tdu: tensor<?x4x3x5x2x2xf32>,
    %tdl: tensor<?x4x3x5x2x2xf32>, %tru: tensor<?x4x3x5x2x2xf32>,
    %ml: tensor<?x4x3x5x3x2x2xf32>, %mu: tensor<?x4x3x5x3x2x2xf32>,
    %d: tensor<?x3x5x3x2x1x2xf32>, %il: tensor<?x4x5x3x2x2xf32>, %it: tensor<?x4x3x3x2x2xf32>)
    -> (tensor<?x3x5x2x3xf32>, tensor<?x4x5x3x2x2xf32>, tensor<?x4x3x3x2x2xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu)
      turn_dl(%tdl) turn_ru(%tru) mark(%ml, %mu) direct(%d) init_left(%il) init_top(%it)
      orientations [0, 1, 2, 3]
      : (tensor<?x3x5x3x2xf32>, tensor<?x3x5x3x1xf32>, tensor<?x3x5x2x2xf32>,
         tensor<?x4x3x5x2x1x2xf32>, tensor<?x4x3x5x2x1x2xf32>,
         tensor<?x4x3x5x2x2xf32>, tensor<?x4x3x5x2x2xf32>,
         tensor<?x4x3x5x2x2xf32>, tensor<?x4x3x5x2x2xf32>,
         tensor<?x4x3x5x3x2x2xf32>, tensor<?x4x3x5x3x2x2xf32>,
         tensor<?x3x5x3x2x1x2xf32>, tensor<?x4x5x3x2x2xf32>, tensor<?x4x3x3x2x2xf32>)
      -> (tensor<?x3x5x2x3xf32>, tensor<?x4x5x3x2x2xf32>, tensor<?x4x3x3x2x2xf32>)
  return %y, %r, %dd : tensor<?x3x5x2x3xf32>, tensor<?x4x5x3x2x2xf32>, tensor<?x4x3x3x2x2xf32>
}

// 1×7 grid (a single row), one turn (ru), orientation [2], init_top only.
func.func @turn_ru_only(%q: tensor<?x1x7x4x1xf32>, %s: tensor<?x1x1x7x1x1x1xf32>,
    %t: tensor<?x1x1x7x1x1xf32>, %m: tensor<?x1x1x7x1x1x1xf32>, %d: tensor<?x1x7x1x1x1x1xf32>,
    %it: tensor<?x1x1x4x4x1xf32>)
    -> (tensor<?x1x7x4x1xf32>, tensor<?x1x7x4x4x1xf32>, tensor<?x1x1x4x4x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_ru(%t)
      mark(%m, %m) direct(%d) init_top(%it) orientations [2]
      : (tensor<?x1x7x4x1xf32>, tensor<?x1x7x4x1xf32>, tensor<?x1x7x4x1xf32>,
         tensor<?x1x1x7x1x1x1xf32>, tensor<?x1x1x7x1x1x1xf32>, tensor<?x1x1x7x1x1xf32>,
         tensor<?x1x1x7x1x1xf32>, tensor<?x1x1x7x1x1xf32>, tensor<?x1x1x7x1x1x1xf32>,
         tensor<?x1x1x7x1x1x1xf32>, tensor<?x1x7x1x1x1x1xf32>, tensor<?x1x1x4x4x1xf32>)
      -> (tensor<?x1x7x4x1xf32>, tensor<?x1x7x4x4x1xf32>, tensor<?x1x1x4x4x1xf32>)
  return %y, %r, %dd : tensor<?x1x7x4x1xf32>, tensor<?x1x7x4x4x1xf32>, tensor<?x1x1x4x4x1xf32>
}

// 6×1 grid (a single column) in f64, no turns, orientations [1, 3].
func.func @no_turns_f64(%q: tensor<?x6x1x2x1xf64>, %s: tensor<?x2x6x1x1x1x1xf64>,
    %t: tensor<?x2x6x1x1x1xf64>, %m: tensor<?x2x6x1x1x1x1xf64>, %d: tensor<?x6x1x1x1x1x1xf64>)
    -> (tensor<?x6x1x2x1xf64>, tensor<?x2x1x2x2x1xf64>, tensor<?x2x6x2x2x1xf64>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t)
      mark(%m, %m) direct(%d) orientations [1, 3]
      : (tensor<?x6x1x2x1xf64>, tensor<?x6x1x2x1xf64>, tensor<?x6x1x2x1xf64>,
         tensor<?x2x6x1x1x1x1xf64>, tensor<?x2x6x1x1x1x1xf64>, tensor<?x2x6x1x1x1xf64>,
         tensor<?x2x6x1x1x1xf64>, tensor<?x2x6x1x1x1x1xf64>, tensor<?x2x6x1x1x1x1xf64>,
         tensor<?x6x1x1x1x1x1xf64>)
      -> (tensor<?x6x1x2x1xf64>, tensor<?x2x1x2x2x1xf64>, tensor<?x2x6x2x2x1xf64>)
  return %y, %r, %dd : tensor<?x6x1x2x1xf64>, tensor<?x2x1x2x2x1xf64>, tensor<?x2x6x2x2x1xf64>
}

// 4×3 grid, J = 1 (the sequential schedule's one-pass state update), both
// turns, both initial states, orientations [0, 1, 2, 3].
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

// 3×3 grid (square: the last right and down states have one type, so CSE
// merges their tensor.empty), J = 1, four orientations, only y returned.
func.func @square_y_only(%q: tensor<?x3x3x4x1xf32>, %sr: tensor<?x4x3x3x1x1x1xf32>,
    %t: tensor<?x4x3x3x1x1xf32>, %m: tensor<?x4x3x3x1x1x1xf32>, %d: tensor<?x3x3x1x1x1x1xf32>)
    -> tensor<?x3x3x4x1xf32> {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%sr, %sr) transition(%t, %t) turn_dl(%t)
      mark(%m, %m) direct(%d) orientations [0, 1, 2, 3]
      : (tensor<?x3x3x4x1xf32>, tensor<?x3x3x4x1xf32>, tensor<?x3x3x4x1xf32>,
         tensor<?x4x3x3x1x1x1xf32>, tensor<?x4x3x3x1x1x1xf32>, tensor<?x4x3x3x1x1xf32>,
         tensor<?x4x3x3x1x1xf32>, tensor<?x4x3x3x1x1xf32>, tensor<?x4x3x3x1x1x1xf32>,
         tensor<?x4x3x3x1x1x1xf32>, tensor<?x3x3x1x1x1x1xf32>)
      -> (tensor<?x3x3x4x1xf32>, tensor<?x4x3x4x4x1xf32>, tensor<?x4x3x4x4x1xf32>)
  return %y : tensor<?x3x3x4x1xf32>
}
