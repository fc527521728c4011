#include "vecnn/nn/logger.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace vecnn {

std::shared_ptr<spdlog::logger> logger() {
    auto existing = spdlog::get("vecnn");
    if (existing) return existing;
    auto created = spdlog::stdout_logger_mt("vecnn");
    created->set_pattern("%v");
    return created;
}

}  // namespace vecnn
