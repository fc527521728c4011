// The project's logger: spdlog logger "vecnn", human lines on stdout, created
// on first use (or take over the name with spdlog::register_logger first).
#pragma once

#include <memory>

namespace spdlog {
class logger;
}

namespace vecnn {

std::shared_ptr<spdlog::logger> logger();

}  // namespace vecnn
