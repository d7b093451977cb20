//===- RaceCheck.cpp - races of the GPU mapping run on the CPU ------------===//

#include "runtime/jit/RaceCheck.h"

#include <algorithm>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace {

/// The last write and the last read of an address.
struct Access {
  int64_t launch = -1, block = 0, epoch = 0, thread = 0;
};
struct Cell {
  Access write, read;
  bool readByMany = false; // several threads read it in read's interval
};

struct Detector {
  std::mutex mutex;
  int64_t launch = 0;
  std::unordered_map<int64_t, int64_t> epochOf; // block -> barriers passed
  /// The barrier chains of the finished launches, and the current one's.
  uint64_t chain = 0;
  int64_t launchChain = 0;
  /// block -> address -> its accesses (blocks run on the call's threads at
  /// once: each has its own table).
  std::unordered_map<int64_t, std::unordered_map<int64_t, Cell>> cells;
  plstm::rt::RaceReport report;

  /// Whether `a` (earlier) and an access now by (block, epoch, thread) are
  /// threads of one block between the same two barriers. (Blocks are not
  /// compared: they reuse each other's freed buffers, at the same
  /// addresses; a wrong row shows in the values instead.)
  bool concurrent(const Access &a, int64_t block, int64_t epoch,
                  int64_t thread, bool many = false) const {
    if (a.launch != launch || a.block != block)
      return false;
    if (a.epoch != epoch)
      return false;
    // -1: every thread of the block runs that code.
    return many || a.thread != thread || thread == -1;
  }

  void race(const char *what, int64_t address, const Access &earlier,
            int64_t block, int64_t thread) {
    if (report.races++ != 0)
      return;
    auto who = [](int64_t b, int64_t t) {
      std::ostringstream s;
      s << "block " << b << ", "
        << (t < 0 ? std::string("every thread")
                  : "thread " + std::to_string(t));
      return s.str();
    };
    std::ostringstream s;
    s << what << " of address 0x" << std::hex << address << std::dec << " by "
      << who(block, thread) << " and by " << who(earlier.block, earlier.thread)
      << " with no barrier between them (launch " << launch << ")";
    report.first = s.str();
  }
};

Detector &detector() {
  static Detector d;
  return d;
}

} // namespace

extern "C" void plstm_race_launch() {
  Detector &d = detector();
  std::lock_guard<std::mutex> lock(d.mutex);
  ++d.launch;
  d.chain += d.launchChain;
  d.launchChain = 0;
  d.epochOf.clear();
  d.cells.clear();
}

extern "C" void plstm_race_barrier(int64_t block) {
  Detector &d = detector();
  std::lock_guard<std::mutex> lock(d.mutex);
  d.launchChain = std::max(d.launchChain, ++d.epochOf[block]);
}

extern "C" void plstm_race_access(int64_t address, int64_t isWrite,
                                  int64_t block, int64_t thread) {
  Detector &d = detector();
  std::lock_guard<std::mutex> lock(d.mutex);
  ++d.report.accesses;
  int64_t epoch = d.epochOf[block];
  Cell &cell = d.cells[block][address];
  if (d.concurrent(cell.write, block, epoch, thread))
    d.race(isWrite ? "write after write" : "read after write", address,
           cell.write, block, thread);
  if (isWrite) {
    // A store every thread runs: the threads write the address at once.
    if (thread == -1 && d.report.races++ == 0) {
      std::ostringstream s;
      s << "write of address 0x" << std::hex << address << std::dec
        << " by every thread of block " << block << " at once (launch "
        << d.launch << ")";
      d.report.first = s.str();
    }
    if (d.concurrent(cell.read, block, epoch, thread, cell.readByMany))
      d.race("write after read", address, cell.read, block, thread);
    cell.write = {d.launch, block, epoch, thread};
    return;
  }
  bool sameInterval = cell.read.launch == d.launch &&
                      cell.read.block == block && cell.read.epoch == epoch;
  cell.readByMany =
      sameInterval && (cell.readByMany || cell.read.thread != thread);
  cell.read = {d.launch, block, epoch, thread};
}

namespace plstm::rt {

RaceReport raceReport() {
  Detector &d = detector();
  std::lock_guard<std::mutex> lock(d.mutex);
  RaceReport report = d.report;
  report.barrierChain = d.chain + d.launchChain;
  return report;
}

void resetRaceCheck() {
  Detector &d = detector();
  std::lock_guard<std::mutex> lock(d.mutex);
  d.report = RaceReport();
  d.cells.clear();
  d.epochOf.clear();
  d.chain = 0;
  d.launchChain = 0;
}

} // namespace plstm::rt
