// Galleries over HTTP: list them, list / enrol / show / remove people, face thumbnails.
#include "server/server_impl.hpp"

namespace arcface::detail::server {

namespace {

std::string url_encode(const std::string& s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += '%', out += digits[c >> 4], out += digits[c & 15];
  }
  return out;
}

std::string people_url(const std::string& gallery, const std::string& id) {
  return "/v1/galleries/" + gallery + "/people/" + url_encode(id);
}

json person_json(const GalleryStore& store, const Gallery& g, const std::string& gallery, const std::string& id) {
  return {{"id", id}, {"samples", g.num_samples(id)},
          {"thumbnail", store.thumbnail(gallery, id) ? json(people_url(gallery, id) + "/thumbnail") : json(nullptr)}};
}

// Embeds the largest face of every upload; an upload without a face refuses the whole request.
void enroll(Context& ctx, const std::string& gallery, const std::string& id, const std::vector<Upload>& ups,
            httplib::Response& res, const Deadline& deadline) {
  GalleryStore::check_name(gallery);
  GalleryStore::check_person(id);
  Embeddings all(static_cast<Eigen::Index>(ups.size()), ctx.pipeline->embedder().dimension());
  cv::Mat first_crop;
  json faces = json::array();
  for (size_t k = 0; k < ups.size(); ++k) {
    const cv::Mat img = decode_upload(ups[k], ctx.options.max_image_pixels);
    const PipelineResult r = ctx.inference->process(img);
    deadline.check("detecting and embedding the faces");
    if (r.faces.empty()) throw HttpError(422, "no face found in " + ups[k].name + ": nothing was enrolled");
    const int best = largest_face(r.faces);
    all.row(static_cast<Eigen::Index>(k)) = r.embeddings.row(best);
    faces.push_back(face_json(r.faces[best]));
    if (k == 0) first_crop = ctx.pipeline->embedder().aligner().align(img, r.faces[best]);
  }
  deadline.check("embedding the photos");
  const auto g = ctx.galleries->enroll(gallery, id, all);  // on disk from here on
  ctx.galleries->save_thumbnail(gallery, id, first_crop, false);
  json out = person_json(*ctx.galleries, *g, gallery, id);
  out["gallery"] = gallery;
  out["enrolled"] = ups.size();
  out["faces"] = faces;
  send_json(res, out);
}

void list_galleries(Context& ctx, const httplib::Request&, httplib::Response& res, const Deadline&) {
  json arr = json::array();
  for (const auto& name : ctx.galleries->names()) {
    try {
      const auto g = ctx.galleries->get(name);
      arr.push_back({{"name", name}, {"people", g->size()}, {"samples", g->num_samples()}, {"model", g->embedder()}});
    } catch (const std::exception& e) {
      arr.push_back({{"name", name}, {"error", e.what()}});
    }
  }
  send_json(res, {{"galleries", arr}});
}

void list_people(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline&) {
  const std::string name = req.matches[1];
  const auto g = ctx.galleries->get(name);
  json arr = json::array();
  for (const auto& id : g->identities()) arr.push_back(person_json(*ctx.galleries, *g, name, id));
  send_json(res, {{"gallery", name}, {"model", g->embedder()}, {"people", arr}});
}

void post_people(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline& deadline) {
  if (!req.is_multipart_form_data())
    throw HttpError(400, "enrolment needs a multipart body: a text field 'id' and file field(s) 'image'");
  const auto id = text_field(req, "id");
  if (!id) throw HttpError(400, "the multipart body has no field 'id' (the person's id)");
  enroll(ctx, req.matches[1], *id, uploads(req, "image"), res, deadline);
}

void post_person(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline& deadline) {
  std::vector<Upload> ups = req.is_multipart_form_data() ? uploads(req, "image") : std::vector<Upload>{single_upload(req)};
  enroll(ctx, req.matches[1], req.matches[2], ups, res, deadline);
}

void get_person(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline&) {
  const std::string name = req.matches[1], id = req.matches[2];
  const auto g = ctx.galleries->get(name);
  if (!g->contains(id)) throw HttpError(404, "person '" + id + "' is not enrolled in gallery '" + name + "'");
  json out = person_json(*ctx.galleries, *g, name, id);
  out["gallery"] = name;
  send_json(res, out);
}

void delete_person(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline&) {
  const std::string name = req.matches[1], id = req.matches[2];
  ctx.galleries->remove(name, id);
  send_json(res, {{"gallery", name}, {"deleted", id}});
}

void get_thumbnail(Context& ctx, const httplib::Request& req, httplib::Response& res, const Deadline&) {
  const std::string name = req.matches[1], id = req.matches[2];
  const auto g = ctx.galleries->get(name);
  if (!g->contains(id)) throw HttpError(404, "person '" + id + "' is not enrolled in gallery '" + name + "'");
  const auto jpg = ctx.galleries->thumbnail(name, id);
  if (!jpg) throw HttpError(404, "person '" + id + "' of gallery '" + name + "' has no thumbnail");
  res.set_content(*jpg, "image/jpeg");
}

}  // namespace

void add_gallery_routes(httplib::Server& http, Context& ctx) {
  const std::string person = R"(/v1/galleries/([^/]+)/people/([^/]+))";
  auto route = [&ctx](void (*fn)(Context&, const httplib::Request&, httplib::Response&, const Deadline&)) {
    return guarded(ctx, [&ctx, fn](auto& q, auto& s, auto& d) { fn(ctx, q, s, d); });
  };
  http.Get("/v1/galleries", route(list_galleries));
  http.Get(R"(/v1/galleries/([^/]+)/people)", route(list_people));
  http.Post(R"(/v1/galleries/([^/]+)/people)", route(post_people));
  http.Get(person + "/thumbnail", route(get_thumbnail));
  http.Get(person, route(get_person));
  http.Post(person, route(post_person));
  http.Delete(person, route(delete_person));
}

}  // namespace arcface::detail::server
