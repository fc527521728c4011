// check_layer: the one call that tests a layer, built-in or your own, on
// both engines. On random batches (1 row, an odd number, more than a SIMD
// register of features) it runs:
//   1. the float64 finite-difference check (gradcheck.hpp) of the input and
//      parameter gradients, on the loop engine and on the vectorized engine;
//   2. loop against vectorized: outputs, input gradients and parameter
//      gradients, in float64 and (from a spec) in float32; skipped, and said,
//      for a layer whose one implementation serves both engines;
//   3. accumulation: a second backward without zero_grad() doubles the
//      parameter gradients, on each engine.
// Engine agreement is norm-wise, max|a - b| <= rtol * max|b| (b: the loop
// engine), with rtol 1e-10 in float64 and 1e-4 in float32 by default: the
// two engines sum in different orders, a wrong term is off by far more.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vecnn/nn/gradcheck.hpp"
#include "vecnn/nn/layer.hpp"

namespace vecnn {

struct LayerCheckOptions {
    GradCheckOptions gradcheck;                             // finite-difference tolerances
    std::vector<std::size_t> gradcheck_batches{1, 5};       // rows of the finite-difference checks
    std::vector<std::size_t> agreement_batches{1, 5, 33};  // rows of the engine comparisons
    std::size_t features = 19;  // input width for a layer that takes any width
    SampleShape input_shape;    // (C, H, W) for a spec that starts with conv2d or maxpool2d; else empty
    double input_scale = 2;     // inputs uniform in [-input_scale, input_scale]
    double double_rtol = 1e-10;
    double float_rtol = 1e-4;
    std::uint64_t seed = 1;
};

struct LayerCheckReport {
    struct Check {
        std::string what;    // e.g. "gradcheck float64, loop engine, batch 5"
        bool passed = false;
        std::string detail;  // the gradcheck summary, or the largest difference and where
    };
    bool passed = false;
    std::string layer;  // the layer's spec token(s)
    std::vector<Check> checks;

    std::string summary() const;  // one line: PASSED, or FAILED and the first failing check
    std::string table() const;    // one line per check, then the summary
};

// Builds the layer (or model) `spec` from the layer registry in float64 and
// float32 with the same parameters, and runs every check above.
LayerCheckReport check_layer(const std::string& spec, const LayerCheckOptions& options = {});

// The checks above on a layer you built, in float64 (there is no float32
// twin to compare). Its parameters are restored; its gradients are not.
LayerCheckReport check_layer(Layer<double>& layer, const LayerCheckOptions& options = {});

}  // namespace vecnn
