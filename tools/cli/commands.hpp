// The subcommands of the `vecnn` command line. Each registers its options
// on the app and runs through a callback; errors are exceptions, reported
// once by main() as one line on stderr with a non-zero exit.
#pragma once

#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace vecnn::cli {

// A command failed for a reason the user can act on; the exit status is 1.
struct CommandError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A command ran to completion but its verdict is "no" (e.g. a gradient check
// failed): the report is already printed; exit with this status.
struct CommandVerdict {
    int status;
};

void add_gradcheck_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_lessons_command(CLI::App& app);
void add_summary_command(CLI::App& app);

}  // namespace vecnn::cli
