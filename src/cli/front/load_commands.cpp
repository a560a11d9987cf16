// Finds and loads the commands module (libarcface_cli_commands.so) beside the executable:
// the same directory (the build tree, the Python wheel's pyarcface/bin) or ../LIBDIR (an install).
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "app.hpp"

#ifndef ARCFACE_CLI_LIBDIR
#define ARCFACE_CLI_LIBDIR "lib"
#endif

namespace arcface::cli {

namespace {

using Entry = int (*)(const Request*, const char*, unsigned long);

int fail(const std::string& msg) {
  std::cerr << "arcface: error: " << msg << "\n";
  return 1;
}

std::string exe_dir() {
  std::vector<char> buf(4096);
  const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return "";
  const std::string exe(buf.data(), static_cast<std::size_t>(n));
  const auto slash = exe.rfind('/');
  return slash == std::string::npos ? "." : exe.substr(0, slash);
}

}  // namespace

int run_commands(const Request& r) {
  const std::string dir = exe_dir();
  if (dir.empty()) return fail(std::string("cannot find the arcface executable (/proc/self/exe): ") + std::strerror(errno));
  const std::vector<std::string> candidates{dir + "/" + kCommandsModule,
                                            dir + "/../" + ARCFACE_CLI_LIBDIR + "/" + kCommandsModule};
  std::string path;
  for (const auto& c : candidates)
    if (access(c.c_str(), F_OK) == 0) {
      path = c;
      break;
    }
  if (path.empty())
    return fail("the commands module " + std::string(kCommandsModule) + " is missing: neither '" + candidates[0] +
                "' nor '" + candidates[1] + "' exists (reinstall arcface)");
  // RTLD_LAZY, as the loader starts programs: binding all of LibTorch's functions up front
  // (RTLD_NOW) costs ~10 % more CPU at start (perf stat). A missing library still fails here.
  void* module = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (!module) {
    const char* why = dlerror();
    return fail("cannot load the commands module '" + path + "': " + (why ? why : "unknown reason"));
  }
  auto entry = reinterpret_cast<Entry>(dlsym(module, kCommandsEntry));
  if (!entry) {
    const char* why = dlerror();
    return fail("'" + path + "' is not the arcface commands module (" + (why ? why : "no " + std::string(kCommandsEntry)) +
                ")");
  }
  // Not unloaded: LibTorch's libraries are not made to be unloaded before exit.
  return entry(&r, kCliAbi, sizeof(Request));
}

}  // namespace arcface::cli
