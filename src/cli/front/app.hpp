#pragma once
// The front end of `arcface`: its whole command line (CLI11), bound to a Request. Links no
// arcface library: help, usage errors and suggestions never load LibTorch. Not installed.
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "../cli_args.hpp"

namespace arcface::cli {

/// Which (sub)command of the app sets which Request::command.
using CommandTable = std::vector<std::pair<const CLI::App*, Command>>;

/// The options before the command (--models, --embedder, ...), bound to @p g.
void add_global_options(CLI::App& app, Globals& g);
/// detect, embed, verify, eval-lfw, calibrate, compare, train-demo, fine-tune, tsne.
void add_face_commands(CLI::App& app, Request& r, CommandTable& table);
/// enroll, identify, video, cluster.
void add_gallery_commands(CLI::App& app, Request& r, CommandTable& table);
/// models (import, list, install), serve.
void add_service_commands(CLI::App& app, Request& r, CommandTable& table);

/// A "did you mean" hint for a mistyped subcommand or long option in argv ("" when none is close).
std::string did_you_mean(const CLI::App& app, int argc, const char* const* argv);

/// Runs @p r through the commands module found beside the executable (see load_commands.cpp);
/// returns the exit code: the command's, or 1 with one line on stderr when the module cannot be loaded.
int run_commands(const Request& r);

}  // namespace arcface::cli
