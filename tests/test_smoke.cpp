#include <doctest/doctest.h>
#include "nn/model_spec.hpp"
#include "nn/loss.hpp"
#include "nn/gradcheck.hpp"
using namespace vecnn;
TEST_CASE("smoke") {
    auto m = build_model<double>("linear(3,4),tanh,linear(4,2)", 1);
    Matrix<double> x = {{0.1, 0.2, 0.3}, {0.4, -0.5, 0.6}};
    std::vector<std::int64_t> y{0, 1};
    CrossEntropy<double> ce;
    auto r = check_gradients(*m, ce, x, Targets<double>(y));
    MESSAGE(r.table());
    CHECK(r.passed);
}
