//===- Reference1DTest.cpp - tests of the reference scan1d ----------------===//
//
// The sequence scan of the reference evaluator: the exact doctest values of
// SPEC §2.3 (gating, transition, source and mark matrices, observed through
// outputs and last states), agreement with the DAG scan on a chain, initial
// and final states across a split sequence, linearity, the default QK scale,
// fp32 and strided views, zero length and shape errors.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

namespace plstm {
namespace {

using namespace plstm::test;

/// A scalar-J problem (DK = 1, all J = 1, qkScale = 1) of `batch` sequences
/// of `length` with `channels` value channels, everything zero: the doctests
/// fill in what they need.
Problem1D scalarProblem(int64_t batch, int64_t length, int64_t channels) {
  Problem1D p;
  p.sizes.b = batch;
  p.sizes.dv = channels;
  p.length = length;
  p.q = zeros({batch, length, 1, 1});
  p.k = zeros({batch, length, 1, 1});
  p.v = zeros({batch, length, channels, 1});
  p.source = zeros({batch, length, 1, 1, 1});
  p.transition = zeros({batch, length, 1, 1});
  p.mark = zeros({batch, length, 1, 1, 1});
  p.direct = zeros({batch, length, 1, 1, 1, 1});
  p.initial = zeros({batch, 1, channels, 1});
  p.qkScale = 1.0;
  p.q.fill(1.0);
  p.k.fill(1.0);
  return p;
}

// SPEC §2.3 `gating_matrices`: S0 = [1,2,3,4], M0 = [4,3,2,1], T0 = 0.5, D = 0.
// With q = k = 1 and v one-hot at t' (channel t'), y_t[t'] = G[t][t'].
TEST(Reference1D, GatingMatrixDoctest) {
  Problem1D p = scalarProblem(1, 4, 4);
  const double sources[] = {1, 2, 3, 4}, marks[] = {4, 3, 2, 1};
  for (int64_t t = 0; t < 4; ++t) {
    at(p.source, {0, t, 0, 0, 0}) = sources[t];
    at(p.mark, {0, t, 0, 0, 0}) = marks[t];
    at(p.transition, {0, t, 0, 0}) = 0.5;
    at(p.v, {0, t, t, 0}) = 1.0;
  }
  Tensor y = run1D(p);
  const double expected[4][4] = {
      {0, 0, 0, 0}, {3, 0, 0, 0}, {1, 4, 0, 0}, {0.25, 1, 3, 0}};
  for (int64_t t = 0; t < 4; ++t)
    for (int64_t c = 0; c < 4; ++c)
      EXPECT_EQ(at(y, {0, t, c, 0}), expected[t][c])
          << "G[" << t << "][" << c << "]";
}

// SPEC §2.3 `transition_matrices`: the product over a block is the last state
// of a run over that block from initial state 1 with zero sources.
TEST(Reference1D, TransitionLevelDoctest) {
  const double expected[] = {0.5, 0.25, 0.0625, 0.00390625};
  for (int level = 0; level < 4; ++level) {
    int64_t block = int64_t(1) << level;
    Problem1D p = scalarProblem(1, block, 1);
    p.transition.fill(0.5);
    p.initial.fill(1.0);
    p.hasInitial = true;
    Tensor last;
    run1D(p, &last);
    EXPECT_EQ(at(last, {0, 0, 0, 0}), expected[level]) << "level " << level;
  }
  // T0 = [1, 2, 3, 4] at level 1: blocks [1, 2] and [3, 4] as two batches.
  Problem1D p = scalarProblem(2, 2, 1);
  for (int64_t t = 0; t < 4; ++t)
    at(p.transition, {t / 2, t % 2, 0, 0}) = double(t + 1);
  p.initial.fill(1.0);
  p.hasInitial = true;
  Tensor last;
  run1D(p, &last);
  EXPECT_EQ(at(last, {0, 0, 0, 0}), 2.0);
  EXPECT_EQ(at(last, {1, 0, 0, 0}), 12.0);
}

// SPEC §2.3 `source_matrices`, S0 = [1,2,3,4], T0 = 0.5: S[a] is the last
// state of a block when only offset a injects (v one-hot at channel a).
TEST(Reference1D, SourceMatricesDoctest) {
  struct Case {
    int64_t block;
    std::vector<std::vector<double>> expected; // [block index][offset]
  };
  const Case cases[] = {{2, {{0.5, 2}, {1.5, 4}}}, {4, {{0.125, 0.5, 1.5, 4}}}};
  for (const Case &c : cases) {
    int64_t numBlocks = 4 / c.block;
    Problem1D p = scalarProblem(numBlocks, c.block, c.block);
    for (int64_t t = 0; t < 4; ++t) {
      int64_t beta = t / c.block, a = t % c.block;
      at(p.source, {beta, a, 0, 0, 0}) = double(t + 1);
      at(p.transition, {beta, a, 0, 0}) = 0.5;
      at(p.v, {beta, a, a, 0}) = 1.0;
    }
    Tensor last;
    run1D(p, &last);
    for (int64_t beta = 0; beta < numBlocks; ++beta)
      for (int64_t a = 0; a < c.block; ++a)
        EXPECT_EQ(at(last, {beta, 0, a, 0}), c.expected[beta][a])
            << "block length " << c.block << ", block " << beta << ", offset "
            << a;
  }
}

// SPEC §2.3 `mark_matrices`, M0 = [1,2,3,4], T0 = 0.5: M[a] is y at offset a
// of a block that starts from initial state 1 with zero sources.
TEST(Reference1D, MarkMatricesDoctest) {
  struct Case {
    int64_t block;
    std::vector<std::vector<double>> expected;
  };
  const Case cases[] = {{2, {{1, 1}, {3, 2}}}, {4, {{1, 1, 0.75, 0.5}}}};
  for (const Case &c : cases) {
    int64_t numBlocks = 4 / c.block;
    Problem1D p = scalarProblem(numBlocks, c.block, 1);
    for (int64_t t = 0; t < 4; ++t) {
      at(p.mark, {t / c.block, t % c.block, 0, 0, 0}) = double(t + 1);
      at(p.transition, {t / c.block, t % c.block, 0, 0}) = 0.5;
    }
    p.initial.fill(1.0);
    p.hasInitial = true;
    Tensor y = run1D(p);
    for (int64_t beta = 0; beta < numBlocks; ++beta)
      for (int64_t a = 0; a < c.block; ++a)
        EXPECT_EQ(at(y, {beta, a, 0, 0}), c.expected[beta][a])
            << "block length " << c.block << ", block " << beta << ", offset "
            << a;
  }
}

TEST(Reference1D, MatchesDagOnChain) {
  Rng rng(11);
  Sizes s;
  s.b = 2;
  s.dk = 3;
  s.dv = 2;
  s.jt = 3;
  s.jk = 2;
  s.jv = 2;
  s.jq = 2;
  s.jo = 3;
  const int64_t length = 7;
  Problem1D seq = random1D(rng, s, length, /*withInitial=*/false);
  seq.qkScale = 0.7;

  // Chain: edge t = (t -> t+1) carries C_t; line edge (t-1, t) sits at node t.
  std::vector<std::pair<int64_t, int64_t>> edgeList, lineList;
  for (int64_t t = 0; t + 1 < length; ++t)
    edgeList.push_back({t, t + 1});
  for (int64_t t = 1; t + 1 < length; ++t)
    lineList.push_back({t - 1, t});
  ProblemDag dag = randomDag(rng, s, length, edgeList, lineList);
  dag.q = seq.q;
  dag.k = seq.k;
  dag.v = seq.v;
  dag.direct = seq.direct;
  dag.qkScale = seq.qkScale;
  for (int64_t b = 0; b < s.b; ++b) {
    for (int64_t t = 0; t + 1 < length; ++t) {
      copyBlock(seq.source, {b, t, 0, 0, 0}, dag.source, {b, t, 0, 0, 0},
                s.jt * s.jk * s.jv);
      copyBlock(seq.mark, {b, t + 1, 0, 0, 0}, dag.mark, {b, t, 0, 0, 0},
                s.jo * s.jq * s.jt);
    }
    for (int64_t t = 1; t + 1 < length; ++t)
      copyBlock(seq.transition, {b, t, 0, 0}, dag.transition, {b, t - 1, 0, 0},
                s.jt * s.jt);
  }
  Tensor ySeq = run1D(seq);
  Tensor yDag = runDag(dag);
  EXPECT_GT(maxAbs(ySeq), 0.1);
  EXPECT_TRUE(allClose(ySeq, yDag, 1e-12));
}

// SPEC §2.2 closed form, J > 1, with an initial state:
//   y_t = s·( q_t⋅[M0_t·T0_{t-1}⋯T0_0]⋅C_init
//           + Σ_{t'<t} q_t⋅[M0_t·T0_{t-1}⋯T0_{t'+1}·S0_{t'}]⋅kv_{t'}
//           + q_t⋅D0_t⋅kv_t ),
// with the chain products formed explicitly (independent of the scan code).
TEST(Reference1D, MatchesClosedForm) {
  Rng rng(18);
  Sizes s;
  s.b = 2;
  s.dk = 2;
  s.dv = 2;
  s.jt = 3;
  s.jk = 2;
  s.jv = 2;
  s.jq = 2;
  s.jo = 2;
  const int64_t length = 5;
  Problem1D p = random1D(rng, s, length, /*withInitial=*/true);
  const double scale = 1.0 / std::sqrt(double(s.dk));
  Tensor expected = zeros(p.yShape());
  for (int64_t b = 0; b < s.b; ++b)
    for (int64_t t = 0; t < length; ++t) {
      // markChain[o, j, u] = (M0_t · T0_{t-1} ⋯ T0_{t'+1})[o, j, u], built
      // from t' = t-1 down to t' = -1.
      std::vector<double> markChain(s.jo * s.jq * s.jt);
      for (int64_t i = 0; i < s.jo * s.jq * s.jt; ++i)
        markChain[i] =
            p.mark.as<double>()[(b * length + t) * s.jo * s.jq * s.jt + i];
      for (int64_t src = t - 1; src >= -1; --src) {
        for (int64_t c = 0; c < s.dv; ++c)
          for (int64_t o = 0; o < s.jo; ++o) {
            double sum = 0.0;
            for (int64_t d = 0; d < s.dk; ++d)
              for (int64_t j = 0; j < s.jq; ++j)
                for (int64_t u = 0; u < s.jt; ++u) {
                  double m = markChain[(o * s.jq + j) * s.jt + u];
                  double q = at(p.q, {b, t, d, j});
                  if (src < 0) {
                    sum += q * m * at(p.initial, {b, d, c, u});
                    continue;
                  }
                  for (int64_t kk = 0; kk < s.jk; ++kk)
                    for (int64_t l = 0; l < s.jv; ++l)
                      sum += q * m * at(p.source, {b, src, u, kk, l}) *
                             at(p.k, {b, src, d, kk}) * at(p.v, {b, src, c, l});
                }
            at(expected, {b, t, c, o}) += scale * sum;
          }
        if (src < 0)
          break;
        // markChain <- markChain · T0_src (contracting the JT index).
        std::vector<double> next(markChain.size(), 0.0);
        for (int64_t oj = 0; oj < s.jo * s.jq; ++oj)
          for (int64_t u = 0; u < s.jt; ++u)
            for (int64_t w = 0; w < s.jt; ++w)
              next[oj * s.jt + w] +=
                  markChain[oj * s.jt + u] * at(p.transition, {b, src, u, w});
        markChain = next;
      }
      for (int64_t c = 0; c < s.dv; ++c)
        for (int64_t o = 0; o < s.jo; ++o) {
          double sum = 0.0;
          for (int64_t d = 0; d < s.dk; ++d)
            for (int64_t j = 0; j < s.jq; ++j)
              for (int64_t kk = 0; kk < s.jk; ++kk)
                for (int64_t l = 0; l < s.jv; ++l)
                  sum += at(p.q, {b, t, d, j}) *
                         at(p.direct, {b, t, o, j, kk, l}) *
                         at(p.k, {b, t, d, kk}) * at(p.v, {b, t, c, l});
          at(expected, {b, t, c, o}) += scale * sum;
        }
    }
  Tensor y = run1D(p);
  EXPECT_GT(maxAbs(y), 0.1);
  EXPECT_TRUE(allClose(y, expected, 1e-12));
}

// SPEC A4 in 1D: running [0, cut) and then [cut, T) from the first part's
// last state equals one run, for the outputs and the last state.
TEST(Reference1D, SplitSequenceCarriesState) {
  Rng rng(12);
  Sizes s;
  s.b = 2;
  s.dk = 2;
  s.dv = 3;
  s.jt = 2;
  s.jv = 2;
  s.jo = 2;
  const int64_t length = 9, cut = 4;
  Problem1D whole = random1D(rng, s, length, /*withInitial=*/true);
  Tensor lastWhole;
  Tensor yWhole = run1D(whole, &lastWhole);

  Tensor ySplit = zeros(whole.yShape());
  Tensor middle = zeros(whole.stateShape()),
         lastSplit = zeros(whole.stateShape());
  for (int part = 0; part < 2; ++part) {
    int64_t begin = part == 0 ? 0 : cut, end = part == 0 ? cut : length;
    Scan1DArgs args = whole.args();
    for (TensorRef *ref : {&args.q, &args.k, &args.v, &args.source,
                           &args.transition, &args.mark, &args.direct})
      *ref = sliceView(*ref, 1, begin, end);
    if (part == 1)
      args.initial = middle.ref();
    Scan1DResults results;
    results.y = sliceView(ySplit.ref(), 1, begin, end);
    results.last = part == 0 ? middle.ref() : lastSplit.ref();
    ASSERT_TRUE(isOk(referenceScan1D(args, results)));
  }
  EXPECT_TRUE(allClose(ySplit, yWhole, 1e-13));
  EXPECT_TRUE(allClose(lastSplit, lastWhole, 1e-13));
  // The last state includes the last token's source: dropping it changes it.
  Problem1D noLastSource = whole;
  for (int64_t b = 0; b < s.b; ++b)
    for (int64_t i = 0; i < s.jt * s.jk * s.jv; ++i)
      noLastSource.source
          .as<double>()[(b * length + length - 1) * s.jt * s.jk * s.jv + i] =
          0.0;
  Tensor lastNoSource;
  run1D(noLastSource, &lastNoSource);
  EXPECT_FALSE(allClose(lastNoSource, lastWhole, 1e-6));
}

// P7: y is linear in v, in S, in M and in D separately.
TEST(Reference1D, LinearInEachFactor) {
  Rng rng(13);
  Sizes s;
  s.b = 2;
  s.dk = 2;
  s.dv = 2;
  s.jt = 2;
  s.jk = 2;
  s.jv = 2;
  s.jq = 2;
  s.jo = 2;
  Problem1D base = random1D(rng, s, 6, /*withInitial=*/true);
  auto run = [](const Problem1D &p) { return run1D(p); };
  for (Tensor Problem1D::*factor : {&Problem1D::v, &Problem1D::source,
                                    &Problem1D::mark, &Problem1D::direct})
    EXPECT_TRUE(linearIn<Problem1D>(rng, base, {factor}, run));
}

TEST(Reference1D, DefaultQkScaleIsInverseSqrtDK) {
  Rng rng(14);
  Sizes s;
  s.dk = 4;
  Problem1D p = random1D(rng, s, 5, /*withInitial=*/true);
  p.qkScale = 1.0;
  Tensor unscaled = run1D(p);
  p.qkScale = defaultQkScale();
  Tensor scaled = run1D(p);
  EXPECT_TRUE(allClose(scaled, axpby(0.5, unscaled, 0.0, unscaled), 1e-15));
  p.qkScale = 3.0;
  EXPECT_TRUE(allClose(run1D(p), axpby(3.0, unscaled, 0.0, unscaled), 1e-15));
}

TEST(Reference1D, Float32AndStridedViews) {
  Rng rng(15);
  Sizes s;
  s.b = 2;
  s.dk = 3;
  s.dv = 2;
  s.jt = 2;
  s.jq = 2;
  s.jo = 2;
  Problem1D p = random1D(rng, s, 6, /*withInitial=*/true);
  Tensor last64;
  Tensor y64 = run1D(p, &last64);

  // fp32 inputs and fp32 outputs.
  Problem1D p32 = p;
  for (Tensor *t : {&p32.q, &p32.k, &p32.v, &p32.source, &p32.transition,
                    &p32.mark, &p32.direct, &p32.initial})
    *t = convert(*t, DType::F32);
  Tensor y32 = zeros(p.yShape(), DType::F32);
  Tensor last32 = zeros(p.stateShape(), DType::F32);
  Scan1DResults results32;
  results32.y = y32.ref();
  results32.last = last32.ref();
  ASSERT_TRUE(isOk(referenceScan1D(p32.args(), results32)));
  EXPECT_TRUE(allClose(y32, y64, 1e-5));
  EXPECT_TRUE(allClose(last32, last64, 1e-5));
  EXPECT_FALSE(allEqual(y32, y64)); // really rounded to fp32

  // q stored physically as [B, T, JQ, DK] and viewed as [B, T, DK, JQ];
  // the direct gate broadcast over B and T with stride 0.
  Shape qShape = p.q.shape();
  Tensor qPhysical = remap(p.q, {qShape[0], qShape[1], qShape[3], qShape[2]},
                           [](const Shape &i) {
                             return Shape{i[0], i[1], i[3], i[2]};
                           });
  Problem1D pb = p;
  for (int64_t i = 0; i < pb.direct.numElements(); ++i)
    pb.direct.as<double>()[i] =
        pb.direct.as<double>()[i % (s.jo * s.jq * s.jk * s.jv)];
  Tensor yDense = run1D(pb);
  Scan1DArgs strided = pb.args();
  strided.q = TensorRef(
      qPhysical.data(), DType::F64, qShape,
      {qShape[1] * qShape[2] * qShape[3], qShape[2] * qShape[3], 1, qShape[2]});
  strided.direct = TensorRef(pb.direct.data(), DType::F64, pb.direct.shape(),
                             {0, 0, s.jq * s.jk * s.jv, s.jk * s.jv, s.jv, 1});
  Tensor yStrided = zeros(p.yShape());
  Scan1DResults results;
  results.y = yStrided.ref();
  ASSERT_TRUE(isOk(referenceScan1D(strided, results)));
  EXPECT_TRUE(allEqual(yStrided, yDense));
}

TEST(Reference1D, ZeroLengthReturnsInitialState) {
  Rng rng(16);
  Sizes s;
  s.dk = 2;
  s.dv = 2;
  Problem1D p = random1D(rng, s, 0, /*withInitial=*/true);
  Tensor last;
  Tensor y = run1D(p, &last);
  EXPECT_EQ(y.numElements(), 0);
  EXPECT_TRUE(allEqual(last, p.initial));
}

TEST(Reference1D, BadShapesNameTheArgument) {
  Rng rng(17);
  Sizes s;
  s.b = 2;
  s.jt = 4;
  s.jv = 4;
  Problem1D p = random1D(rng, s, 7, /*withInitial=*/false);
  Tensor y = zeros(p.yShape());
  Scan1DResults results;
  results.y = y.ref();

  Problem1D bad = p;
  bad.source = zeros({2, 7, 3, 1, 4});
  EXPECT_TRUE(failsWith(
      referenceScan1D(bad.args(), results),
      {"source: expected shape [2, 7, 4, 1, 4], got [2, 7, 3, 1, 4]", "JT"}));

  bad = p;
  bad.q = zeros({2, 7, 1});
  EXPECT_TRUE(failsWith(referenceScan1D(bad.args(), results),
                        {"q: expected rank 4", "[B, T, DK, JQ]"}));

  bad = p;
  bad.transition = zeros({2, 7, 4, 3});
  EXPECT_TRUE(failsWith(referenceScan1D(bad.args(), results),
                        {"transition: expected shape [2, 7, 4, 4]"}));

  bad = p;
  bad.v = zeros({2, 6, 1, 4});
  EXPECT_TRUE(
      failsWith(referenceScan1D(bad.args(), results), {"v: ", "T = 7"}));

  bad = p;
  bad.initial = zeros({2, 1, 2, 4});
  bad.hasInitial = true;
  EXPECT_TRUE(failsWith(referenceScan1D(bad.args(), results),
                        {"initial: expected shape [2, 1, 1, 4]"}));

  bad = p;
  bad.k = convert(p.k, DType::I32);
  EXPECT_TRUE(failsWith(referenceScan1D(bad.args(), results),
                        {"k: expected dtype f32 or f64, got i32"}));

  Scan1DArgs nullMark = p.args();
  nullMark.mark.data = nullptr;
  EXPECT_TRUE(failsWith(referenceScan1D(nullMark, results),
                        {"mark: required input has null data"}));

  Tensor badY = zeros({2, 7, 1, 2});
  Scan1DResults badResults;
  badResults.y = badY.ref();
  EXPECT_TRUE(failsWith(referenceScan1D(p.args(), badResults),
                        {"y: expected shape [2, 7, 1, 1]", "JO"}));

  Tensor badLast = zeros({2, 1, 1, 3});
  Scan1DResults lastResults;
  lastResults.y = y.ref();
  lastResults.last = badLast.ref();
  EXPECT_TRUE(failsWith(referenceScan1D(p.args(), lastResults),
                        {"last: expected shape [2, 1, 1, 4]"}));
}

} // namespace
} // namespace plstm
