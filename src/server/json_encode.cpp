// JSON bodies of the service: faces, errors, model descriptions, images as data: URLs.
#include <opencv2/imgcodecs.hpp>

#include "arcface/detector.hpp"
#include "arcface/embedder.hpp"
#include "server/server_impl.hpp"

namespace arcface::detail::server {

json face_json(const Face& f) {
  json lm = json::array();
  for (const auto& p : f.landmarks) lm.push_back({p.x, p.y});
  return {{"box", {f.box.x, f.box.y, f.box.width, f.box.height}}, {"landmarks", lm}, {"score", f.score}};
}

json error_json(int status, const std::string& message) {
  return {{"error", {{"status", status}, {"message", message}}}};
}

void send_json(httplib::Response& res, const json& body, int status) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, error_json(status, message), status);
}

std::string base64(const std::vector<unsigned char>& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += table[v >> 18], out += table[(v >> 12) & 63], out += table[(v >> 6) & 63], out += table[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = bytes[i] << 16;
    out += table[v >> 18], out += table[(v >> 12) & 63], out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += table[v >> 18], out += table[(v >> 12) & 63], out += table[(v >> 6) & 63], out += '=';
  }
  return out;
}

std::string png_data_url(const cv::Mat& image) {
  std::vector<unsigned char> png;
  if (!cv::imencode(".png", image, png)) throw HttpError(500, "cannot encode an aligned crop as PNG");
  return "data:image/png;base64," + base64(png);
}

json model_json(const Pipeline& pipeline) {
  const ModelInfo& e = pipeline.embedder().info();
  const DetectorOptions& d = pipeline.detector().options();
  return {{"embedder",
           {{"name", e.name}, {"architecture", e.architecture}, {"dimension", e.embedding_size},
            {"threshold", e.threshold}, {"input", {e.input_width, e.input_height}}, {"flip", to_string(e.flip)},
            {"alignment", e.alignment.name}, {"source_sha256", e.source_sha256}}},
          {"detector", {{"backend", to_string(d.backend)}}}};
}

}  // namespace arcface::detail::server
