//===- KernelThreadsTest.cpp - the batch split over threads ---------------===//
//
// invokeKernel splits the batch over threads: the caller's thread runs the
// first share, kept pool threads the others (a concurrent call that finds
// the pool busy starts threads of its own). A stand-in kernel (no JIT)
// records which thread ran which entries.

#include "runtime/Kernel.h"
#include "runtime/Tensor.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <mutex>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace plstm;

namespace {

std::mutex seenMutex;
struct Share {
  std::thread::id thread;
  int64_t entries;
  int callsOnThread; // shares this thread has run so far, this one included
};
std::vector<Share> seen;
thread_local int callsOnThisThread = 0;

/// y[b, n] = 2·x[b, n] + b_first (the first entry of the call's share is
/// 0 in every share: entries are rebased per share), and the thread noted.
extern "C" void doubleKernel(void **args) {
  auto *x = static_cast<int64_t *>(args[0]);
  auto *y = static_cast<int64_t *>(args[1]);
  float *xd, *yd;
  std::memcpy(&xd, &x[1], sizeof(float *));
  std::memcpy(&yd, &y[1], sizeof(float *));
  int64_t rows = x[3], cols = x[4];
  for (int64_t i = 0; i < rows * cols; ++i)
    yd[i] = 2 * xd[i];
  std::lock_guard<std::mutex> lock(seenMutex);
  seen.push_back({std::this_thread::get_id(), rows, ++callsOnThisThread});
}

KernelSignature signature() {
  KernelSignature sig;
  Status s = KernelSignature::parse(
      "plstm-kernel-v1 double in 1 x:f32:B=?,N=4 out 1 y:f32:B=?,N=4", sig);
  EXPECT_TRUE(s.ok()) << s.message();
  return sig;
}

void call(const KernelSignature &sig, int64_t batch, float base,
          int threads = 2) {
  Tensor x(DType::F32, {batch, 4}), y(DType::F32, {batch, 4});
  auto *xd = static_cast<float *>(x.data());
  for (int64_t i = 0; i < batch * 4; ++i)
    xd[i] = base + static_cast<float>(i);
  Status s = invokeKernel(doubleKernel, sig, {x.ref()}, {y.ref()}, threads);
  ASSERT_TRUE(s.ok()) << s.message();
  auto *yd = static_cast<float *>(y.data());
  for (int64_t i = 0; i < batch * 4; ++i)
    ASSERT_EQ(yd[i], 2 * xd[i]) << "element " << i;
}

TEST(KernelThreads, TheSecondShareRunsOnTheSameKeptThread) {
  KernelSignature sig = signature();
  int first = -1;
  for (int c = 0; c < 5; ++c) {
    seen.clear();
    call(sig, 6, 100.0f * c);
    ASSERT_EQ(seen.size(), 2u) << "call " << c;
    EXPECT_EQ(seen[0].entries + seen[1].entries, 6) << "call " << c;
    int callers = 0;
    for (const Share &share : seen) {
      if (share.thread == std::this_thread::get_id()) {
        ++callers;
        continue;
      }
      // A kept thread: the shares it ran count up from call to call (a
      // thread started for the call would be at its first).
      if (first < 0)
        first = share.callsOnThread;
      EXPECT_EQ(share.callsOnThread, first + c) << "call " << c;
    }
    EXPECT_EQ(callers, 1) << "call " << c << ": the caller runs one share";
  }
}

TEST(KernelThreads, CallsWithFewerSharesThanKeptThreads) {
  // After a 4-way call has kept 3 threads, 2-way and 3-way calls use only
  // as many of them as they have shares (the others stay out).
  KernelSignature sig = signature();
  for (int c = 0; c < 20; ++c) {
    int threads = c % 3 == 0 ? 4 : c % 3 == 1 ? 2 : 3;
    seen.clear();
    call(sig, 8, 10.0f * c, threads);
    ASSERT_EQ(seen.size(), static_cast<size_t>(threads)) << "call " << c;
    int64_t entries = 0;
    for (const Share &share : seen)
      entries += share.entries;
    EXPECT_EQ(entries, 8) << "call " << c;
  }
}

TEST(KernelThreads, AForkedChildRunsSplitCalls) {
  // The pool's threads do not exist in a child forked after they started:
  // the child's calls start threads of their own instead of waiting for
  // them (an alarm ends a hung child).
  KernelSignature sig = signature();
  call(sig, 6, 1.0f);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(20);
    Tensor x(DType::F32, {6, 4}), y(DType::F32, {6, 4});
    for (int64_t i = 0; i < 24; ++i)
      static_cast<float *>(x.data())[i] = static_cast<float>(i);
    for (int c = 0; c < 3; ++c)
      if (!invokeKernel(doubleKernel, sig, {x.ref()}, {y.ref()}, 2).ok())
        _exit(3);
    for (int64_t i = 0; i < 24; ++i)
      if (static_cast<float *>(y.data())[i] != 2.0f * i)
        _exit(4);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child hung or crashed";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(KernelThreads, ConcurrentCallsAllComplete) {
  // Four callers at once: one holds the pool, the others start threads of
  // their own; every call gets every entry right.
  KernelSignature sig = signature();
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      for (int c = 0; c < 50; ++c)
        call(sig, 3 + (c + t) % 5, 1000.0f * t + c);
    });
  for (std::thread &t : callers)
    t.join();
}

} // namespace
