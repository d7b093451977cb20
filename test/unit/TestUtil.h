//===- TestUtil.h - shared helpers of the runtime unit tests --------------===//
//
// Seeded random tensors, element access by multi-index, strided views
// (slices, remapped copies), comparison helpers returning
// ::testing::AssertionResult, and random problem generators for the three
// reference scans (1D sequence, 2D grid, DAG) that hand out ready-to-use
// argument structs. Everything is fp64 unless a test converts it.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_TEST_UNIT_TESTUTIL_H
#define PLSTM_TEST_UNIT_TESTUTIL_H

#include "runtime/Reference.h"
#include "runtime/Tensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace plstm {
namespace test {

using Rng = std::mt19937;
using Shape = std::vector<int64_t>;

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

inline Tensor zeros(Shape shape, DType dtype = DType::F64) {
  return Tensor(dtype, std::move(shape));
}

/// A tensor with entries uniform in [lo, hi).
inline Tensor randomTensor(Rng &rng, Shape shape, double lo = -1.0,
                           double hi = 1.0, DType dtype = DType::F64) {
  Tensor tensor(dtype, std::move(shape));
  std::uniform_real_distribution<double> dist(lo, hi);
  TensorRef ref = tensor.ref();
  for (int64_t i = 0; i < tensor.numElements(); ++i)
    ref.storeLinear(i, dist(rng));
  return tensor;
}

/// A contiguous copy of any view, converted to `dtype`.
inline Tensor materialize(const TensorRef &ref, DType dtype = DType::F64) {
  Tensor out(dtype, ref.shape);
  TensorRef target = out.ref();
  for (int64_t i = 0; i < out.numElements(); ++i)
    target.storeLinear(i, ref.loadLinear(i));
  return out;
}

inline Tensor convert(const Tensor &tensor, DType dtype) {
  return materialize(tensor.ref(), dtype);
}

/// C-order linear position of a multi-index in `shape`.
inline int64_t linearIndex(const Shape &shape, const Shape &index) {
  int64_t linear = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    linear = linear * shape[i] + index[i];
  return linear;
}

/// Mutable element of an F64 tensor.
inline double &at(Tensor &tensor, const Shape &index) {
  return tensor.as<double>()[linearIndex(tensor.shape(), index)];
}
inline double at(const Tensor &tensor, const Shape &index) {
  return tensor.ref().loadLinear(linearIndex(tensor.shape(), index));
}

/// Calls fn(index) for every multi-index of `shape` in C order.
inline void forEachIndex(const Shape &shape,
                         const std::function<void(const Shape &)> &fn) {
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent;
  Shape index(shape.size(), 0);
  for (int64_t linear = 0; linear < count; ++linear) {
    fn(index);
    for (size_t axis = shape.size(); axis-- > 0;) {
      if (++index[axis] < shape[axis])
        break;
      index[axis] = 0;
    }
  }
}

/// A new F64 tensor of shape `shape` whose element at `index` is
/// src[mapIndex(index)].
inline Tensor remap(const Tensor &src, const Shape &shape,
                    const std::function<Shape(const Shape &)> &mapIndex) {
  Tensor out(DType::F64, shape);
  forEachIndex(shape, [&](const Shape &index) {
    at(out, index) = at(src, mapIndex(index));
  });
  return out;
}

/// The view of `ref` restricted to [begin, end) along `axis` (no copy).
inline TensorRef sliceView(const TensorRef &ref, size_t axis, int64_t begin,
                           int64_t end) {
  TensorRef view = ref;
  view.shape[axis] = end - begin;
  view.data =
      static_cast<char *>(ref.data) +
      begin * ref.strides[axis] * static_cast<int64_t>(dtypeSize(ref.dtype));
  return view;
}

/// Elementwise a * x + b * y of two F64 tensors of equal shape.
inline Tensor axpby(double a, const Tensor &x, double b, const Tensor &y) {
  Tensor out(DType::F64, x.shape());
  for (int64_t i = 0; i < x.numElements(); ++i)
    out.as<double>()[i] = a * x.as<double>()[i] + b * y.as<double>()[i];
  return out;
}

inline double maxAbs(const Tensor &tensor) {
  double result = 0.0;
  TensorRef ref = tensor.ref();
  for (int64_t i = 0; i < tensor.numElements(); ++i)
    result = std::max(result, std::fabs(ref.loadLinear(i)));
  return result;
}

/// |actual - expected| <= relTol * max(1e-300, max|expected|) everywhere.
inline ::testing::AssertionResult
allClose(const Tensor &actual, const Tensor &expected, double relTol) {
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure()
           << "shape " << formatShape(actual.shape()) << " vs "
           << formatShape(expected.shape());
  double scale = std::max(maxAbs(expected), 1e-300);
  TensorRef a = actual.ref(), e = expected.ref();
  double worst = 0.0;
  int64_t worstAt = -1;
  for (int64_t i = 0; i < actual.numElements(); ++i) {
    double diff = std::fabs(a.loadLinear(i) - e.loadLinear(i));
    if (!(diff <= worst)) { // also catches NaN
      worst = diff;
      worstAt = i;
    }
  }
  if (worstAt >= 0 && !(worst <= relTol * scale))
    return ::testing::AssertionFailure()
           << "max abs difference " << worst << " at linear index " << worstAt
           << " (" << a.loadLinear(worstAt) << " vs " << e.loadLinear(worstAt)
           << "), allowed " << relTol * scale;
  return ::testing::AssertionSuccess();
}

/// Bitwise-equal values (as doubles).
inline ::testing::AssertionResult allEqual(const Tensor &actual,
                                           const Tensor &expected) {
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure()
           << "shape " << formatShape(actual.shape()) << " vs "
           << formatShape(expected.shape());
  TensorRef a = actual.ref(), e = expected.ref();
  for (int64_t i = 0; i < actual.numElements(); ++i)
    if (a.loadLinear(i) != e.loadLinear(i))
      return ::testing::AssertionFailure()
             << "differ at linear index " << i << ": " << a.loadLinear(i)
             << " vs " << e.loadLinear(i);
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult isOk(const Status &status) {
  if (status.ok())
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << status.message();
}

/// The status failed and its message contains every one of `phrases`.
inline ::testing::AssertionResult
failsWith(const Status &status, const std::vector<std::string> &phrases) {
  if (status.ok())
    return ::testing::AssertionFailure() << "unexpectedly succeeded";
  for (const std::string &phrase : phrases)
    if (status.message().find(phrase) == std::string::npos)
      return ::testing::AssertionFailure() << "message \"" << status.message()
                                           << "\" lacks \"" << phrase << "\"";
  return ::testing::AssertionSuccess();
}

/// An absent optional tensor, or a view of `tensor`.
inline TensorRef refOrAbsent(const Tensor &tensor, bool present) {
  return present ? tensor.ref() : TensorRef();
}

/// P7: y is linear in the tensors `members` (taken together), all other
/// inputs fixed: with y0 = y(members = 0),
///   y(a·x1 + b·x2) - y0 == a·(y(x1) - y0) + b·(y(x2) - y0).
template <typename Problem, typename Run>
::testing::AssertionResult
linearIn(Rng &rng, const Problem &base,
         const std::vector<Tensor Problem::*> &members, Run run) {
  const double a = 0.75, b = -1.5;
  Problem p2 = base, mix = base, zero = base;
  for (Tensor Problem::*member : members) {
    p2.*member = randomTensor(rng, (base.*member).shape());
    mix.*member = axpby(a, base.*member, b, p2.*member);
    zero.*member = zeros((base.*member).shape());
  }
  Tensor y0 = run(zero);
  Tensor d1 = axpby(1.0, run(base), -1.0, y0);
  Tensor d2 = axpby(1.0, run(p2), -1.0, y0);
  Tensor expected = axpby(1.0, axpby(a, d1, b, d2), 1.0, y0);
  if (maxAbs(d1) < 1e-3 || maxAbs(d2) < 1e-3)
    return ::testing::AssertionFailure() << "the factor has no effect";
  return allClose(run(mix), expected, 1e-12);
}

//===----------------------------------------------------------------------===//
// Random problems
//===----------------------------------------------------------------------===//

/// Batch and per-position sizes shared by all three scans.
struct Sizes {
  int64_t b = 1, dk = 1, dv = 1, jt = 1, jk = 1, jv = 1, jq = 1, jo = 1;
};

/// Inputs of scan1d (SPEC §2.1), all F64 and contiguous.
struct Problem1D {
  Sizes sizes;
  int64_t length = 0;
  Tensor q, k, v, source, transition, mark, direct, initial;
  bool hasInitial = false;
  double qkScale = defaultQkScale();

  Shape yShape() const { return {sizes.b, length, sizes.dv, sizes.jo}; }
  Shape stateShape() const { return {sizes.b, sizes.dk, sizes.dv, sizes.jt}; }

  Scan1DArgs args() const {
    Scan1DArgs a;
    a.q = q.ref();
    a.k = k.ref();
    a.v = v.ref();
    a.source = source.ref();
    a.transition = transition.ref();
    a.mark = mark.ref();
    a.direct = direct.ref();
    a.initial = refOrAbsent(initial, hasInitial);
    a.qkScale = qkScale;
    return a;
  }
};

inline Problem1D random1D(Rng &rng, const Sizes &s, int64_t length,
                          bool withInitial) {
  Problem1D p;
  p.sizes = s;
  p.length = length;
  p.q = randomTensor(rng, {s.b, length, s.dk, s.jq});
  p.k = randomTensor(rng, {s.b, length, s.dk, s.jk});
  p.v = randomTensor(rng, {s.b, length, s.dv, s.jv});
  p.source = randomTensor(rng, {s.b, length, s.jt, s.jk, s.jv});
  p.transition = randomTensor(rng, {s.b, length, s.jt, s.jt}, -0.6, 0.6);
  p.mark = randomTensor(rng, {s.b, length, s.jo, s.jq, s.jt});
  p.direct = randomTensor(rng, {s.b, length, s.jo, s.jq, s.jk, s.jv});
  p.hasInitial = withInitial;
  p.initial = withInitial ? randomTensor(rng, {s.b, s.dk, s.dv, s.jt})
                          : zeros({s.b, s.dk, s.dv, s.jt});
  return p;
}

/// Runs scan1d into fresh F64 outputs.
inline Tensor run1D(const Problem1D &p, Tensor *last = nullptr) {
  Tensor y = zeros(p.yShape());
  Scan1DResults results;
  results.y = y.ref();
  if (last) {
    *last = zeros(p.stateShape());
    results.last = last->ref();
  }
  EXPECT_TRUE(isOk(referenceScan1D(p.args(), results)));
  return y;
}

/// Inputs of scan2d (Reference.h layouts), all F64 and contiguous.
struct Problem2D {
  Sizes sizes;
  int64_t mx = 0, my = 0;
  std::vector<int> orientations = {0};
  Tensor q, k, v, sourceR, sourceD, tRL, tDU, tDL, tRU, markL, markU, direct;
  Tensor initLeft, initTop;
  bool hasDL = true, hasRU = true, hasInit = false;
  double qkScale = defaultQkScale();

  int64_t numOrient() const {
    return static_cast<int64_t>(orientations.size());
  }
  Shape yShape() const { return {sizes.b, mx, my, sizes.dv, sizes.jo}; }
  Shape rightShape() const {
    return {sizes.b, numOrient(), my, sizes.dk, sizes.dv, sizes.jt};
  }
  Shape downShape() const {
    return {sizes.b, numOrient(), mx, sizes.dk, sizes.dv, sizes.jt};
  }

  Scan2DArgs args() const {
    Scan2DArgs a;
    a.q = q.ref();
    a.k = k.ref();
    a.v = v.ref();
    a.sourceR = sourceR.ref();
    a.sourceD = sourceD.ref();
    a.tRL = tRL.ref();
    a.tDU = tDU.ref();
    a.tDL = refOrAbsent(tDL, hasDL);
    a.tRU = refOrAbsent(tRU, hasRU);
    a.markL = markL.ref();
    a.markU = markU.ref();
    a.direct = direct.ref();
    a.initLeft = refOrAbsent(initLeft, hasInit);
    a.initTop = refOrAbsent(initTop, hasInit);
    a.orientations = orientations;
    a.qkScale = qkScale;
    return a;
  }
};

inline Problem2D random2D(Rng &rng, const Sizes &s, int64_t mx, int64_t my,
                          std::vector<int> orientations, bool hasDL, bool hasRU,
                          bool withInit) {
  Problem2D p;
  p.sizes = s;
  p.mx = mx;
  p.my = my;
  p.orientations = std::move(orientations);
  int64_t o = p.numOrient();
  p.q = randomTensor(rng, {s.b, mx, my, s.dk, s.jq});
  p.k = randomTensor(rng, {s.b, mx, my, s.dk, s.jk});
  p.v = randomTensor(rng, {s.b, mx, my, s.dv, s.jv});
  p.sourceR = randomTensor(rng, {s.b, o, mx, my, s.jt, s.jk, s.jv});
  p.sourceD = randomTensor(rng, {s.b, o, mx, my, s.jt, s.jk, s.jv});
  // Transitions small enough that path sums stay O(1) on small grids.
  p.tRL = randomTensor(rng, {s.b, o, mx, my, s.jt, s.jt}, -0.4, 0.4);
  p.tDU = randomTensor(rng, {s.b, o, mx, my, s.jt, s.jt}, -0.4, 0.4);
  p.tDL = randomTensor(rng, {s.b, o, mx, my, s.jt, s.jt}, -0.4, 0.4);
  p.tRU = randomTensor(rng, {s.b, o, mx, my, s.jt, s.jt}, -0.4, 0.4);
  p.markL = randomTensor(rng, {s.b, o, mx, my, s.jo, s.jq, s.jt});
  p.markU = randomTensor(rng, {s.b, o, mx, my, s.jo, s.jq, s.jt});
  p.direct = randomTensor(rng, {s.b, mx, my, s.jo, s.jq, s.jk, s.jv});
  p.initLeft = randomTensor(rng, {s.b, o, my, s.dk, s.dv, s.jt});
  p.initTop = randomTensor(rng, {s.b, o, mx, s.dk, s.dv, s.jt});
  p.hasDL = hasDL;
  p.hasRU = hasRU;
  p.hasInit = withInit;
  return p;
}

/// Runs scan2d into fresh F64 outputs.
inline Tensor run2D(const Problem2D &p, Tensor *lastRight = nullptr,
                    Tensor *lastDown = nullptr) {
  Tensor y = zeros(p.yShape());
  Scan2DResults results;
  results.y = y.ref();
  if (lastRight) {
    *lastRight = zeros(p.rightShape());
    results.lastRight = lastRight->ref();
  }
  if (lastDown) {
    *lastDown = zeros(p.downShape());
    results.lastDown = lastDown->ref();
  }
  EXPECT_TRUE(isOk(referenceScan2D(p.args(), results)));
  return y;
}

/// Inputs of scan_dag, all F64 (indices I64) and contiguous.
struct ProblemDag {
  Sizes sizes;
  int64_t numNodes = 0;
  std::vector<std::pair<int64_t, int64_t>> edgeList, lineList;
  Tensor q, k, v, edges, lineEdges, source, transition, mark, direct;
  double qkScale = defaultQkScale();

  int64_t numEdges() const { return static_cast<int64_t>(edgeList.size()); }
  int64_t numLines() const { return static_cast<int64_t>(lineList.size()); }
  Shape yShape() const { return {sizes.b, numNodes, sizes.dv, sizes.jo}; }

  ScanDagArgs args() const {
    ScanDagArgs a;
    a.q = q.ref();
    a.k = k.ref();
    a.v = v.ref();
    a.edges = edges.ref();
    a.lineEdges = lineEdges.ref();
    a.source = source.ref();
    a.transition = transition.ref();
    a.mark = mark.ref();
    a.direct = direct.ref();
    a.qkScale = qkScale;
    return a;
  }
};

/// An [X, 2] I64 tensor of pairs.
inline Tensor pairTensor(const std::vector<std::pair<int64_t, int64_t>> &pairs,
                         DType dtype = DType::I64) {
  Tensor out(dtype, {static_cast<int64_t>(pairs.size()), 2});
  for (size_t i = 0; i < pairs.size(); ++i) {
    out.ref().storeLinear(2 * i, static_cast<double>(pairs[i].first));
    out.ref().storeLinear(2 * i + 1, static_cast<double>(pairs[i].second));
  }
  return out;
}

/// A DAG problem on the given graph with random features and gates.
inline ProblemDag randomDag(Rng &rng, const Sizes &s, int64_t numNodes,
                            std::vector<std::pair<int64_t, int64_t>> edgeList,
                            std::vector<std::pair<int64_t, int64_t>> lineList) {
  ProblemDag p;
  p.sizes = s;
  p.numNodes = numNodes;
  p.edgeList = std::move(edgeList);
  p.lineList = std::move(lineList);
  int64_t e = p.numEdges(), l = p.numLines();
  p.edges = pairTensor(p.edgeList);
  p.lineEdges = pairTensor(p.lineList);
  p.q = randomTensor(rng, {s.b, numNodes, s.dk, s.jq});
  p.k = randomTensor(rng, {s.b, numNodes, s.dk, s.jk});
  p.v = randomTensor(rng, {s.b, numNodes, s.dv, s.jv});
  p.source = randomTensor(rng, {s.b, e, s.jt, s.jk, s.jv});
  p.transition = randomTensor(rng, {s.b, l, s.jt, s.jt}, -0.6, 0.6);
  p.mark = randomTensor(rng, {s.b, e, s.jo, s.jq, s.jt});
  p.direct = randomTensor(rng, {s.b, numNodes, s.jo, s.jq, s.jk, s.jv});
  return p;
}

/// Every edge pair (e', e) with head(e') == tail(e): the full line graph.
inline std::vector<std::pair<int64_t, int64_t>>
fullLineGraph(const std::vector<std::pair<int64_t, int64_t>> &edgeList) {
  std::vector<std::pair<int64_t, int64_t>> lines;
  for (size_t a = 0; a < edgeList.size(); ++a)
    for (size_t b = 0; b < edgeList.size(); ++b)
      if (edgeList[a].second == edgeList[b].first)
        lines.push_back({static_cast<int64_t>(a), static_cast<int64_t>(b)});
  return lines;
}

/// Runs scan_dag into a fresh F64 output.
inline Tensor runDag(const ProblemDag &p) {
  Tensor y = zeros(p.yShape());
  ScanDagResults results;
  results.y = y.ref();
  EXPECT_TRUE(isOk(referenceScanDag(p.args(), results)));
  return y;
}

/// Copies `count` contiguous doubles starting at multi-index `srcIndex` of
/// `src` to multi-index `dstIndex` of `dst` (both F64, C order).
inline void copyBlock(const Tensor &src, const Shape &srcIndex, Tensor &dst,
                      const Shape &dstIndex, int64_t count) {
  const double *from = src.as<double>() + linearIndex(src.shape(), srcIndex);
  double *to = dst.as<double>() + linearIndex(dst.shape(), dstIndex);
  std::copy(from, from + count, to);
}

/// A random permutation of [0, n).
inline std::vector<int64_t> randomPermutation(Rng &rng, int64_t n) {
  std::vector<int64_t> perm(n);
  for (int64_t i = 0; i < n; ++i)
    perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  return perm;
}

} // namespace test
} // namespace plstm

#endif // PLSTM_TEST_UNIT_TESTUTIL_H
