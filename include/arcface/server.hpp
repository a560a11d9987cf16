#pragma once
/// @file server.hpp
/// A face-recognition HTTP service (`arcface serve`): a JSON API under /v1, an OpenAPI 3 document
/// at /openapi.json and a web page at /. The HTTP library is an implementation detail.
///
/// API (every error is a JSON body `{"error": {"status": N, "message": "..."}}` with a 4xx/5xx status):
///  - POST /v1/detect, /v1/embed, /v1/identify (one image: a multipart file field `image`, or the raw
///    image bytes as the body); POST /v1/verify (multipart file fields `image1` and `image2`);
///  - GET /v1/galleries; GET /v1/galleries/{name}/people; POST /v1/galleries/{name}/people
///    (multipart: text field `id`, one or more file fields `image`); GET/POST/DELETE
///    /v1/galleries/{name}/people/{id}; GET /v1/galleries/{name}/people/{id}/thumbnail;
///  - GET /v1/health, /v1/models, /openapi.json, /; with keys, all routes need one except /v1/health,
///    /openapi.json and /.
///
/// Persistence: gallery NAME is the gallery file `DATA/galleries/NAME.gallery` (docs/gallery.md),
/// edited with Gallery::update (atomic write under the file's lock), so an enrolment is on disk
/// before its response is sent and other processes may edit the same files. Face thumbnails are
/// kept next to it in `DATA/galleries/NAME.thumbs/`.
///
/// Limits: body size (413), decoded pixels (413), per-request processing time (504), requests in
/// flight (503 with Retry-After), API keys (401). A bad request never stops the server.

#include "arcface/export.hpp"
#include <cstddef>
#include <memory>
#include <string>

#include "arcface/pipeline.hpp"

ARCFACE_API_BEGIN
namespace arcface {

struct ServerOptions {
  std::string host = "127.0.0.1";  ///< address to bind (127.0.0.1: this machine only)
  int port = 8080;                 ///< TCP port; 0 picks a free one (see Server::port)
  /// Data directory (galleries/ is created in it). Required.
  std::string data_dir;
  /// File of API keys, one per line (blank lines and lines starting with '#' ignored). Empty: no
  /// keys, every request is accepted. With keys, a request must send one as
  /// `Authorization: Bearer KEY` or `X-API-Key: KEY` (compared in constant time).
  std::string api_keys_file;
  std::size_t max_body_bytes = 32u << 20;      ///< larger request bodies get 413
  std::size_t max_image_pixels = 40'000'000;   ///< larger images (width x height) get 413
  double request_timeout_s = 30;  ///< socket read/write timeout and processing deadline (504)
  int max_in_flight = 32;         ///< requests processed at once; more get 503 + Retry-After
  int http_threads = 0;           ///< connection threads (0: max_in_flight + 16)
  PipelineOptions pipeline;       ///< detector and embedder
};

/// The service. Construction loads the models and the key file; bind() opens the socket; run()
/// serves until stop(). Thread safety: stop() may be called from any thread (also before run());
/// the other methods from one thread.
class Server {
 public:
  /// @throws InputError for a missing data directory option or bad limits; IoError for an
  /// unreadable key file, a key file without keys or an unusable data directory; ModelError for models.
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Bind the listening socket. @return the port bound. @throws IoError when it cannot be bound.
  int bind();
  /// Serve until stop() (binds first if bind() was not called). Requests in flight when stop() is
  /// called are finished (drained) before run() returns.
  void run();
  /// Stop accepting connections; run() returns once the requests in flight are answered.
  void stop();
  /// The bound port (0 before bind()).
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arcface
ARCFACE_API_END
