// Every verifier rule of the plstm dialect, one chunk each; the comment of a
// chunk names the rule (labels as in the ops' descriptions).
// RUN: plstm-opt %s -split-input-file -verify-diagnostics

// C-scan1d-1: one element type
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf64>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{operand #1 (k) has element type 'f64', expected 'f32' like operand #0 (q) (C-scan1d-1)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf64>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-1: f32 or f64 only
func.func @f(%q: tensor<2x8x4x2xf16>, %k: tensor<2x8x4x1xf16>, %v: tensor<2x8x3x2xf16>, %source: tensor<2x8x3x1x2xf16>, %transition: tensor<2x8x3x3xf16>, %mark: tensor<2x8x2x2x3xf16>, %direct: tensor<2x8x2x2x1x2xf16>, %initial: tensor<2x4x3x3xf16>) {
  // expected-error @+1 {{operand #0 (q) has element type 'f16', expected f32 or f64 (C-scan1d-1)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf16>, tensor<2x8x4x1xf16>, tensor<2x8x3x2xf16>, tensor<2x8x3x1x2xf16>, tensor<2x8x3x3xf16>, tensor<2x8x2x2x3xf16>, tensor<2x8x2x2x1x2xf16>, tensor<2x4x3x3xf16>)
      -> (tensor<2x8x3x2xf16>, tensor<2x4x3x3xf16>)
  return
}

// -----

// C-scan1d-2: rank
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{operand #3 (source) has rank 4, expected 5 [B, T, JT, JK, JV] (C-scan1d-2)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-3: static feature dims
func.func @f(%q: tensor<2x8x?x2xf32>, %k: tensor<2x8x?x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{operand #0 (q) has a dynamic dim 2 (DK), expected a static size (C-scan1d-3)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x?x2xf32>, tensor<2x8x?x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-4: batch
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<3x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{operand #2 (v) has dim 0 = 3, expected B = 2 (C-scan1d-4)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<3x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-5: sequence length
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x9x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{operand #5 (mark) has dim 1 = 9, expected T = 8 (C-scan1d-5)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x9x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-6: DK
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x5x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{operand #1 (k) has dim 2 = 5, expected DK = 4 (C-scan1d-6)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf32>, tensor<2x8x5x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-7: DV
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x2x3xf32>) {
  // expected-error @+1 {{operand #7 (initial) has dim 2 = 2, expected DV = 3 (C-scan1d-7)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x2x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-8: JT
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x4xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{operand #4 (transition) has dim 3 = 4, expected JT = 3 (C-scan1d-8)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x4xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-9: copy dims (JV)
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x3xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{operand #6 (direct) has dim 5 = 3, expected JV = 2 (C-scan1d-9)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x3xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-9: copy dims (JO of the result)
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{result #0 (y) has dim 3 = 3, expected JO = 2 (C-scan1d-9)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial)
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x3xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-10: finite QK scale
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{'qk_scale' = INF, expected a finite value (C-scan1d-10)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial) {qk_scale = 0x7FF0000000000000 : f64}
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-11: a positive output norm epsilon
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>, %initial: tensor<2x4x3x3xf32>) {
  // expected-error @+1 {{'output_norm_eps' = 0.000000e+00, expected a finite positive value (C-scan1d-11)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct) init(%initial) {output_norm_eps = 0.0 : f64}
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>, tensor<2x4x3x3xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3xf32>)
  return
}

// -----

// C-scan1d-2: rank of a result, without the optional initial state
func.func @f(%q: tensor<2x8x4x2xf32>, %k: tensor<2x8x4x1xf32>, %v: tensor<2x8x3x2xf32>, %source: tensor<2x8x3x1x2xf32>, %transition: tensor<2x8x3x3xf32>, %mark: tensor<2x8x2x2x3xf32>, %direct: tensor<2x8x2x2x1x2xf32>) {
  // expected-error @+1 {{result #1 (last) has rank 5, expected 4 [B, DK, DV, JT] (C-scan1d-2)}}
  %y, %l = plstm.scan1d qkv(%q, %k, %v) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x8x4x2xf32>, tensor<2x8x4x1xf32>, tensor<2x8x3x2xf32>, tensor<2x8x3x1x2xf32>, tensor<2x8x3x3xf32>, tensor<2x8x2x2x3xf32>, tensor<2x8x2x2x1x2xf32>)
      -> (tensor<2x8x3x2xf32>, tensor<2x4x3x3x1xf32>)
  return
}

// -----

// C-schedule-1: chunk >= 1
// expected-error @+1 {{schedule chunk must be >= 1, got 0 (C-schedule-1)}}
func.func @f() attributes {plstm.s = #plstm.schedule<chunkwise, chunk = 0>} {
  return
}

// -----

// C-schedule-2: sequential takes no chunk
// expected-error @+1 {{sequential schedule takes no chunk, got chunk = 4 (C-schedule-2)}}
func.func @f() attributes {plstm.s = #plstm.schedule<sequential, chunk = 4>} {
  return
}

// -----

// C-schedule-4: chunk at most 4096
// expected-error @+1 {{schedule chunk must be <= 4096, got 100000 (C-schedule-4)}}
func.func @f() attributes {plstm.s = #plstm.schedule<chunkwise, chunk = 100000>} {
  return
}

// -----

// C-schedule-3: chunkwise needs a chunk
// expected-error @+1 {{chunkwise schedule needs a chunk size, e.g. #plstm.schedule<chunkwise, chunk = 64> (C-schedule-3)}}
func.func @f() attributes {plstm.s = #plstm.schedule<chunkwise>} {
  return
}

// -----

// unknown schedule kind
// expected-error @+1 {{unknown schedule kind 'wavefront', expected sequential, chunkwise or logdepth}}
func.func @f() attributes {plstm.s = #plstm.schedule<wavefront>} {
  return
}

// -----

// C-scan2d-1: one element type
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf64>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #10 (mark_u) has element type 'f64', expected 'f32' like operand #0 (q) (C-scan2d-1)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf64>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-2: rank
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #11 (direct) has rank 6, expected 7 [B, MX, MY, JO, JQ, JK, JV] (C-scan2d-2)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-3: static grid sides
func.func @f(%q: tensor<2x?x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #0 (q) has a dynamic dim 1 (MX), expected a static size (C-scan2d-3)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x?x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-4: batch
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<1x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #6 (t_du) has dim 0 = 1, expected B = 2 (C-scan2d-4)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<1x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-5: MX
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x4x4x2x2xf32>) {
  // expected-error @+1 {{operand #13 (init_top) has dim 2 = 4, expected MX = 3 (C-scan2d-5)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x4x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-6: MY
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x6x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #1 (k) has dim 2 = 6, expected MY = 5 (C-scan2d-6)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x6x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-7: DK
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{result #1 (last_right) has dim 3 = 3, expected DK = 4 (C-scan2d-7)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x3x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-8: DV
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x1x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #12 (init_left) has dim 4 = 1, expected DV = 2 (C-scan2d-8)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x1x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-9: JT
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x3xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #5 (t_rl) has dim 5 = 3, expected JT = 2 (C-scan2d-9)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x3xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-10: copy dims (JQ)
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x2x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #9 (mark_l) has dim 5 = 2, expected JQ = 1 (C-scan2d-10)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-11: orientation axis
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x4x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #3 (source_r) has dim 1 = 4, expected O = 2 (C-scan2d-11)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x4x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-12: orientation values
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{'orientations' entry 1 = 4, expected a value in [0, 3] (C-scan2d-12)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 4]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-12: strictly increasing
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{'orientations' entry 1 = 0 follows 3, expected a strictly increasing list (C-scan2d-12)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [3, 0]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-12: non-empty
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{'orientations' is empty, expected a non-empty subset of [0, 1, 2, 3] (C-scan2d-12)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations []
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-13: finite QK scale
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{'qk_scale' = nan, expected a finite value (C-scan2d-13)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3] {qk_scale = 0x7FF8000000000000 : f64}
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-14: logdepth takes no chunk
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{logdepth schedule of a 2D scan takes no chunk, got chunk = 4 (C-scan2d-14)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3] {schedule = #plstm.schedule<logdepth, chunk = 4>}
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-15: a 2D chunkwise tile side is a power of two
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{chunkwise schedule of a 2D scan needs a power-of-two chunk (the tile side) of at most 64, got chunk = 6 (C-scan2d-15)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3] {schedule = #plstm.schedule<chunkwise, chunk = 6>}
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-15: a 2D chunkwise tile side is at most 64
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_dl: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x2x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_left: tensor<2x2x5x4x2x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{chunkwise schedule of a 2D scan needs a power-of-two chunk (the tile side) of at most 64, got chunk = 128 (C-scan2d-15)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_dl(%t_dl) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_left(%init_left) init_top(%init_top) orientations [0, 3] {schedule = #plstm.schedule<chunkwise, chunk = 128>}
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-scan2d-9 with optional operands absent: operand numbers follow the present operands
func.func @f(%q: tensor<2x3x5x4x1xf32>, %k: tensor<2x3x5x4x1xf32>, %v: tensor<2x3x5x2x2xf32>, %source_r: tensor<2x2x3x5x2x1x2xf32>, %source_d: tensor<2x2x3x5x2x1x2xf32>, %t_rl: tensor<2x2x3x5x2x2xf32>, %t_du: tensor<2x2x3x5x2x2xf32>, %t_ru: tensor<2x2x3x5x1x2xf32>, %mark_l: tensor<2x2x3x5x1x1x2xf32>, %mark_u: tensor<2x2x3x5x1x1x2xf32>, %direct: tensor<2x3x5x1x1x1x2xf32>, %init_top: tensor<2x2x3x4x2x2xf32>) {
  // expected-error @+1 {{operand #7 (t_ru) has dim 4 = 1, expected JT = 2 (C-scan2d-9)}}
  %y, %r, %d = plstm.scan2d qkv(%q, %k, %v) source(%source_r, %source_d) transition(%t_rl, %t_du) turn_ru(%t_ru) mark(%mark_l, %mark_u) direct(%direct) init_top(%init_top) orientations [0, 3]
      : (tensor<2x3x5x4x1xf32>, tensor<2x3x5x4x1xf32>, tensor<2x3x5x2x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x1x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x2x2xf32>, tensor<2x2x3x5x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x2x3x5x1x1x2xf32>, tensor<2x3x5x1x1x1x2xf32>, tensor<2x2x3x4x2x2xf32>)
      -> (tensor<2x3x5x2x1xf32>, tensor<2x2x5x4x2x2xf32>, tensor<2x2x3x4x2x2xf32>)
  return
}

// -----

// C-dag-1: one element type
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf64>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #2 (v) has element type 'f64', expected 'f32' like operand #0 (q) (C-dag-1)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf64>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-2: integer graph tensors
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xf32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #3 (edges) has element type 'f32', expected i32 or i64 (C-dag-2)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xf32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-2: [n, 2] graph tensors
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x3xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #4 (line_edges) has shape [?, 3], expected [L, 2] (C-dag-2)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x3xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-3: rank
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #7 (mark) has rank 4, expected 5 [B, E, JO, JQ, JT] (C-dag-3)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-4: static feature dims
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x?x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #2 (v) has a dynamic dim 2 (DV), expected a static size (C-dag-4)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x?x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-5: batch
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<3x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #5 (source) has dim 0 = 3, expected B = 2 (C-dag-5)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<3x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-6: node count
func.func @f(%q: tensor<2x5x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x7x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #8 (direct) has dim 1 = 7, expected N = 5 (C-dag-6)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x5x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x7x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-7: edge count
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x7x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #7 (mark) has dim 1 = 7, expected E = 6 (C-dag-7)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x7x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-8: line-edge count
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<4x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x5x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #6 (transition) has dim 1 = 5, expected L = 4 (C-dag-8)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<4x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x5x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-9: DK
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x8x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #1 (k) has dim 2 = 8, expected DK = 4 (C-dag-9)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x8x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-10: DV
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{result #0 (y) has dim 2 = 4, expected DV = 3 (C-dag-10)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x4x1xf32>
  return
}

// -----

// C-dag-11: JT
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x3xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{operand #7 (mark) has dim 4 = 3, expected JT = 2 (C-dag-11)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x3xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-12: copy dims (JQ)
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x2x1x1xf32>) {
  // expected-error @+1 {{operand #8 (direct) has dim 3 = 2, expected JQ = 1 (C-dag-12)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct)
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x2x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-13: finite QK scale
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{'qk_scale' = -INF, expected a finite value (C-dag-13)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct) {qk_scale = 0xFFF0000000000000 : f64}
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}

// -----

// C-dag-14: logdepth takes no chunk
func.func @f(%q: tensor<2x?x4x1xf32>, %k: tensor<2x?x4x1xf32>, %v: tensor<2x?x3x1xf32>, %edges: tensor<6x2xi32>, %line_edges: tensor<?x2xi64>, %source: tensor<2x6x2x1x1xf32>, %transition: tensor<2x?x2x2xf32>, %mark: tensor<2x6x1x1x2xf32>, %direct: tensor<2x?x1x1x1x1xf32>) {
  // expected-error @+1 {{logdepth schedule of a DAG scan takes no chunk, got chunk = 2 (C-dag-14)}}
  %y = plstm.scan_dag qkv(%q, %k, %v) graph(%edges, %line_edges) source(%source) transition(%transition) mark(%mark) direct(%direct) {schedule = #plstm.schedule<logdepth, chunk = 2>}
      : (tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>, tensor<2x?x3x1xf32>, tensor<6x2xi32>, tensor<?x2xi64>, tensor<2x6x2x1x1xf32>, tensor<2x?x2x2xf32>, tensor<2x6x1x1x2xf32>, tensor<2x?x1x1x1x1xf32>)
      -> tensor<2x?x3x1xf32>
  return
}
