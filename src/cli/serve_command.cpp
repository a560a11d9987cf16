// arcface serve [--host 127.0.0.1] [--port 8080] [--data DIR] [--api-keys FILE] [limits]
#include "serve_command.hpp"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "arcface/server.hpp"

namespace fs = std::filesystem;

namespace arcface::cli {

namespace {

std::string default_data_dir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  const char* home = std::getenv("HOME");
  const fs::path base = xdg && *xdg ? fs::path(xdg) : fs::path(home && *home ? home : "/tmp") / ".local" / "share";
  return (base / "arcface" / "server").string();
}

}  // namespace

int cmd_serve(const Globals& g, const ServeArgs& a) {
  // SIGTERM / SIGINT are taken by a thread of their own (blocked here, before any thread starts,
  // so that every thread inherits the mask): it stops the server, which answers the requests in
  // flight before run() returns.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Requests move between many connection threads; with glibc's default of up to 8 malloc arenas
  // per core, each arena keeps its own freed memory and the resident size creeps up over a long run.
  // Two arenas keep it flat (bench/bench_server.py); MALLOC_ARENA_MAX in the environment wins.
  if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2);

  ServerOptions o;
  o.host = a.host;
  o.port = a.port;
  o.data_dir = a.data.empty() ? default_data_dir() : a.data;
  o.api_keys_file = a.keys;
  o.max_body_bytes = static_cast<std::size_t>(a.max_body_mb * (1 << 20));
  o.max_image_pixels = static_cast<std::size_t>(a.max_image_megapixels * 1e6);
  o.request_timeout_s = a.timeout_s;
  o.max_in_flight = a.max_in_flight;
  o.http_threads = a.http_threads;
  o.pipeline = pipeline_options(g);
  Server server(o);
  const int port = server.bind();
  std::printf("arcface serve: listening on http://%s:%d/ (data %s, %s, at most %d requests in flight)\n",
              a.host.c_str(), port, o.data_dir.c_str(), a.keys.empty() ? "no API keys" : "API keys required",
              a.max_in_flight);
  std::fflush(stdout);
  std::thread waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "arcface serve: %s received, answering the requests in flight, then exiting\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    server.stop();
  });
  server.run();
  waiter.join();
  std::fprintf(stderr, "arcface serve: stopped\n");
  return 0;
}

}  // namespace arcface::cli
