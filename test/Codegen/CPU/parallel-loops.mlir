// The schedules' independent iterations (scf.forall) reach the CPU code as
// OpenMP: after bufferization an scf.parallel over memrefs, in the LLVM
// dialect an omp.parallel around an omp.wsloop (static schedule, no thread
// count: the runtime sets it per call). With parallel=false they become
// plain loops and no OpenMP is left.
// RUN: plstm-opt %s --plstm-cpu-pipeline="stop-before-llvm" | FileCheck %s --check-prefix=BUF
// RUN: plstm-opt %s --plstm-cpu-pipeline | FileCheck %s --check-prefix=OMP
// RUN: plstm-opt %s --plstm-cpu-pipeline="parallel=false" | FileCheck %s --check-prefix=SEQ

// 1D log-depth: the chunk pairs, each combine stage and the outputs.
// BUF-LABEL: func.func @logdepth1d
// BUF-NOT: scf.forall
// BUF-COUNT-3: scf.parallel
// BUF-NOT: scf.forall
// OMP-LABEL: llvm.func @logdepth1d
// OMP-COUNT-3: omp.parallel {
// OMP-NOT: num_threads
// OMP: omp.wsloop {
// OMP: omp.loop_nest
// SEQ-NOT: omp.
// SEQ-NOT: scf.parallel
func.func @logdepth1d(%q: tensor<?x?x4x1xf32>, %v: tensor<?x?x2x1xf32>, %s: tensor<?x?x1x1x1xf32>,
    %t: tensor<?x?x1x1xf32>, %d: tensor<?x?x1x1x1x1xf32>) -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %q, %v) source(%s) transition(%t) mark(%s) direct(%d)
      {schedule = #plstm.schedule<logdepth, chunk = 8>}
      : (tensor<?x?x4x1xf32>, tensor<?x?x4x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>)
  return %y, %last : tensor<?x?x2x1xf32>, tensor<?x4x2x1xf32>
}

// 2D chunkwise: the tiles of one wavefront, written in place into the
// output and border-state buffers (no copy of them per wavefront).
// BUF-LABEL: func.func @chunkwise2d
// BUF: scf.for
// BUF: scf.parallel
// BUF-NOT: memref.copy {{.*}} : memref<4x6x2x1xf32> to memref<4x6x2x1xf32>
// BUF: scf.reduce
// OMP-LABEL: llvm.func @chunkwise2d
// OMP: omp.parallel {
// OMP: omp.wsloop {
func.func @chunkwise2d(%q: tensor<?x3x5x2x1xf32>, %s: tensor<?x2x3x5x1x1x1xf32>, %t: tensor<?x2x3x5x1x1xf32>,
    %d: tensor<?x3x5x1x1x1x1xf32>) -> (tensor<?x3x5x2x1xf32>, tensor<?x2x5x2x2x1xf32>, tensor<?x2x3x2x2x1xf32>) {
  %y, %r, %dd = plstm.scan2d qkv(%q, %q, %q) source(%s, %s) transition(%t, %t) turn_ru(%t) mark(%s, %s) direct(%d)
      orientations [0, 3] {schedule = #plstm.schedule<chunkwise, chunk = 2>}
      : (tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x3x5x2x1xf32>, tensor<?x2x3x5x1x1x1xf32>,
         tensor<?x2x3x5x1x1x1xf32>, tensor<?x2x3x5x1x1xf32>, tensor<?x2x3x5x1x1xf32>, tensor<?x2x3x5x1x1xf32>,
         tensor<?x2x3x5x1x1x1xf32>, tensor<?x2x3x5x1x1x1xf32>, tensor<?x3x5x1x1x1x1xf32>)
      -> (tensor<?x3x5x2x1xf32>, tensor<?x2x5x2x2x1xf32>, tensor<?x2x3x2x2x1xf32>)
  return %y, %r, %dd : tensor<?x3x5x2x1xf32>, tensor<?x2x5x2x2x1xf32>, tensor<?x2x3x2x2x1xf32>
}
