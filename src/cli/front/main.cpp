// The `arcface` command-line tool.
//
//   arcface [--models DIR] [--embedder NAME|PATH] [--detector auto|yunet|mtcnn] [--threads N] [--quiet] COMMAND ...
//
// Exit codes: 0 success, 1 error (one line on stderr, "arcface: error: ..."), 2 usage error.
//
// This executable is the front end: it parses the command line and answers --help and usage
// errors itself, without LibTorch or OpenCV; a command that runs (and --version, which reports
// the OpenMP policy LibTorch's libgomp sees) is handed to the commands module
// libarcface_cli_commands.so, loaded with dlopen (docs/architecture.md, "CLI").
#include <iostream>

#include "app.hpp"

using namespace arcface::cli;

int main(int argc, char** argv) {
  CLI::App app{"arcface: face detection, alignment, embedding and verification"};
  app.require_subcommand(1);
  app.fallthrough();                                    // global options also after the subcommand
  app.option_defaults()->always_capture_default();      // --help shows each option's default
  app.set_version_flag("--version", std::string(arcface::kVersion));  // printed by the commands module
  Request r;
  CommandTable table;
  add_global_options(app, r.globals);
  add_face_commands(app, r, table);
  add_gallery_commands(app, r, table);
  add_service_commands(app, r, table);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion&) {
    r.command = Command::Version;
    return run_commands(r);
  } catch (const CLI::ParseError& e) {
    const std::string hint = e.get_exit_code() == 0 ? "" : did_you_mean(app, argc, argv);
    const int rc = app.exit(e);
    if (!hint.empty()) std::cerr << "arcface: " << hint << "\n";
    return rc == 0 ? 0 : 2;
  }
  for (const auto& [sub, command] : table)
    if (sub->parsed()) {
      r.command = command;
      return run_commands(r);
    }
  return 0;  // not reached: a command is required, and every command is in the table
}
