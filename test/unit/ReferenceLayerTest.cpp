//===- ReferenceLayerTest.cpp - properties of the layer references --------===//

#include "runtime/Reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace plstm;

namespace {

/// A P-mode 2D layer (D = 2, one head, DK = DV = 1, four orientations) whose
/// scan output, before the norm, is the fused path sum from one node:
/// feature 0 of x is a unit impulse at `source` and feeds only k (k = 1
/// there, 0 elsewhere; q = v = 1; QK scale 1; direct σ(-40) ≈ 0); feature 1
/// is noise that feeds every gate through random weights and biases. So
/// y_n = Σ_o G^o(n, source) (SPEC §3.6), and P8 bounds it by 2·max M.
struct ImpulseLayer {
  static constexpr int64_t kSide = 64, kO = 4;
  std::map<std::string, Tensor> weights;
  Tensor x{DType::F64, {1, kSide, kSide, 2}};
  double maxMark = 0;

  ImpulseLayer(std::mt19937 &rng, int64_t sx, int64_t sy, double tauBias) {
    std::uniform_real_distribution<double> u(-1, 1);
    auto make = [&](const std::string &name, std::vector<int64_t> shape,
                    double value) {
      Tensor t(DType::F64, shape);
      t.fill(value);
      weights[name] = std::move(t);
    };
    make("w_q", {2, 1, 1}, 0), make("b_q", {1, 1}, 1);
    make("w_k", {2, 1, 1}, 0), make("b_k", {1, 1}, 0);
    weights["w_k"].as<double>()[0] = 1; // feature 0 -> k
    make("w_v", {2, 1, 1}, 0), make("b_v", {1, 1}, 1);
    make("b_direct", {1}, -40);
    make("norm_scale", {1, 1}, 1), make("w_out", {1, 1, 2}, 1);
    for (const char *g : {"alpha", "source", "transition", "mark"}) {
      make(std::string("b_") + g, {kO, 1}, 0);
      make(std::string("w_") + g, {2, kO, 1}, 0);
      for (int64_t o = 0; o < kO; ++o) {
        double bias = std::string(g) == "transition" ? tauBias : u(rng);
        weights[std::string("b_") + g].as<double>()[o] = bias;
        // Row 1 (the noise feature) of w [2, O, 1].
        weights[std::string("w_") + g].as<double>()[kO + o] = u(rng);
      }
    }
    for (int64_t n = 0; n < kSide * kSide; ++n) {
      double noise = u(rng);
      x.as<double>()[2 * n] = n == sx * kSide + sy ? 1.0 : 0.0;
      x.as<double>()[2 * n + 1] = noise;
      for (int64_t o = 0; o < kO; ++o) {
        double pre = weights["b_mark"].as<double>()[o] +
                     noise * weights["w_mark"].as<double>()[kO + o];
        maxMark = std::max(maxMark, 1.0 / (1.0 + std::exp(-pre)));
      }
    }
  }

  /// The largest |Σ_o G^o(n, source)| over n, and the smallest value.
  std::pair<double, double> pathSums(bool isSigned) {
    Layer2DArgs args;
    args.x = x.ref();
    for (auto &[name, t] : weights)
      args.weights[name] = t.ref();
    args.pMode = true;
    args.signedPMode = isSigned;
    args.qkScale = 1.0;
    Tensor scan(DType::F64, {1, kSide, kSide, 1, 1});
    args.scanOutput = scan.ref();
    Tensor y(DType::F64, {1, kSide, kSide, 2});
    Status s = referenceLayer2D(args, y.ref());
    EXPECT_TRUE(s.ok()) << s.message();
    double largest = 0, smallest = 0;
    for (int64_t e = 0; e < scan.numElements(); ++e) {
      largest = std::max(largest, std::fabs(scan.as<double>()[e]));
      smallest = std::min(smallest, scan.as<double>()[e]);
    }
    return {largest, smallest};
  }
};

} // namespace

TEST(ReferenceLayer2D, PModeGatesKeepTheFusedPathSumsBelowTwiceTheMark) {
  // SPEC P8 for the layer's own gates (random weights on a 64×64 grid, four
  // orientations): 0 <= Σ_o G^o(n, n') <= 2·max M for impulses at a corner,
  // an edge and the inside. With the signed option and τ < 0 (bias −0.5,
  // so τ ≈ tanh(−2.5) ≈ −0.99 where α is large) the sums blow up instead.
  std::mt19937 rng(91);
  for (auto [sx, sy] : {std::pair<int64_t, int64_t>{0, 0}, {0, 40}, {33, 17}}) {
    SCOPED_TRACE("impulse at (" + std::to_string(sx) + ", " +
                 std::to_string(sy) + ")");
    ImpulseLayer bounded(rng, sx, sy, /*tauBias=*/0.3);
    auto [largest, smallest] = bounded.pathSums(false);
    EXPECT_LE(largest, 2 * bounded.maxMark * (1 + 1e-12))
        << "max M = " << bounded.maxMark;
    EXPECT_GE(smallest, -1e-12);
    EXPECT_GT(largest, 0.0);
  }
  ImpulseLayer negative(rng, 0, 0, /*tauBias=*/-0.5);
  EXPECT_LE(negative.pathSums(false).first, 2 * negative.maxMark * (1 + 1e-12))
      << "the bounded default clamps a negative τ to 0";
  EXPECT_GT(negative.pathSums(true).first, 1e6)
      << "the signed option should reproduce the blow-up";
}
