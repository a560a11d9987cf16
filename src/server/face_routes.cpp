// POST /v1/detect, /v1/embed, /v1/verify, /v1/identify.
#include "arcface/error.hpp"
#include "arcface/similarity.hpp"
#include "server/server_impl.hpp"

namespace arcface::detail::server {

namespace {

bool flag(const httplib::Request& req, const std::string& name) {
  const auto v = text_field(req, name);
  return v && (*v == "1" || *v == "true" || *v == "yes");
}

std::optional<float> number(const httplib::Request& req, const std::string& name, float lo, float hi) {
  const auto v = text_field(req, name);
  if (!v) return std::nullopt;
  try {
    size_t used = 0;
    const float x = std::stof(*v, &used);
    if (used == v->size() && x >= lo && x <= hi) return x;
  } catch (const std::exception&) {
  }
  throw HttpError(400, "parameter '" + name + "' must be a number between " + std::to_string(lo) + " and " +
                           std::to_string(hi) + ", got '" + *v + "'");
}

cv::Mat image_of(const Context& ctx, const Upload& u, const Deadline& deadline) {
  cv::Mat img = decode_upload(u, ctx.options.max_image_pixels);
  deadline.check("decoding the image");
  return img;
}

void detect(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline& deadline) {
  const cv::Mat img = image_of(ctx, single_upload(req), deadline);
  const auto faces = ctx.pipeline->detector().detect(img);
  deadline.check("detecting the faces");
  json arr = json::array();
  for (const auto& f : faces) arr.push_back(face_json(f));
  send_json(res, {{"width", img.cols}, {"height", img.rows}, {"faces", arr},
                  {"detector", to_string(ctx.pipeline->detector().options().backend)}});
}

void embed(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline& deadline) {
  const cv::Mat img = image_of(ctx, single_upload(req), deadline);
  const PipelineResult r = ctx.inference->process(img);
  deadline.check("detecting and embedding the faces");
  json arr = json::array();
  for (size_t k = 0; k < r.faces.size(); ++k) {
    json f = face_json(r.faces[k]);
    const auto row = r.embeddings.row(static_cast<Eigen::Index>(k));
    f["embedding"] = std::vector<float>(row.data(), row.data() + row.size());
    arr.push_back(std::move(f));
  }
  const ModelInfo& info = ctx.pipeline->embedder().info();
  send_json(res, {{"width", img.cols}, {"height", img.rows}, {"model", info.name},
                  {"dimension", info.embedding_size}, {"faces", arr}});
}

struct OneFace {
  Face face;
  Embeddings embedding;
  cv::Mat crop;
};

OneFace largest(const Context& ctx, const Upload& u, const Deadline& deadline, bool want_crop) {
  const cv::Mat img = image_of(ctx, u, deadline);
  const PipelineResult r = ctx.inference->process(img);
  deadline.check("detecting and embedding the faces");
  if (r.faces.empty()) throw HttpError(422, "no face found in " + u.name);
  const int k = largest_face(r.faces);
  OneFace out{r.faces[k], Embeddings(r.embeddings.row(k)), {}};
  if (want_crop) out.crop = ctx.pipeline->embedder().aligner().align(img, out.face);
  return out;
}

void verify(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline& deadline) {
  if (!req.is_multipart_form_data()) throw HttpError(400, "verify needs a multipart body with files image1 and image2");
  const Upload u1 = single_upload(req, "image1");
  const Upload u2 = single_upload(req, "image2");
  const bool crops = flag(req, "crops");
  const auto threshold = number(req, "threshold", -1.f, 1.f);
  const OneFace a = largest(ctx, u1, deadline, crops);
  const OneFace b = largest(ctx, u2, deadline, crops);
  const ModelInfo& info = ctx.pipeline->embedder().info();
  const Verification v = Similarity::verify(a.embedding.row(0), b.embedding.row(0), threshold.value_or(info.threshold));
  json out{{"similarity", v.similarity}, {"threshold", v.threshold}, {"same", v.same}, {"model", info.name},
           {"face1", face_json(a.face)}, {"face2", face_json(b.face)}};
  if (crops) out["crops"] = {png_data_url(a.crop), png_data_url(b.crop)};
  send_json(res, out);
}

void identify(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline& deadline) {
  const auto name = text_field(req, "gallery");
  if (!name || name->empty()) throw HttpError(400, "identify needs a gallery: ?gallery=NAME or a form field 'gallery'");
  const auto gallery = ctx.galleries->get(*name);
  const auto top = number(req, "top", 1, 100);
  const cv::Mat img = image_of(ctx, single_upload(req), deadline);
  const PipelineResult r = ctx.inference->process(img);
  deadline.check("detecting and embedding the faces");
  const ModelInfo& info = ctx.pipeline->embedder().info();
  try {
    gallery->check_embedder(info);
  } catch (const InputError& e) {
    throw HttpError(409, "gallery '" + *name + "': " + e.what());
  }
  const float threshold = number(req, "threshold", -1.f, 1.f).value_or(info.threshold);
  json arr = json::array();
  if (!r.faces.empty() && gallery->size() > 0) {
    const auto ids = gallery->identify(r.embeddings, threshold);
    const auto hits = gallery->search(r.embeddings, static_cast<int>(top.value_or(3)));
    for (size_t k = 0; k < r.faces.size(); ++k) {
      json f = face_json(r.faces[k]);
      f["identity"] = ids[k].known ? json(ids[k].identity) : json(nullptr);
      f["known"] = ids[k].known;
      f["similarity"] = ids[k].score;
      f["best"] = ids[k].best;
      json cands = json::array();
      for (const auto& m : hits[k]) cands.push_back({{"id", m.identity}, {"similarity", m.score}});
      f["candidates"] = cands;
      arr.push_back(std::move(f));
    }
  } else {
    for (const auto& face : r.faces) {
      json f = face_json(face);
      f["identity"] = nullptr, f["known"] = false, f["similarity"] = nullptr, f["best"] = nullptr;
      f["candidates"] = json::array();
      arr.push_back(std::move(f));
    }
  }
  send_json(res, {{"gallery", *name}, {"people", gallery->size()}, {"threshold", threshold}, {"model", info.name},
                  {"width", img.cols}, {"height", img.rows}, {"faces", arr}});
}

}  // namespace

void add_face_routes(httplib::Server& http, Context& ctx) {
  http.Post("/v1/detect", guarded(ctx, [&ctx](auto& q, auto& s, auto& d) { detect(ctx, q, s, d); }));
  http.Post("/v1/embed", guarded(ctx, [&ctx](auto& q, auto& s, auto& d) { embed(ctx, q, s, d); }));
  http.Post("/v1/verify", guarded(ctx, [&ctx](auto& q, auto& s, auto& d) { verify(ctx, q, s, d); }));
  http.Post("/v1/identify", guarded(ctx, [&ctx](auto& q, auto& s, auto& d) { identify(ctx, q, s, d); }));
}

}  // namespace arcface::detail::server
