// Optimizers, all in one include: the Optimizer<T> interface
// (optimizer_base.hpp), SGD (sgd.hpp), Adam (adam.hpp) and make_optimizer
// (optimizer_factory.hpp). Each header states its exact update rule.
#pragma once

#include "nn/adam.hpp"
#include "nn/optimizer_base.hpp"
#include "nn/optimizer_factory.hpp"
#include "nn/sgd.hpp"
