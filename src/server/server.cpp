// arcface::Server: the HTTP server, its limits (keys, in-flight cap, deadline, body size) and the
// routes that are not about faces or galleries (health, models, OpenAPI document, web page).
#include "arcface/server.hpp"

#include <thread>

#include "arcface/error.hpp"
#include "arcface/version.hpp"
#include "server/server_impl.hpp"

namespace arcface {

namespace srv = detail::server;

namespace detail::server {

void Deadline::check(const char* stage) const {
  if (std::chrono::steady_clock::now() > end_)
    throw HttpError(504, std::string("the request took longer than the server's limit of ") +
                             std::to_string(seconds_) + " s (while " + stage + ")");
}

httplib::Server::Handler guarded(Context& ctx, RouteFn fn) {
  return [&ctx, fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
    ++ctx.requests;
    // Keys are checked here, after the body was read (within the size limit), so that the
    // connection stays in step for the client's next request.
    if (ctx.keys.required()) {
      const std::string key = presented_key(req);
      if (key.empty() || !ctx.keys.accepts(key)) {
        res.set_header("WWW-Authenticate", "Bearer");
        send_error(res, 401, key.empty() ? "an API key is required (Authorization: Bearer KEY or X-API-Key: KEY)"
                                         : "the API key is not valid");
        return;
      }
    }
    if (!ctx.in_flight->try_enter()) {
      res.set_header("Retry-After", "1");
      send_error(res, 503, "the server is busy (" + std::to_string(ctx.in_flight->cap()) +
                               " requests in flight); retry after 1 s");
      return;
    }
    struct Leave {
      InFlight& f;
      ~Leave() { f.leave(); }
    } leave{*ctx.in_flight};
    const Deadline deadline(ctx.options.request_timeout_s);
    try {
      fn(req, res, deadline);
    } catch (const HttpError& e) {
      send_error(res, e.status, e.what());
    } catch (const InputError& e) {
      send_error(res, 400, e.what());
    } catch (const Error& e) {
      send_error(res, 500, e.what());
    } catch (const std::bad_alloc&) {
      send_error(res, 503, "out of memory while processing the request");
    } catch (const std::exception& e) {
      send_error(res, 500, std::string("internal error: ") + e.what());
    }
  };
}

}  // namespace detail::server

namespace {

const char* status_message(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "no such route";
    case 405: return "method not allowed";
    case 413: return "the request body is larger than the server's limit";
    case 414: return "the request URI is too long";
    case 416: return "range not satisfiable";
    default: return status >= 500 ? "internal server error" : "request refused";
  }
}

}  // namespace

struct Server::Impl {
  srv::Context ctx;
  httplib::Server http;
  int port = 0;
  bool bound = false;
  std::atomic<bool> stop_requested{false}, running{false};

  void setup();
};

void Server::Impl::setup() {
  const ServerOptions& o = ctx.options;
  const int threads = o.http_threads > 0 ? o.http_threads : o.max_in_flight + 16;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_payload_max_length(o.max_body_bytes);
  const auto timeout = std::chrono::microseconds(static_cast<long long>(o.request_timeout_s * 1e6));
  http.set_read_timeout(timeout);
  http.set_write_timeout(timeout);
  http.set_keep_alive_max_count(1000);
  http.set_keep_alive_timeout(2);  // idle connections: also how long a drain may wait for them
  http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a JSON error already
    std::string msg = status_message(res.status);
    if (res.status == 404) msg += ": " + req.method + " " + req.path + " (see /openapi.json)";
    if (res.status == 413) {
      if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0)
        msg = "form-urlencoded bodies are limited to 8 KiB: send images as multipart/form-data, or as the raw body "
              "with Content-Type image/jpeg, image/png or application/octet-stream";
      else
        msg += " of " + std::to_string(ctx.options.max_body_bytes) + " bytes";
    }
    if (res.status == 400) msg += " (malformed HTTP request, or a POST without Content-Length)";
    srv::send_error(res, res.status, msg);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string msg = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      msg += std::string(": ") + e.what();
    } catch (...) {
    }
    srv::send_error(res, 500, msg);
  });

  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(srv::web_page(), "text/html; charset=utf-8");
  });
  http.Get("/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    srv::send_json(res, srv::openapi_document());
  });
  http.Get("/v1/health", [this](const httplib::Request&, httplib::Response& res) {
    const double up = std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
    srv::send_json(res, {{"status", "ok"}, {"version", kVersion}, {"model", ctx.pipeline->embedder().info().name},
                         {"in_flight", ctx.in_flight->count()}, {"max_in_flight", ctx.in_flight->cap()},
                         {"requests", ctx.requests.load()}, {"uptime_s", up}});
  });
  http.Get("/v1/models", srv::guarded(ctx, [this](const httplib::Request&, httplib::Response& res, const srv::Deadline&) {
    srv::send_json(res, srv::model_json(*ctx.pipeline));
  }));
  srv::add_face_routes(http, ctx);
  srv::add_gallery_routes(http, ctx);
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  ServerOptions& o = impl_->ctx.options;
  o = std::move(options);
  if (o.data_dir.empty()) throw InputError("the server needs a data directory (ServerOptions::data_dir, --data)");
  if (o.max_in_flight < 1) throw InputError("max_in_flight must be at least 1");
  if (o.max_body_bytes < 1) throw InputError("max_body_bytes must be positive");
  if (o.max_image_pixels < 1) throw InputError("max_image_pixels must be positive");
  if (!(o.request_timeout_s > 0)) throw InputError("request_timeout_s must be positive");
  if (o.port < 0 || o.port > 65535) throw InputError("port must be between 0 and 65535");
  if (!o.api_keys_file.empty()) impl_->ctx.keys.load(o.api_keys_file);
  impl_->ctx.pipeline = std::make_unique<Pipeline>(o.pipeline);
  // As many inference threads as the hardware has (each network call uses the intra-op threads).
  impl_->ctx.inference = std::make_unique<srv::InferencePool>(
      *impl_->ctx.pipeline, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  impl_->ctx.galleries = std::make_unique<srv::GalleryStore>(o.data_dir, *impl_->ctx.pipeline);
  impl_->ctx.in_flight = std::make_unique<srv::InFlight>(o.max_in_flight);
  impl_->setup();
}

Server::~Server() = default;

int Server::bind() {
  if (impl_->bound) return impl_->port;
  const ServerOptions& o = impl_->ctx.options;
  if (o.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(o.host);
    if (impl_->port < 0) impl_->port = 0;
  } else if (impl_->http.bind_to_port(o.host, o.port)) {
    impl_->port = o.port;
  }
  if (impl_->port <= 0)
    throw IoError("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                  " (address in use, not an address of this machine, or a privileged port)");
  impl_->bound = true;
  return impl_->port;
}

void Server::run() {
  bind();
  impl_->running = true;
  if (!impl_->stop_requested) impl_->http.listen_after_bind();
  impl_->running = false;
}

void Server::stop() {
  impl_->stop_requested = true;
  // stop() before listening has begun is remembered by the flag; wait for either.
  while (impl_->running && !impl_->http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->http.stop();
}

int Server::port() const { return impl_->port; }

}  // namespace arcface
