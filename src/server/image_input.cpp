// Images of a request: multipart file fields or the raw body, decoded under the pixel limit.
#include <opencv2/imgcodecs.hpp>

#include "arcface/image_header.hpp"
#include "server/server_impl.hpp"

namespace arcface::detail::server {

namespace {

void check_pixels(const Upload& u, long long w, long long h, std::size_t max_pixels) {
  if (w > 0 && h > 0 && static_cast<double>(w) * static_cast<double>(h) > static_cast<double>(max_pixels))
    throw HttpError(413, u.name + " has " + std::to_string(w) + "x" + std::to_string(h) +
                             " pixels, above the server's limit of " + std::to_string(max_pixels) + " pixels");
}

bool is_multipart(const httplib::Request& req) { return req.is_multipart_form_data(); }

}  // namespace

Upload single_upload(const httplib::Request& req, const std::string& field) {
  if (is_multipart(req)) {
    const auto it = req.files.find(field);
    if (it == req.files.end())
      throw HttpError(400, "the multipart body has no file field '" + field + "'");
    if (it->second.content.empty()) throw HttpError(400, "the file field '" + field + "' is empty");
    return {"'" + field + "'" + (it->second.filename.empty() ? "" : " (" + it->second.filename + ")"),
            &it->second.content};
  }
  if (req.body.empty())
    throw HttpError(400, "no image: send the image as the request body or as the multipart file field '" + field + "'");
  return {"the request body", &req.body};
}

std::vector<Upload> uploads(const httplib::Request& req, const std::string& field) {
  if (!is_multipart(req)) throw HttpError(400, "expected a multipart/form-data body with file field(s) '" + field + "'");
  std::vector<Upload> out;
  const auto range = req.files.equal_range(field);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second.content.empty()) throw HttpError(400, "a file field '" + field + "' is empty");
    out.push_back({"'" + field + "'" + (it->second.filename.empty() ? "" : " (" + it->second.filename + ")"),
                   &it->second.content});
  }
  if (out.empty()) throw HttpError(400, "the multipart body has no file field '" + field + "'");
  return out;
}

std::optional<std::string> text_field(const httplib::Request& req, const std::string& field) {
  if (const auto it = req.files.find(field); it != req.files.end()) return it->second.content;
  if (req.has_param(field.c_str())) return req.get_param_value(field.c_str());
  return std::nullopt;
}

cv::Mat decode_upload(const Upload& u, std::size_t max_pixels) {
  const auto* data = reinterpret_cast<const unsigned char*>(u.bytes->data());
  if (const auto size = image_header_size(data, u.bytes->size()))
    check_pixels(u, size->width, size->height, max_pixels);
  cv::Mat img;
  try {
    img = cv::imdecode(cv::Mat(1, static_cast<int>(u.bytes->size()), CV_8U, const_cast<unsigned char*>(data)),
                       cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw HttpError(415, "cannot decode " + u.name + " as an image: " + e.err);
  }
  if (img.empty())
    throw HttpError(415, u.name + " is not a readable image (JPEG, PNG, BMP, WebP, TIFF, ...): corrupt or another format");
  check_pixels(u, img.cols, img.rows, max_pixels);
  return img;
}

}  // namespace arcface::detail::server
