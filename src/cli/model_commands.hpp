#pragma once
// `arcface models ...`: import ONNX embedders, list the installed models. Not installed.
#include "cli_common.hpp"

namespace arcface::cli {

/// Runs `models import`, `models list` or `models install` (r.command); -1 for any other command.
int cmd_models(const Globals& g, const Request& r);

}  // namespace arcface::cli
