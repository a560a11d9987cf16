#pragma once
// `arcface serve`: the HTTP service (include/arcface/server.hpp). Not installed.
#include <functional>

#include <CLI/CLI.hpp>

#include "cli_common.hpp"

namespace arcface::cli {

/// Adds the `serve` command to @p app. Returns the runner main calls after parsing: -1 when
/// `serve` was not given, else the exit code (0 after SIGTERM/SIGINT once requests in flight are answered).
std::function<int(const Globals&)> add_serve_command(CLI::App& app);

}  // namespace arcface::cli
