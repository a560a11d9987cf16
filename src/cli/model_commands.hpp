#pragma once
// `arcface models ...`: import ONNX embedders, list the installed models. Not installed.
#include <functional>

#include <CLI/CLI.hpp>

#include "cli_common.hpp"

namespace arcface::cli {

/// Adds the `models` command (`models import`, `models list`) to @p app. Returns the runner that
/// main calls after parsing: -1 when `models` was not given, else the exit code.
std::function<int(const Globals&)> add_model_commands(CLI::App& app);

}  // namespace arcface::cli
