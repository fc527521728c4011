// Optimizers, all in one include: the Optimizer<T> interface
// (optimizer_base.hpp), SGD (sgd.hpp), Adam and AdamW (adam.hpp), RMSprop
// (rmsprop.hpp), Adagrad (adagrad.hpp) and make_optimizer
// (optimizer_factory.hpp). Each header states its exact update rule.
#pragma once

#include "vecnn/nn/adagrad.hpp"
#include "vecnn/nn/adam.hpp"
#include "vecnn/nn/optimizer_base.hpp"
#include "vecnn/nn/optimizer_factory.hpp"
#include "vecnn/nn/rmsprop.hpp"
#include "vecnn/nn/sgd.hpp"
