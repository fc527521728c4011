// examples/mnist_cnn: the same digits, program and recipe as examples/mnist
// (batch 64, 20 epochs, SGD momentum 0.9, here lr 0.05; or Adam lr 1e-3), with
// a small CNN: two conv-relu-pool blocks of 8 and 16 channels, then one
// Linear. The images are (1, 28, 28) samples; the vectorized engine runs each
// convolution as im2col and one GEMM per batch, the loop engine as direct sums.
//
// --check fails below 96.0% (SGD) or 95.5% (Adam) on the 2,000 test digits.
// PyTorch 1.13 with the same recipe, split and seeds 0-2 reaches
// 96.75/96.65/96.55% (SGD) and 96.55/96.35/96.60% (Adam) there
// (tools/torch_mnist.py --model cnn), against 95.35% for the MLP (SGD).
#include "examples/mnist_program.hpp"

int main(int argc, char** argv) {
    const vecnn::examples::MnistRecipe recipe{
        "mnist_cnn", "MNIST digits: a small CNN (conv 8, conv 16, linear), and what vectorization buys",
        "conv2d(1,8,3,padding=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),flatten,linear(784,10)",
        {1, 28, 28}, 0.05, 0.96, 0.955};
    return vecnn::examples::run_mnist(recipe, argc, argv);
}
