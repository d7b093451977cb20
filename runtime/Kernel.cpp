//===- Kernel.cpp - calling compiled plstm kernels (core runtime) ---------===//
//
// See Kernel.h.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernel.h"
#include "runtime/Reference.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace plstm;

namespace {

bool parseDType(const std::string &text, DType &out) {
  if (text == "f32")
    out = DType::F32;
  else if (text == "f64")
    out = DType::F64;
  else if (text == "i32")
    out = DType::I32;
  else if (text == "i64")
    out = DType::I64;
  else
    return false;
  return true;
}

bool parseInt(const std::string &text, int64_t &out) {
  if (text.empty() || text.size() > 18)
    return false;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

std::vector<std::string> split(const std::string &text, char sep) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == sep) {
      parts.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  parts.push_back(current);
  return parts;
}

Status parseArg(const std::string &token, KernelArg &arg) {
  std::vector<std::string> fields = split(token, ':');
  if (fields.size() != 3 || fields[0].empty() ||
      !parseDType(fields[1], arg.dtype))
    return Status::error("bad kernel argument '" + token + "'");
  arg.role = fields[0];
  if (fields[2].empty())
    return Status::success();
  for (const std::string &dim : split(fields[2], ',')) {
    size_t eq = dim.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::error("bad dim '" + dim + "' in '" + token + "'");
    std::string size = dim.substr(eq + 1);
    int64_t extent = -1;
    if (size != "?" && !parseInt(size, extent))
      return Status::error("bad extent '" + size + "' in '" + token + "'");
    arg.dimNames.push_back(dim.substr(0, eq));
    arg.dims.push_back(extent);
  }
  return Status::success();
}

std::string describe(const char *kind, size_t index, const KernelArg &arg) {
  return std::string(kind) + " #" + std::to_string(index) + " (" + arg.role +
         ")";
}

std::vector<int64_t> contiguousStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

bool isContiguous(const TensorRef &t) {
  std::vector<int64_t> expected = contiguousStrides(t.shape);
  for (size_t d = 0; d < t.shape.size(); ++d)
    if (t.shape[d] != 1 && t.strides[d] != expected[d])
      return false;
  return true;
}

/// Copies between two views of the same shape and dtype, element by
/// element (bytes, so integers keep every bit).
void copyView(const TensorRef &from, const TensorRef &to) {
  int64_t n = from.numElements();
  size_t size = dtypeSize(from.dtype);
  std::vector<int64_t> index(from.shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(static_cast<char *>(to.data) + to.offset(index.data()) * size,
                static_cast<const char *>(from.data) +
                    from.offset(index.data()) * size,
                size);
    for (int64_t d = static_cast<int64_t>(index.size()) - 1; d >= 0; --d) {
      if (++index[d] < from.shape[d])
        break;
      index[d] = 0;
    }
  }
}

/// An MLIR memref descriptor of a contiguous buffer, as 64-bit words.
std::vector<int64_t> descriptorFor(void *data,
                                   const std::vector<int64_t> &shape) {
  std::vector<int64_t> words(3 + 2 * shape.size(), 0);
  std::memcpy(&words[0], &data, sizeof(void *));
  std::memcpy(&words[1], &data, sizeof(void *));
  words[2] = 0;
  std::vector<int64_t> strides = contiguousStrides(shape);
  for (size_t d = 0; d < shape.size(); ++d) {
    words[3 + d] = shape[d];
    words[3 + shape.size() + d] = strides[d];
  }
  return words;
}

/// Threads kept between kernel calls for the batch split: a call hands
/// tasks 1..n-1 to pool threads 1..n-1 and runs task 0 itself, instead of
/// starting and joining a thread per task (20-50 µs each, a tenth of a
/// 0.5 ms call). After a call a pool thread waits for the next one spinning
/// for `kSpin`, yielding the core to any other runnable thread, then sleeps
/// on a condition variable (OpenMP runtimes keep their workers the same
/// way: libgomp's GOMP_SPINCOUNT, libomp's KMP_BLOCKTIME). One call at a
/// time uses the pool; a concurrent call starts threads of its own. The
/// pool is never destroyed: its threads sleep or spin on it until the
/// process exits (so a library that links the runtime must stay loaded).
/// A kernel must not call back into invokeKernel from its first share.
class WorkerPool {
public:
  static WorkerPool &get() {
    static WorkerPool *pool = new WorkerPool();
    return *pool;
  }

  /// Runs task(0) .. task(n - 1), task(0) on the calling thread; false
  /// (nothing run) when another call holds the pool.
  bool run(int n, const std::function<void(int)> &task) {
    // In a child forked after the pool started, its threads do not exist:
    // that process starts threads of its own per call.
    if (getpid() != pid_)
      return false;
    std::unique_lock<std::mutex> call(callMutex_, std::try_to_lock);
    if (!call.owns_lock())
      return false;
    while (static_cast<int>(threads_.size()) < n - 1) {
      // Pool thread `index` runs task `index`; it starts having seen the
      // generation before this call's.
      int index = static_cast<int>(threads_.size()) + 1;
      uint64_t seen = generation_.load(std::memory_order_acquire);
      threads_.emplace_back([this, index, seen] { loop(index, seen); });
      threads_.back().detach();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      tasks_ = n;
      pending_.store(n - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    // The generation cannot move on before tasks 1..n-1 are done: each
    // taking part thread sees this call's generation and no other. Wait for
    // them even when task 0 throws (they use `task`).
    auto wait = [&] {
      while (pending_.load(std::memory_order_acquire) != 0)
        std::this_thread::yield();
    };
    try {
      task(0);
    } catch (...) {
      wait();
      throw;
    }
    wait();
    return true;
  }

private:
  static constexpr std::chrono::milliseconds kSpin{5};

  void loop(int index, uint64_t seen) {
    for (;;) {
      bool changed = false;
      auto until = std::chrono::steady_clock::now() + kSpin;
      while (!(changed = generation_.load(std::memory_order_acquire) != seen) &&
             std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
      int tasks;
      const std::function<void(int)> *task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!changed)
          wake_.wait(lock, [&] {
            return generation_.load(std::memory_order_relaxed) != seen;
          });
        // A consistent view of the call (written under the same lock).
        seen = generation_.load(std::memory_order_relaxed);
        tasks = tasks_;
        task = task_;
      }
      if (index < tasks) {
        (*task)(index);
        pending_.fetch_sub(1, std::memory_order_release);
      }
    }
  }

  const pid_t pid_ = getpid(); // the process whose threads these are
  std::mutex callMutex_;       // one call at a time
  std::vector<std::thread> threads_;
  std::mutex mutex_; // guards task_, tasks_ and generation_'s updates
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)> *task_ = nullptr;
  int tasks_ = 0;
};

} // namespace

Status KernelSignature::parse(const std::string &text, KernelSignature &out) {
  std::istringstream in(text);
  std::string magic, word, count;
  KernelSignature sig;
  if (!(in >> magic) || magic != "plstm-kernel-v1")
    return Status::error("kernel signature does not start with "
                         "'plstm-kernel-v1': '" +
                         text + "'");
  if (!(in >> sig.name))
    return Status::error("kernel signature without a name: '" + text + "'");
  for (const char *section : {"in", "out"}) {
    int64_t n;
    if (!(in >> word) || word != section || !(in >> count) ||
        !parseInt(count, n))
      return Status::error("kernel signature of '" + sig.name +
                           "' lacks its '" + section + " <count>' section");
    std::vector<KernelArg> &args =
        std::string(section) == "in" ? sig.inputs : sig.outputs;
    for (int64_t i = 0; i < n; ++i) {
      KernelArg arg;
      if (!(in >> word))
        return Status::error("kernel signature of '" + sig.name +
                             "' is truncated");
      if (Status s = parseArg(word, arg); !s)
        return Status::error("kernel signature of '" + sig.name +
                             "': " + s.message());
      args.push_back(arg);
    }
  }
  out = std::move(sig);
  return Status::success();
}

Status KernelSignature::resolveShapes(
    const std::vector<TensorRef> &inputs,
    std::vector<std::vector<int64_t>> &outputShapes) const {
  if (inputs.size() != this->inputs.size())
    return Status::error("kernel '" + name + "' takes " +
                         std::to_string(this->inputs.size()) + " inputs, got " +
                         std::to_string(inputs.size()));
  std::map<std::string, std::pair<int64_t, std::string>> bound;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const KernelArg &arg = this->inputs[i];
    const TensorRef &t = inputs[i];
    std::string what = describe("input", i, arg);
    if (t.dtype != arg.dtype)
      return Status::error(what + " has dtype " + dtypeName(t.dtype) +
                           ", expected " + dtypeName(arg.dtype));
    bool shapeOk = t.shape.size() == arg.dims.size();
    for (size_t d = 0; shapeOk && d < arg.dims.size(); ++d)
      shapeOk = arg.dims[d] < 0 || arg.dims[d] == t.shape[d];
    if (!shapeOk)
      return Status::error(what + " has shape " + formatShape(t.shape) +
                           ", expected " + formatShape(arg.dims));
    for (size_t d = 0; d < arg.dims.size(); ++d) {
      const std::string &dimName = arg.dimNames[d];
      if (dimName == "_")
        continue;
      auto it = bound.find(dimName);
      if (it == bound.end()) {
        bound[dimName] = {t.shape[d], what};
      } else if (it->second.first != t.shape[d]) {
        return Status::error(
            what + " has " + dimName + " = " + std::to_string(t.shape[d]) +
            ", expected " + dimName + " = " + std::to_string(it->second.first) +
            " as in " + it->second.second);
      }
    }
  }
  outputShapes.clear();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const KernelArg &arg = outputs[i];
    std::vector<int64_t> shape;
    for (size_t d = 0; d < arg.dims.size(); ++d) {
      if (arg.dims[d] >= 0) {
        shape.push_back(arg.dims[d]);
        continue;
      }
      auto it = bound.find(arg.dimNames[d]);
      if (it == bound.end())
        return Status::error(describe("output", i, arg) + ": dim " +
                             std::to_string(d) + " (" + arg.dimNames[d] +
                             ") is not determined by the inputs");
      shape.push_back(it->second.first);
    }
    outputShapes.push_back(shape);
  }
  return Status::success();
}

static int defaultThreadCount() {
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}
static std::atomic<int> defaultThreads{0};

void plstm::setDefaultThreads(int threads) {
  defaultThreads = threads > 0 ? threads : 0;
}
int plstm::getDefaultThreads() {
  int n = defaultThreads.load();
  return n > 0 ? n : defaultThreadCount();
}

Status plstm::invokeKernel(PackedKernelFn fn, const KernelSignature &sig,
                           const std::vector<TensorRef> &inputs,
                           const std::vector<TensorRef> &outputs, int threads,
                           KernelThreads kernelThreads) {
  if (threads <= 0)
    threads = getDefaultThreads();
  // More threads than this never pays and only risks failing to spawn.
  threads = std::min(threads, 256);
  for (size_t i = 0; i < inputs.size() + outputs.size(); ++i) {
    const TensorRef &t =
        i < inputs.size() ? inputs[i] : outputs[i - inputs.size()];
    if (t.strides.size() != t.shape.size())
      return Status::error(
          std::string(i < inputs.size() ? "input" : "output") + " #" +
          std::to_string(i < inputs.size() ? i : i - inputs.size()) + " has " +
          std::to_string(t.strides.size()) + " strides for rank " +
          std::to_string(t.shape.size()));
  }
  std::vector<std::vector<int64_t>> outputShapes;
  if (Status s = sig.resolveShapes(inputs, outputShapes); !s)
    return s;
  if (outputs.size() != sig.outputs.size())
    return Status::error("kernel '" + sig.name + "' has " +
                         std::to_string(sig.outputs.size()) + " outputs, got " +
                         std::to_string(outputs.size()));
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string what = describe("output", i, sig.outputs[i]);
    if (outputs[i].dtype != sig.outputs[i].dtype)
      return Status::error(what + " has dtype " + dtypeName(outputs[i].dtype) +
                           ", expected " + dtypeName(sig.outputs[i].dtype));
    if (outputs[i].shape != outputShapes[i])
      return Status::error(what + " has shape " +
                           formatShape(outputs[i].shape) + ", expected " +
                           formatShape(outputShapes[i]));
  }
  auto all = inputs;
  all.insert(all.end(), outputs.begin(), outputs.end());
  for (size_t i = 0; i < all.size(); ++i)
    if (!all[i].data && all[i].numElements() != 0)
      return Status::error((i < inputs.size()
                                ? describe("input", i, sig.inputs[i])
                                : describe("output", i - inputs.size(),
                                           sig.outputs[i - inputs.size()])) +
                           " has no data");

  // DAG inputs must be valid graphs (SPEC A6): the kernel trusts them.
  int edges = -1, lineEdges = -1;
  int64_t numNodes = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const KernelArg &arg = sig.inputs[i];
    if (arg.role == "edges")
      edges = static_cast<int>(i);
    if (arg.role == "line_edges")
      lineEdges = static_cast<int>(i);
    for (size_t d = 0; d < arg.dimNames.size() && numNodes < 0; ++d)
      if (arg.dimNames[d] == "N")
        numNodes = inputs[i].shape[d];
  }
  if (edges >= 0 && lineEdges >= 0)
    if (Status s = validateGraph(std::max<int64_t>(numNodes, 0), inputs[edges],
                                 inputs[lineEdges]);
        !s)
      return s;

  // Contiguous buffers.
  std::vector<Tensor> temps(all.size());
  std::vector<void *> data(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    data[i] = all[i].data;
    if (all[i].numElements() != 0 && !isContiguous(all[i])) {
      temps[i] = Tensor(all[i].dtype, all[i].shape);
      if (i < inputs.size())
        copyView(all[i], temps[i].ref());
      data[i] = temps[i].data();
    }
  }

  // Batch entries are independent: split the batch dim (named "B", leading)
  // of every batched argument over the threads; unbatched ones (graphs) are
  // shared. Each entry is computed exactly as in a single call, so results
  // do not depend on the thread count.
  std::vector<bool> batched(all.size(), false);
  int64_t batch = -1;
  for (size_t i = 0; i < all.size(); ++i) {
    const KernelArg &arg =
        i < inputs.size() ? sig.inputs[i] : sig.outputs[i - inputs.size()];
    batched[i] = !arg.dimNames.empty() && arg.dimNames[0] == "B";
    if (batched[i])
      batch = all[i].shape[0];
  }
  int64_t workers = std::max<int64_t>(1, threads);
  if (batch >= 0)
    workers = std::min<int64_t>(workers, std::max<int64_t>(batch, 1));
  else
    workers = 1;
  // The threads left over by the batch split go to the kernel's own
  // parallel loops: worker w gets threads / workers, the first
  // threads % workers one more.
  auto runRange = [&](int64_t begin, int64_t end, int loopThreads) {
    if (kernelThreads.set)
      kernelThreads.set(std::max(loopThreads, 1));
    std::vector<std::vector<int64_t>> descriptors(all.size());
    std::vector<void *> pointers(all.size());
    for (size_t i = 0; i < all.size(); ++i) {
      std::vector<int64_t> shape = all[i].shape;
      char *base = static_cast<char *>(data[i]);
      if (batched[i] && workers > 1) {
        // The buffer is contiguous: batch entry b starts b · stride[0] in.
        int64_t entry = contiguousStrides(shape)[0];
        if (base)
          base += begin * entry * static_cast<int64_t>(dtypeSize(all[i].dtype));
        shape[0] = end - begin;
      }
      descriptors[i] = descriptorFor(base, shape);
      pointers[i] = descriptors[i].data();
    }
    fn(pointers.data());
  };
  auto shareOf = [&](int64_t w) {
    return static_cast<int>(threads / workers + (w < threads % workers));
  };
  if (workers == 1) {
    // On the caller's thread: leave its OpenMP setting as it was.
    int previous =
        kernelThreads.set && kernelThreads.get ? kernelThreads.get() : 0;
    runRange(0, batch < 0 ? 0 : batch, threads);
    if (previous > 0)
      kernelThreads.set(previous);
  } else {
    auto runWorker = [&](int w) {
      runRange(batch * w / workers, batch * (w + 1) / workers, shareOf(w));
    };
    // Worker 0 runs on the caller's thread: its OpenMP setting restored.
    int previous =
        kernelThreads.set && kernelThreads.get ? kernelThreads.get() : 0;
    if (!WorkerPool::get().run(static_cast<int>(workers), runWorker)) {
      std::vector<std::thread> pool;
      for (int64_t w = 1; w < workers; ++w)
        pool.emplace_back(runWorker, static_cast<int>(w));
      runWorker(0);
      for (std::thread &t : pool)
        t.join();
    }
    if (previous > 0)
      kernelThreads.set(previous);
  }
  for (size_t i = inputs.size(); i < all.size(); ++i)
    if (temps[i].numElements() != 0 && temps[i].data() != nullptr &&
        !isContiguous(all[i]))
      copyView(temps[i].ref(), all[i]);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// AotLibrary
//===----------------------------------------------------------------------===//

AotLibrary::~AotLibrary() {
  if (handle_)
    dlclose(handle_);
}

Status AotLibrary::open(const std::string &path,
                        std::unique_ptr<AotLibrary> &out) {
  std::unique_ptr<AotLibrary> lib(new AotLibrary());
  lib->path_ = path;
  lib->handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle_) {
    const char *why = dlerror();
    return Status::error("cannot load kernel library '" + path +
                         "': " + (why ? why : "unknown error"));
  }
  // Libraries with parallel loops link libomp; dlsym on the handle also
  // searches its dependencies.
  lib->threads_.set = reinterpret_cast<void (*)(int)>(
      dlsym(lib->handle_, "omp_set_num_threads"));
  lib->threads_.get = reinterpret_cast<int (*)()>(
      dlsym(lib->handle_, "omp_get_max_threads"));
  auto *list = static_cast<const char *>(dlsym(lib->handle_, "plstm_kernels"));
  if (!list)
    return Status::error("'" + path +
                         "' is not a plstm kernel library (no plstm_kernels)");
  for (const std::string &name : split(list, ',')) {
    if (name.empty())
      continue;
    auto *text = static_cast<const char *>(
        dlsym(lib->handle_, ("plstm_signature_" + name).c_str()));
    auto fn = reinterpret_cast<PackedKernelFn>(
        dlsym(lib->handle_, (name + "_packed").c_str()));
    if (!text || !fn)
      return Status::error("'" + path +
                           "' lacks the entry point or "
                           "signature of kernel '" +
                           name + "'");
    KernelSignature sig;
    if (Status s = KernelSignature::parse(text, sig); !s)
      return Status::error("'" + path + "': " + s.message());
    lib->kernels_[name] = {sig, fn};
  }
  out = std::move(lib);
  return Status::success();
}

std::vector<std::string> AotLibrary::kernelNames() const {
  std::vector<std::string> names;
  for (const auto &entry : kernels_)
    names.push_back(entry.first);
  return names;
}

const KernelSignature *AotLibrary::signature(const std::string &name) const {
  auto it = kernels_.find(name);
  return it == kernels_.end() ? nullptr : &it->second.first;
}

Status AotLibrary::call(const std::string &name,
                        const std::vector<TensorRef> &inputs,
                        const std::vector<TensorRef> &outputs,
                        int threads) const {
  auto it = kernels_.find(name);
  if (it == kernels_.end())
    return Status::error("kernel library '" + path_ + "' has no kernel '" +
                         name + "'");
  return invokeKernel(it->second.second, it->second.first, inputs, outputs,
                      threads, threads_);
}
