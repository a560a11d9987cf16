#pragma once
// `arcface serve`: the HTTP service (include/arcface/server.hpp). Not installed.
#include "cli_common.hpp"

namespace arcface::cli {

/// Serves until SIGTERM/SIGINT; returns 0 once the requests in flight are answered.
int cmd_serve(const Globals& g, const ServeArgs& a);

}  // namespace arcface::cli
