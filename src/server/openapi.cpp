// The OpenAPI 3 document served at /openapi.json (tests/python/test_server.py walks every path).
#include "arcface/version.hpp"
#include "server/server_impl.hpp"

namespace arcface::detail::server {

namespace {

json error_responses(std::initializer_list<int> codes) {
  static const std::map<int, const char*> what{
      {400, "bad request (missing field, empty body, bad parameter)"}, {401, "missing or wrong API key"},
      {404, "unknown gallery or person"}, {409, "the gallery was made with another embedder"},
      {413, "body or image too large"}, {415, "not a decodable image"}, {422, "no face found"},
      {503, "too many requests in flight (Retry-After)"}, {504, "the request took too long"},
      {500, "internal error"}};
  json out = json::object();
  for (const int c : codes)
    out[std::to_string(c)] = {{"description", what.at(c)},
                              {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  return out;
}

json ok(const std::string& description, const json& schema) {
  return {{"description", description}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

json ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json object(const json& properties, const std::vector<std::string>& required) {
  return {{"type", "object"}, {"properties", properties}, {"required", required}};
}

json binary() { return {{"type", "string"}, {"format", "binary"}}; }

// An image as a multipart file field @p field or as the raw body.
json one_image_body(const std::string& field, const json& extra = json::object()) {
  json props = extra;
  props[field] = binary();
  return {{"required", true},
          {"content",
           {{"multipart/form-data", {{"schema", object(props, {field})}}},
            {"application/octet-stream", {{"schema", binary()}}},
            {"image/jpeg", {{"schema", binary()}}},
            {"image/png", {{"schema", binary()}}}}}};
}

json op(const std::string& summary, const json& responses, bool secured = true) {
  json o{{"summary", summary}, {"responses", responses}};
  if (!secured) o["security"] = json::array();
  return o;
}

json merge(json a, const json& b) {
  a.update(b);
  return a;
}

json path_param(const std::string& name, const std::string& description) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"description", description}, {"schema", {{"type", "string"}}}};
}

json query_param(const std::string& name, const json& schema, const std::string& description, bool required = false) {
  return {{"name", name}, {"in", "query"}, {"required", required}, {"description", description}, {"schema", schema}};
}

json build() {
  const json face = object({{"box", {{"type", "array"}, {"items", {{"type", "number"}}}, {"description", "x, y, width, height"}}},
                            {"landmarks", {{"type", "array"}, {"items", {{"type", "array"}, {"items", {{"type", "number"}}}}}}},
                            {"score", {{"type", "number"}}}},
                           {"box", "landmarks", "score"});
  const json person = object({{"id", {{"type", "string"}}}, {"samples", {{"type", "integer"}}},
                              {"thumbnail", {{"type", "string"}, {"nullable", true}}}},
                             {"id", "samples", "thumbnail"});
  const json number{{"type", "number"}}, integer{{"type", "integer"}}, string{{"type", "string"}};
  const json gallery = path_param("name", "gallery name: 1-64 of [A-Za-z0-9_.-]");
  const json id = path_param("id", "person id");
  const json threshold = query_param("threshold", number, "cosine threshold (default: the model's)");
  const json common = error_responses({400, 401, 413, 415, 503, 504, 500});

  json paths;
  paths["/v1/health"]["get"] = op("liveness and load", {{"200", ok("the server is up", object(
      {{"status", string}, {"version", string}, {"model", string}, {"in_flight", integer}, {"max_in_flight", integer},
       {"requests", integer}, {"uptime_s", number}}, {"status", "version", "model", "in_flight", "max_in_flight"}))}}, false);
  paths["/v1/models"]["get"] = op("the embedder and detector in use", merge(
      {{"200", ok("models", object({{"embedder", {{"type", "object"}}}, {"detector", {{"type", "object"}}}},
                                   {"embedder", "detector"}))}}, error_responses({401, 503})));
  paths["/v1/detect"]["post"] = merge(op("detect faces and landmarks", merge(
      {{"200", ok("faces", object({{"width", integer}, {"height", integer}, {"detector", string},
                                   {"faces", {{"type", "array"}, {"items", ref("Face")}}}}, {"width", "height", "faces", "detector"}))}},
      common)), {{"requestBody", one_image_body("image")}});
  json embedded = face;
  embedded["properties"]["embedding"] = {{"type", "array"}, {"items", number}};
  embedded["required"].push_back("embedding");
  paths["/v1/embed"]["post"] = merge(op("detect, align and embed every face", merge(
      {{"200", ok("faces with unit-norm embeddings", object({{"width", integer}, {"height", integer}, {"model", string},
          {"dimension", integer}, {"faces", {{"type", "array"}, {"items", embedded}}}}, {"model", "dimension", "faces"}))}},
      common)), {{"requestBody", one_image_body("image")}});
  paths["/v1/verify"]["post"] = merge(op("are the largest faces of two images the same person?", merge(
      {{"200", ok("verdict", object({{"similarity", number}, {"threshold", number}, {"same", {{"type", "boolean"}}},
          {"model", string}, {"face1", ref("Face")}, {"face2", ref("Face")},
          {"crops", {{"type", "array"}, {"items", string}, {"description", "aligned crops as PNG data: URLs (crops=1)"}}}},
          {"similarity", "threshold", "same", "model", "face1", "face2"}))}},
      merge(common, error_responses({422})))),
      {{"parameters", {threshold, query_param("crops", {{"type", "boolean"}}, "also return the two aligned crops")}},
       {"requestBody", {{"required", true}, {"content", {{"multipart/form-data", {{"schema",
           object({{"image1", binary()}, {"image2", binary()}}, {"image1", "image2"})}}}}}}}});
  json identified = face;
  identified["properties"].update({{"identity", {{"type", "string"}, {"nullable", true}}}, {"known", {{"type", "boolean"}}},
      {"similarity", {{"type", "number"}, {"nullable", true}}}, {"best", {{"type", "string"}, {"nullable", true}}},
      {"candidates", {{"type", "array"}, {"items", object({{"id", string}, {"similarity", number}}, {"id", "similarity"})}}}});
  for (const char* k : {"identity", "known", "candidates"}) identified["required"].push_back(k);
  paths["/v1/identify"]["post"] = merge(op("name every face of an image from a gallery", merge(
      {{"200", ok("faces with identities", object({{"gallery", string}, {"people", integer}, {"threshold", number},
          {"model", string}, {"faces", {{"type", "array"}, {"items", identified}}}}, {"gallery", "threshold", "model", "faces"}))}},
      merge(common, error_responses({404, 409})))),
      {{"parameters", {query_param("gallery", string, "gallery name", true), threshold,
                       query_param("top", integer, "candidates per face (default 3)")}},
       {"requestBody", one_image_body("image")}});
  paths["/v1/galleries"]["get"] = op("the galleries of the data directory", merge(
      {{"200", ok("galleries", object({{"galleries", {{"type", "array"}, {"items", object(
          {{"name", string}, {"people", integer}, {"samples", integer}, {"model", string}}, {"name"})}}}}, {"galleries"}))}},
      error_responses({401, 503})));
  const std::string people_path = "/v1/galleries/{name}/people", person_path = "/v1/galleries/{name}/people/{id}";
  paths[people_path]["parameters"] = {gallery};
  paths[people_path]["get"] = op("the people of a gallery", merge(
      {{"200", ok("people", object({{"gallery", string}, {"model", string}, {"people", {{"type", "array"}, {"items", person}}}},
                                   {"gallery", "people"}))}}, error_responses({400, 401, 404, 503})));
  json enrolled = person;
  enrolled["properties"].update({{"gallery", string}, {"enrolled", integer}, {"faces", {{"type", "array"}, {"items", ref("Face")}}}});
  for (const char* k : {"gallery", "enrolled"}) enrolled["required"].push_back(k);
  const json enrol_errors = merge(common, error_responses({409, 422}));
  paths[people_path]["post"] = merge(op("enrol a person (the gallery is created if new); on disk before the answer",
      merge({{"200", ok("enrolled", enrolled)}}, enrol_errors)),
      {{"requestBody", {{"required", true}, {"content", {{"multipart/form-data", {{"schema", object(
          {{"id", string}, {"image", {{"type", "array"}, {"items", binary()}}}}, {"id", "image"})}}}}}}}});
  paths[person_path]["parameters"] = {gallery, id};
  json shown = person;
  shown["properties"]["gallery"] = string;
  paths[person_path]["get"] = op("one person", merge({{"200", ok("the person", shown)}}, error_responses({400, 401, 404, 503})));
  paths[person_path]["post"] = merge(op("add photos of a person (created if new)",
      merge({{"200", ok("enrolled", enrolled)}}, enrol_errors)),
      {{"requestBody", {{"required", true}, {"content", {
          {"multipart/form-data", {{"schema", object({{"image", {{"type", "array"}, {"items", binary()}}}}, {"image"})}}},
          {"application/octet-stream", {{"schema", binary()}}}, {"image/jpeg", {{"schema", binary()}}}}}}}});
  paths[person_path]["delete"] = op("remove a person", merge(
      {{"200", ok("removed", object({{"gallery", string}, {"deleted", string}}, {"gallery", "deleted"}))}},
      error_responses({400, 401, 404, 503})));
  paths["/v1/galleries/{name}/people/{id}/thumbnail"]["parameters"] = {gallery, id};
  paths["/v1/galleries/{name}/people/{id}/thumbnail"]["get"] = op("the aligned face crop of the person's first photo", merge(
      {{"200", {{"description", "JPEG"}, {"content", {{"image/jpeg", {{"schema", binary()}}}}}}}},
      error_responses({400, 401, 404, 503})));

  return {{"openapi", "3.0.3"},
          {"info", {{"title", "arcface face recognition service"}, {"version", kVersion},
                    {"description", "Detection, embeddings, verification and identification against persistent galleries. "
                                    "Every error is {\"error\": {\"status\", \"message\"}}."}}},
          {"security", {{{"bearer", json::array()}}, {{"apiKey", json::array()}}}},
          {"paths", paths},
          {"components",
           {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
                                 {"apiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}}}},
            {"schemas", {{"Face", face},
                         {"Error", object({{"error", object({{"status", integer}, {"message", string}}, {"status", "message"})}},
                                          {"error"})}}}}}};
}

}  // namespace

json openapi_document() {
  static const json doc = build();
  return doc;
}

}  // namespace arcface::detail::server
