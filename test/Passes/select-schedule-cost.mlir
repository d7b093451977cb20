// The cost model's choice for the PERFORMANCE.md benchmark shapes, so that a
// change to the model is deliberate (docs/schedules.md explains the model).
// RUN: plstm-opt %s --plstm-select-schedule | FileCheck %s
// RUN: plstm-opt %s --plstm-select-schedule="size-hints=B=1,T=64" | FileCheck %s --check-prefix=HINTS

// 1D with every J = 1 (register-blocked chunks run in order per batch
// entry, TargetInfo's vector rates fitted 2026-11-30, 2 threads): d = 64
// sequential, its state update, read-out and direct term in one pass over
// the L1-sized state (TargetInfo's fused rate; measured 15.0-17.4 ms in the
// suite, chunkwise:16 14.1-18.6, :32 18.6-23.6, four runs; it was
// chunkwise:32 before the fused rate), d = 128 chunkwise:32 (150 ms; :16
// 211, :64 215, :128 300; its 64 KiB state is past the fused rate). J = 4
// keeps chunkwise:16 (1331 ms; :8 1566, :32 1568).
// CHECK-LABEL: func.func @lm_1d
// CHECK: schedule = #plstm.schedule<sequential>
func.func @lm_1d(%a0: tensor<16x4096x64x1xf32>, %a1: tensor<16x4096x64x1xf32>, %a2: tensor<16x4096x64x1xf32>, %a3: tensor<16x4096x1x1x1xf32>, %a4: tensor<16x4096x1x1xf32>, %a5: tensor<16x4096x1x1x1xf32>, %a6: tensor<16x4096x1x1x1x1xf32>) {
  %y, %c = plstm.scan1d qkv(%a0, %a1, %a2) source(%a3) transition(%a4) mark(%a5) direct(%a6)
      : (tensor<16x4096x64x1xf32>, tensor<16x4096x64x1xf32>, tensor<16x4096x64x1xf32>, tensor<16x4096x1x1x1xf32>, tensor<16x4096x1x1xf32>, tensor<16x4096x1x1x1xf32>, tensor<16x4096x1x1x1x1xf32>) -> (tensor<16x4096x64x1xf32>, tensor<16x64x64x1xf32>)
  return
}

// CHECK-LABEL: func.func @xl_1d
// CHECK: schedule = #plstm.schedule<chunkwise, chunk = 32>
func.func @xl_1d(%a0: tensor<64x4096x128x1xf32>, %a1: tensor<64x4096x128x1xf32>, %a2: tensor<64x4096x128x1xf32>, %a3: tensor<64x4096x1x1x1xf32>, %a4: tensor<64x4096x1x1xf32>, %a5: tensor<64x4096x1x1x1xf32>, %a6: tensor<64x4096x1x1x1x1xf32>) {
  %y, %c = plstm.scan1d qkv(%a0, %a1, %a2) source(%a3) transition(%a4) mark(%a5) direct(%a6)
      : (tensor<64x4096x128x1xf32>, tensor<64x4096x128x1xf32>, tensor<64x4096x128x1xf32>, tensor<64x4096x1x1x1xf32>, tensor<64x4096x1x1xf32>, tensor<64x4096x1x1x1xf32>, tensor<64x4096x1x1x1x1xf32>) -> (tensor<64x4096x128x1xf32>, tensor<64x128x128x1xf32>)
  return
}

// CHECK-LABEL: func.func @j4_1d
// CHECK: schedule = #plstm.schedule<sequential>
func.func @j4_1d(%a0: tensor<8x2048x64x1xf32>, %a1: tensor<8x2048x64x1xf32>, %a2: tensor<8x2048x64x4xf32>, %a3: tensor<8x2048x4x1x4xf32>, %a4: tensor<8x2048x4x4xf32>, %a5: tensor<8x2048x4x1x4xf32>, %a6: tensor<8x2048x4x1x1x4xf32>) {
  %y, %c = plstm.scan1d qkv(%a0, %a1, %a2) source(%a3) transition(%a4) mark(%a5) direct(%a6)
      : (tensor<8x2048x64x1xf32>, tensor<8x2048x64x1xf32>, tensor<8x2048x64x4xf32>, tensor<8x2048x4x1x4xf32>, tensor<8x2048x4x4xf32>, tensor<8x2048x4x1x4xf32>, tensor<8x2048x4x1x1x4xf32>) -> (tensor<8x2048x64x4xf32>, tensor<8x64x64x4xf32>)
  return
}

// The grids return their last states (as benchmarks/specs do), so one tile
// would pay for the border states (≈ 2·N·P·d² per orientation): sequential.
// CHECK-LABEL: func.func @grid_16
// CHECK: schedule = #plstm.schedule<sequential>
func.func @grid_16(%q: tensor<8x16x16x64x1xf32>, %k: tensor<8x16x16x64x1xf32>, %v: tensor<8x16x16x64x1xf32>, %sr: tensor<8x1x16x16x1x1x1xf32>, %sd: tensor<8x1x16x16x1x1x1xf32>, %trl: tensor<8x1x16x16x1x1xf32>, %tdu: tensor<8x1x16x16x1x1xf32>, %tdl: tensor<8x1x16x16x1x1xf32>, %ml: tensor<8x1x16x16x1x1x1xf32>, %mu: tensor<8x1x16x16x1x1x1xf32>, %d: tensor<8x16x16x1x1x1x1xf32>) -> (tensor<8x16x16x64x1xf32>, tensor<8x1x16x64x64x1xf32>, tensor<8x1x16x64x64x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d) orientations [0]
      : (tensor<8x16x16x64x1xf32>, tensor<8x16x16x64x1xf32>, tensor<8x16x16x64x1xf32>, tensor<8x1x16x16x1x1x1xf32>, tensor<8x1x16x16x1x1x1xf32>, tensor<8x1x16x16x1x1xf32>, tensor<8x1x16x16x1x1xf32>, tensor<8x1x16x16x1x1xf32>, tensor<8x1x16x16x1x1x1xf32>, tensor<8x1x16x16x1x1x1xf32>, tensor<8x16x16x1x1x1x1xf32>) -> (tensor<8x16x16x64x1xf32>, tensor<8x1x16x64x64x1xf32>, tensor<8x1x16x64x64x1xf32>)
  return %y, %r, %dd : tensor<8x16x16x64x1xf32>, tensor<8x1x16x64x64x1xf32>, tensor<8x1x16x64x64x1xf32>
}

// CHECK-LABEL: func.func @grid_32
// CHECK: schedule = #plstm.schedule<sequential>
func.func @grid_32(%q: tensor<8x32x32x64x1xf32>, %k: tensor<8x32x32x64x1xf32>, %v: tensor<8x32x32x64x1xf32>, %sr: tensor<8x1x32x32x1x1x1xf32>, %sd: tensor<8x1x32x32x1x1x1xf32>, %trl: tensor<8x1x32x32x1x1xf32>, %tdu: tensor<8x1x32x32x1x1xf32>, %tdl: tensor<8x1x32x32x1x1xf32>, %ml: tensor<8x1x32x32x1x1x1xf32>, %mu: tensor<8x1x32x32x1x1x1xf32>, %d: tensor<8x32x32x1x1x1x1xf32>) -> (tensor<8x32x32x64x1xf32>, tensor<8x1x32x64x64x1xf32>, tensor<8x1x32x64x64x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d) orientations [0]
      : (tensor<8x32x32x64x1xf32>, tensor<8x32x32x64x1xf32>, tensor<8x32x32x64x1xf32>, tensor<8x1x32x32x1x1x1xf32>, tensor<8x1x32x32x1x1x1xf32>, tensor<8x1x32x32x1x1xf32>, tensor<8x1x32x32x1x1xf32>, tensor<8x1x32x32x1x1xf32>, tensor<8x1x32x32x1x1x1xf32>, tensor<8x1x32x32x1x1x1xf32>, tensor<8x32x32x1x1x1x1xf32>) -> (tensor<8x32x32x64x1xf32>, tensor<8x1x32x64x64x1xf32>, tensor<8x1x32x64x64x1xf32>)
  return %y, %r, %dd : tensor<8x32x32x64x1xf32>, tensor<8x1x32x64x64x1xf32>, tensor<8x1x32x64x64x1xf32>
}

// CHECK-LABEL: func.func @grid_64
// CHECK: schedule = #plstm.schedule<sequential>
func.func @grid_64(%q: tensor<64x64x64x64x1xf32>, %k: tensor<64x64x64x64x1xf32>, %v: tensor<64x64x64x64x1xf32>, %sr: tensor<64x1x64x64x1x1x1xf32>, %sd: tensor<64x1x64x64x1x1x1xf32>, %trl: tensor<64x1x64x64x1x1xf32>, %tdu: tensor<64x1x64x64x1x1xf32>, %tdl: tensor<64x1x64x64x1x1xf32>, %ml: tensor<64x1x64x64x1x1x1xf32>, %mu: tensor<64x1x64x64x1x1x1xf32>, %d: tensor<64x64x64x1x1x1x1xf32>) -> (tensor<64x64x64x64x1xf32>, tensor<64x1x64x64x64x1xf32>, tensor<64x1x64x64x64x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d) orientations [0]
      : (tensor<64x64x64x64x1xf32>, tensor<64x64x64x64x1xf32>, tensor<64x64x64x64x1xf32>, tensor<64x1x64x64x1x1x1xf32>, tensor<64x1x64x64x1x1x1xf32>, tensor<64x1x64x64x1x1xf32>, tensor<64x1x64x64x1x1xf32>, tensor<64x1x64x64x1x1xf32>, tensor<64x1x64x64x1x1x1xf32>, tensor<64x1x64x64x1x1x1xf32>, tensor<64x64x64x1x1x1x1xf32>) -> (tensor<64x64x64x64x1xf32>, tensor<64x1x64x64x64x1xf32>, tensor<64x1x64x64x64x1xf32>)
  return %y, %r, %dd : tensor<64x64x64x64x1xf32>, tensor<64x1x64x64x64x1xf32>, tensor<64x1x64x64x64x1xf32>
}

// Vision layers at 16×16: the sequential schedule with its read-out fused
// into the state update (TargetInfo's fused recurrence rate) and its states
// in scratch buffers (only y is read), measured 11.1-12.3 ms for vit-t
// (log-depth, one 16×16 tile with G summed over the orientations: 17.5-19.7)
// and 40.5-48 ms for vit-b (log-depth 45.7-64.8), B = 24 and 96, 2 threads.
// Before the fused read-out the model chose log-depth.
// CHECK-LABEL: func.func @vit_t
// CHECK: schedule = #plstm.schedule<sequential>
func.func @vit_t(%q: tensor<24x16x16x64x1xf32>, %k: tensor<24x16x16x64x1xf32>, %v: tensor<24x16x16x64x1xf32>, %sr: tensor<24x4x16x16x1x1x1xf32>, %sd: tensor<24x4x16x16x1x1x1xf32>, %trl: tensor<24x4x16x16x1x1xf32>, %tdu: tensor<24x4x16x16x1x1xf32>, %tdl: tensor<24x4x16x16x1x1xf32>, %ml: tensor<24x4x16x16x1x1x1xf32>, %mu: tensor<24x4x16x16x1x1x1xf32>, %d: tensor<24x16x16x1x1x1x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d) orientations [0, 1, 2, 3]
      : (tensor<24x16x16x64x1xf32>, tensor<24x16x16x64x1xf32>, tensor<24x16x16x64x1xf32>, tensor<24x4x16x16x1x1x1xf32>, tensor<24x4x16x16x1x1x1xf32>, tensor<24x4x16x16x1x1xf32>, tensor<24x4x16x16x1x1xf32>, tensor<24x4x16x16x1x1xf32>, tensor<24x4x16x16x1x1x1xf32>, tensor<24x4x16x16x1x1x1xf32>, tensor<24x16x16x1x1x1x1xf32>) -> (tensor<24x16x16x64x1xf32>, tensor<24x4x16x64x64x1xf32>, tensor<24x4x16x64x64x1xf32>)
  return
}

// CHECK-LABEL: func.func @vit_b
// CHECK: schedule = #plstm.schedule<sequential>
func.func @vit_b(%q: tensor<96x16x16x64x1xf32>, %k: tensor<96x16x16x64x1xf32>, %v: tensor<96x16x16x64x1xf32>, %sr: tensor<96x4x16x16x1x1x1xf32>, %sd: tensor<96x4x16x16x1x1x1xf32>, %trl: tensor<96x4x16x16x1x1xf32>, %tdu: tensor<96x4x16x16x1x1xf32>, %tdl: tensor<96x4x16x16x1x1xf32>, %ml: tensor<96x4x16x16x1x1x1xf32>, %mu: tensor<96x4x16x16x1x1x1xf32>, %d: tensor<96x16x16x1x1x1x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d) orientations [0, 1, 2, 3]
      : (tensor<96x16x16x64x1xf32>, tensor<96x16x16x64x1xf32>, tensor<96x16x16x64x1xf32>, tensor<96x4x16x16x1x1x1xf32>, tensor<96x4x16x16x1x1x1xf32>, tensor<96x4x16x16x1x1xf32>, tensor<96x4x16x16x1x1xf32>, tensor<96x4x16x16x1x1xf32>, tensor<96x4x16x16x1x1x1xf32>, tensor<96x4x16x16x1x1x1xf32>, tensor<96x16x16x1x1x1x1xf32>) -> (tensor<96x16x16x64x1xf32>, tensor<96x4x16x64x64x1xf32>, tensor<96x4x16x64x64x1xf32>)
  return
}

// At 32×32 the N²-sized product (≈ 4·N²·d) outweighs the recurrence.
// CHECK-LABEL: func.func @vit_t_384
// CHECK: schedule = #plstm.schedule<sequential>
func.func @vit_t_384(%q: tensor<24x32x32x64x1xf32>, %k: tensor<24x32x32x64x1xf32>, %v: tensor<24x32x32x64x1xf32>, %sr: tensor<24x4x32x32x1x1x1xf32>, %sd: tensor<24x4x32x32x1x1x1xf32>, %trl: tensor<24x4x32x32x1x1xf32>, %tdu: tensor<24x4x32x32x1x1xf32>, %tdl: tensor<24x4x32x32x1x1xf32>, %ml: tensor<24x4x32x32x1x1x1xf32>, %mu: tensor<24x4x32x32x1x1x1xf32>, %d: tensor<24x32x32x1x1x1x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d) orientations [0, 1, 2, 3]
      : (tensor<24x32x32x64x1xf32>, tensor<24x32x32x64x1xf32>, tensor<24x32x32x64x1xf32>, tensor<24x4x32x32x1x1x1xf32>, tensor<24x4x32x32x1x1x1xf32>, tensor<24x4x32x32x1x1xf32>, tensor<24x4x32x32x1x1xf32>, tensor<24x4x32x32x1x1xf32>, tensor<24x4x32x32x1x1x1xf32>, tensor<24x4x32x32x1x1x1xf32>, tensor<24x32x32x1x1x1x1xf32>) -> (tensor<24x32x32x64x1xf32>, tensor<24x4x32x64x64x1xf32>, tensor<24x4x32x64x64x1xf32>)
  return
}

// 24×24 (padded to a 32×32 tile for log-depth): the one-pass sequential
// recurrence (TargetInfo's vector recurrence rate) wins, measured 34.6 ms
// against 240 ms for log-depth (B = 24, 2 threads); before that rate the
// model chose log-depth.
// CHECK-LABEL: func.func @vit_24
// CHECK: schedule = #plstm.schedule<sequential>
func.func @vit_24(%q: tensor<24x24x24x64x1xf32>, %k: tensor<24x24x24x64x1xf32>, %v: tensor<24x24x24x64x1xf32>, %sr: tensor<24x4x24x24x1x1x1xf32>, %sd: tensor<24x4x24x24x1x1x1xf32>, %trl: tensor<24x4x24x24x1x1xf32>, %tdu: tensor<24x4x24x24x1x1xf32>, %tdl: tensor<24x4x24x24x1x1xf32>, %ml: tensor<24x4x24x24x1x1x1xf32>, %mu: tensor<24x4x24x24x1x1x1xf32>, %d: tensor<24x24x24x1x1x1x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %k, %v) source(%sr, %sd) transition(%trl, %tdu) turn_dl(%tdl)
      mark(%ml, %mu) direct(%d) orientations [0, 1, 2, 3]
      : (tensor<24x24x24x64x1xf32>, tensor<24x24x24x64x1xf32>, tensor<24x24x24x64x1xf32>, tensor<24x4x24x24x1x1x1xf32>, tensor<24x4x24x24x1x1x1xf32>, tensor<24x4x24x24x1x1xf32>, tensor<24x4x24x24x1x1xf32>, tensor<24x4x24x24x1x1xf32>, tensor<24x4x24x24x1x1x1xf32>, tensor<24x4x24x24x1x1x1xf32>, tensor<24x24x24x1x1x1x1xf32>) -> (tensor<24x24x24x64x1xf32>, tensor<24x4x24x64x64x1xf32>, tensor<24x4x24x64x64x1xf32>)
  return
}

// CHECK-LABEL: func.func @mol
// CHECK: schedule = #plstm.schedule<sequential>
func.func @mol(%a0: tensor<4x2048x32x1xf32>, %a1: tensor<4x2048x32x1xf32>, %a2: tensor<4x2048x32x1xf32>, %a3: tensor<4096x2xi32>, %a4: tensor<8192x2xi32>, %a5: tensor<4x4096x1x1x1xf32>, %a6: tensor<4x8192x1x1xf32>, %a7: tensor<4x4096x1x1x1xf32>, %a8: tensor<4x2048x1x1x1x1xf32>) {
  %y = plstm.scan_dag qkv(%a0, %a1, %a2) graph(%a3, %a4) source(%a5) transition(%a6) mark(%a7) direct(%a8)
      : (tensor<4x2048x32x1xf32>, tensor<4x2048x32x1xf32>, tensor<4x2048x32x1xf32>, tensor<4096x2xi32>, tensor<8192x2xi32>, tensor<4x4096x1x1x1xf32>, tensor<4x8192x1x1xf32>, tensor<4x4096x1x1x1xf32>, tensor<4x2048x1x1x1x1xf32>) -> tensor<4x2048x32x1xf32>
  return
}

// The dynamic 1D op: sequential with the default hints (B = 8, T = 4096:
// measured 6.4-6.6 ms against 6.1-6.7 for chunkwise:32) and for a short
// sequence (B = 1, T = 64: 0.024-0.033 ms against 0.031-0.034; before the
// fused read-out the sequential schedule took 0.083 ms there and the model
// chose chunkwise:32).
// CHECK-LABEL: func.func @dynamic_1d
// CHECK: schedule = #plstm.schedule<sequential>
// HINTS-LABEL: func.func @dynamic_1d
// HINTS: schedule = #plstm.schedule<sequential>
func.func @dynamic_1d(%a0: tensor<?x?x64x1xf32>, %a1: tensor<?x?x64x1xf32>, %a2: tensor<?x?x64x1xf32>, %a3: tensor<?x?x1x1x1xf32>, %a4: tensor<?x?x1x1xf32>, %a5: tensor<?x?x1x1x1xf32>, %a6: tensor<?x?x1x1x1x1xf32>) {
  %y, %c = plstm.scan1d qkv(%a0, %a1, %a2) source(%a3) transition(%a4) mark(%a5) direct(%a6)
      : (tensor<?x?x64x1xf32>, tensor<?x?x64x1xf32>, tensor<?x?x64x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x64x1xf32>, tensor<?x64x64x1xf32>)
  return
}
