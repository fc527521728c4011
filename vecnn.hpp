// vecnn: the whole public API in one include, #include <vecnn/vecnn.hpp>.
// Single headers live under vecnn/tensor/, vecnn/nn/ and vecnn/data/.
#pragma once

#include "vecnn/version.hpp"

// tensor/: matrices and views, engines, kernels, threads, random numbers
#include "vecnn/tensor/blas_core.hpp"
#include "vecnn/tensor/engine.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/limits.hpp"
#include "vecnn/tensor/matrix.hpp"
#include "vecnn/tensor/random.hpp"
#include "vecnn/tensor/threads.hpp"
#include "vecnn/tensor/xtensor_adapt.hpp"

// nn/: layers, losses, models, optimizers, training, checks
#include "vecnn/nn/activations.hpp"
#include "vecnn/nn/checkpoint.hpp"
#include "vecnn/nn/clip_grad_norm.hpp"
#include "vecnn/nn/communicator.hpp"
#include "vecnn/nn/dataset_view.hpp"
#include "vecnn/nn/finite_check.hpp"
#include "vecnn/nn/gradcheck.hpp"
#include "vecnn/nn/init_scheme.hpp"
#include "vecnn/nn/layer.hpp"
#include "vecnn/nn/layer_check.hpp"
#include "vecnn/nn/layer_registry.hpp"
#include "vecnn/nn/layer_spec.hpp"
#include "vecnn/nn/linear.hpp"
#include "vecnn/nn/logger.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/lr_schedule.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/model_summary.hpp"
#include "vecnn/nn/mpi_communicator.hpp"
#include "vecnn/nn/optimizer.hpp"
#include "vecnn/nn/sequential.hpp"
#include "vecnn/nn/trainer.hpp"
#include "vecnn/nn/training_checkpoint.hpp"
#include "vecnn/nn/training_log.hpp"
#include "vecnn/nn/twin_layer.hpp"

// data/: data sets, generators and file formats
#include "vecnn/data/csv.hpp"
#include "vecnn/data/dataset.hpp"
#include "vecnn/data/file_io.hpp"
#include "vecnn/data/generators.hpp"
#include "vecnn/data/idx.hpp"
#include "vecnn/data/input_file.hpp"
#include "vecnn/data/npy.hpp"
#include "vecnn/data/npy_matrix.hpp"
#include "vecnn/data/npz.hpp"
