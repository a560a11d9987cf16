#pragma once
// Internals of arcface::Server (include/arcface/server.hpp): shared by the files of src/server/.
// The HTTP library (cpp-httplib) appears only in src/server/.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "arcface/gallery.hpp"
#include "arcface/pipeline.hpp"
#include "arcface/server.hpp"

// After Eigen (through the arcface headers): httplib.h includes <resolv.h>, whose `_res` macro
// breaks Eigen's headers.
#include <httplib.h>

namespace arcface::detail::server {

using nlohmann::json;

/// An error answered with @c status and a JSON body naming the problem.
struct HttpError : std::runtime_error {
  HttpError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
  int status;
};

/// The processing deadline of one request (ServerOptions::request_timeout_s).
class Deadline {
 public:
  explicit Deadline(double seconds)
      : end_(std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<long long>(seconds * 1e6))),
        seconds_(seconds) {}
  /// @throws HttpError 504 when the deadline has passed (called between the stages of a request).
  void check(const char* stage) const;

 private:
  std::chrono::steady_clock::time_point end_;
  double seconds_;
};

// ---------------------------------------------------------------- json_encode.cpp
json face_json(const Face& f);
json error_json(int status, const std::string& message);
void send_json(httplib::Response& res, const json& body, int status = 200);
void send_error(httplib::Response& res, int status, const std::string& message);
std::string base64(const std::vector<unsigned char>& bytes);
/// PNG of @p image as a data: URL (for the web page).
std::string png_data_url(const cv::Mat& image);
json model_json(const Pipeline& pipeline);

// ---------------------------------------------------------------- image_input.cpp
/// The bytes of one uploaded image and what names it in messages.
struct Upload {
  std::string name;  // e.g. "image1" or "request body"
  const std::string* bytes = nullptr;
};
/// The image of a one-image request: the multipart file field @p field, else the raw body.
/// @throws HttpError 400 when there is none (empty body, missing field).
Upload single_upload(const httplib::Request& req, const std::string& field = "image");
/// Every multipart file field named @p field. @throws HttpError 400 when there is none.
std::vector<Upload> uploads(const httplib::Request& req, const std::string& field);
/// A multipart text field or query parameter, or nullopt.
std::optional<std::string> text_field(const httplib::Request& req, const std::string& field);
/// Decode @p upload as BGR CV_8UC3. @throws HttpError 413 above @p max_pixels (checked from the
/// header before decoding when the format tells it), 415 when it is not a decodable image.
cv::Mat decode_upload(const Upload& upload, std::size_t max_pixels);

// ---------------------------------------------------------------- access.cpp
/// API keys of a key file; empty: no keys required.
class KeyRing {
 public:
  /// @throws IoError for an unreadable file or one without keys.
  void load(const std::string& path);
  bool required() const { return !digests_.empty(); }
  /// Whether @p key is one of the keys (constant time in the key and the number of keys).
  bool accepts(const std::string& key) const;

 private:
  std::vector<std::string> digests_;  // sha256 of each key
};
/// The key a request presents: `Authorization: Bearer KEY` or `X-API-Key: KEY` (empty: none).
std::string presented_key(const httplib::Request& req);

/// Runs Pipeline::process on a fixed set of threads (inference_pool.cpp). The HTTP server has many
/// threads; each thread that runs the network keeps its own LibTorch / oneDNN / OpenMP state, so
/// inference on whichever HTTP thread took the request made the server's memory grow with the
/// number of threads ever used. Thread-safe; process blocks until done and rethrows its errors.
class InferencePool {
 public:
  InferencePool(const Pipeline& pipeline, int threads);
  ~InferencePool();
  InferencePool(const InferencePool&) = delete;
  InferencePool& operator=(const InferencePool&) = delete;
  PipelineResult process(const cv::Mat& image);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Counts requests in flight; try_enter fails beyond the cap.
class InFlight {
 public:
  explicit InFlight(int cap) : cap_(cap) {}
  bool try_enter();
  void leave() { --count_; }
  int count() const { return count_.load(); }
  int cap() const { return cap_; }

 private:
  std::atomic<int> count_{0};
  int cap_;
};

// ---------------------------------------------------------------- gallery_store.cpp
/// Galleries of the data directory: DATA/galleries/NAME.gallery (+ NAME.thumbs/ for thumbnails).
class GalleryStore {
 public:
  GalleryStore(std::string data_dir, const Pipeline& pipeline);
  /// @throws HttpError 400 for a name that is not 1-64 of [A-Za-z0-9_.-] (not starting with '.').
  static void check_name(const std::string& name);
  /// @throws HttpError 400 for an empty id, one over 128 bytes or with control characters.
  static void check_person(const std::string& id);
  std::vector<std::string> names() const;
  bool exists(const std::string& name) const;
  /// The gallery as on disk now (reloaded when the file changed). @throws HttpError 404 when missing.
  std::shared_ptr<const Gallery> get(const std::string& name);
  /// Add @p embeddings as samples of @p id, creating the gallery when needed; on disk when it returns.
  std::shared_ptr<const Gallery> enroll(const std::string& name, const std::string& id, const Embeddings& embeddings);
  /// Remove @p id. @throws HttpError 404 when the gallery or the person does not exist.
  void remove(const std::string& name, const std::string& id);
  /// Write @p crop as the person's thumbnail (atomically) unless it has one and @p replace is false.
  void save_thumbnail(const std::string& name, const std::string& id, const cv::Mat& crop, bool replace);
  /// JPEG bytes of the person's thumbnail, or nullopt.
  std::optional<std::string> thumbnail(const std::string& name, const std::string& id) const;
  std::string path(const std::string& name) const;

 private:
  struct Cached {
    std::shared_ptr<const Gallery> gallery;
    long long mtime_ns = 0;
    long long size = 0;
  };
  std::string thumb_path(const std::string& name, const std::string& id) const;
  void remember(const std::string& name, std::shared_ptr<const Gallery> g);

  std::string dir_;
  const Pipeline& pipeline_;
  mutable std::mutex mutex_;
  std::map<std::string, Cached> cache_;
};

// ---------------------------------------------------------------- routes
/// What the route handlers share.
struct Context {
  ServerOptions options;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<InferencePool> inference;  // every Pipeline::process of a request runs here
  std::unique_ptr<GalleryStore> galleries;
  std::unique_ptr<InFlight> in_flight;
  KeyRing keys;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<long long> requests{0};
};

void add_face_routes(httplib::Server& http, Context& ctx);     // face_routes.cpp
void add_gallery_routes(httplib::Server& http, Context& ctx);  // gallery_routes.cpp
json openapi_document();                                        // openapi.cpp
const std::string& web_page();                                  // web_page.cpp

/// Wraps a route handler: runs it with the in-flight cap and the deadline, turning HttpError and
/// the library's errors into JSON error responses (server.cpp).
using RouteFn = std::function<void(const httplib::Request&, httplib::Response&, const Deadline&)>;
httplib::Server::Handler guarded(Context& ctx, RouteFn fn);

}  // namespace arcface::detail::server
