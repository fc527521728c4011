// vecnn: train, predict and gradient-check models from the command line.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <new>

#include "tools/cli/commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"vecnn: train small neural networks on vectorized or loop engines"};
    app.require_subcommand(1);
    // --help shows every option's default, taken from the variable it fills
    // (subcommands inherit this); options.hpp's default_in_text() opts out.
    app.option_defaults()->always_capture_default();
    vecnn::cli::add_train_command(app);
    vecnn::cli::add_predict_command(app);
    vecnn::cli::add_gradcheck_command(app);
    vecnn::cli::add_bench_command(app);
    vecnn::cli::add_lessons_command(app);
    vecnn::cli::add_summary_command(app);
    try {
        app.parse(argc, argv);  // the chosen subcommand runs in its callback
    } catch (const CLI::ParseError& e) {
        return app.exit(e);  // usage errors: CLI11's message, non-zero status (0 for --help)
    } catch (const vecnn::cli::CommandVerdict& v) {
        return v.status;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "vecnn: error: out of memory (an input or a model too large for this machine?)\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vecnn: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
