//===- RaceCheck.h - races of the GPU mapping run on the CPU ------*- C++
//-*-===//
//
// The GPU mapping run on the CPU (Target::GPUMappingOnCPU) runs a block's
// virtual threads one distributed op after another, so a missing barrier
// changes no result there. With CompileOptions::gpuRaceCheck the kernel
// reports every memory access (address, block, virtual thread) and every
// barrier to this detector instead, which finds two accesses to one address
// by different threads of a block between the same two barriers, one of
// them a write: what the GPU would run as a race (docs/gpu.md, "Testing
// without a GPU"). Blocks are not compared with each other. The detector is
// the process's: one race-checked call at a time (plstm-run makes one).
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_RUNTIME_JIT_RACECHECK_H
#define PLSTM_RUNTIME_JIT_RACECHECK_H

#include <cstdint>
#include <string>

extern "C" {
/// A new launch: accesses of earlier launches no longer conflict.
void plstm_race_launch();
/// A barrier of `block` (its threads' later accesses are ordered after its
/// earlier ones).
void plstm_race_barrier(int64_t block);
/// An access of `block`'s virtual thread `thread` (-1: code every thread
/// of the block runs; a write by every thread is a race by itself) to the
/// byte address `address`.
void plstm_race_access(int64_t address, int64_t isWrite, int64_t block,
                       int64_t thread);
}

namespace plstm::rt {

/// The races found since the last reset: their count and the first one's
/// description ("" when none).
struct RaceReport {
  uint64_t races = 0;
  uint64_t accesses = 0;
  /// The barriers one after another: per launch, the most a block passed,
  /// summed over the launches (the chain of barriers the call waits for on
  /// a GPU).
  uint64_t barrierChain = 0;
  std::string first;
};
RaceReport raceReport();
void resetRaceCheck();

} // namespace plstm::rt

#endif // PLSTM_RUNTIME_JIT_RACECHECK_H
