// arcface models import FILE.onnx --name NAME [--template T] [--rgb|--bgr] [--mean M --std S] [--flip P]
// arcface models list
#include "cli/model_commands.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "arcface/model_import.hpp"
#include "arcface/models.hpp"

namespace fs = std::filesystem;

namespace arcface::cli {

namespace {

struct ImportArgs {
  std::string onnx, name, template_name = "arcface_112x112", flip = "sum";
  bool rgb = false, bgr = false, force = false, as_json = false;
  std::optional<float> mean, std;
};

int cmd_import(const Globals& g, const ImportArgs& a) {
  OnnxImportOptions o;
  o.name = a.name;
  o.template_name = a.template_name;
  if (a.bgr) o.rgb = false;
  if (a.rgb) o.rgb = true;
  o.mean = a.mean;
  o.std = a.std;
  o.flip = flip_policy_from_string(a.flip);
  o.force = a.force;
  std::string log;
  const ModelInfo info = import_onnx(a.onnx, o, &log);
  if (!g.quiet) std::fputs(log.c_str(), stderr);
  std::printf("imported %s as '%s' (%s): %dx%d %s input, %d-d embedding, flip %s\n", a.onnx.c_str(), info.name.c_str(),
              info.path.c_str(), info.input_width, info.input_height, info.rgb ? "RGB" : "BGR", info.embedding_size,
              to_string(info.flip).c_str());
  std::printf("its threshold is not calibrated yet: arcface --embedder %s calibrate --pairs pairsDevTrain.txt "
              "--images LFW_DIR\n",
              info.name.c_str());
  return 0;
}

int cmd_list() {
  const std::string dir = models_dir();
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".pt") files.push_back(e.path());
  if (ec) throw IoError("cannot list the models directory '" + dir + "': " + ec.message());
  std::sort(files.begin(), files.end());
  std::printf("models in %s:\n", dir.c_str());
  for (const auto& f : files) {
    try {
      const ModelInfo i = read_model_info(f.string());
      std::printf("  %-24s embedder  %4d-d  %-5s %-16s threshold %.3f  %s\n", f.stem().c_str(), i.embedding_size,
                  to_string(i.flip).c_str(), i.alignment.name.c_str(), i.threshold, i.architecture.c_str());
    } catch (const Error& e) {
      const std::string what = e.what();
      std::printf("  %-24s %s\n", f.stem().c_str(),
                  what.find("is not an embedder") != std::string::npos ? "(not an embedder)" : what.c_str());
    }
  }
  return 0;
}

}  // namespace

std::function<int(const Globals&)> add_model_commands(CLI::App& app) {
  auto a = std::make_shared<ImportArgs>();
  auto* models = app.add_subcommand("models", "manage models: import ONNX embedders, list the installed ones");
  models->require_subcommand(1);
  auto* imp = models->add_subcommand(
      "import", "convert an ONNX face embedder into NAME.pt in the models directory (checked against OpenCV DNN)");
  imp->add_option("onnx", a->onnx, "the .onnx file")->required();
  imp->add_option("--name", a->name, "model name (the file written is NAME.pt)")->required();
  imp->add_option("--template", a->template_name, "alignment template the network was trained with")
      ->check(CLI::IsMember({"arcface_112x112", "sphereface_96x112"}));
  auto* rgb = imp->add_flag("--rgb", a->rgb, "the network takes RGB input (default)");
  imp->add_flag("--bgr", a->bgr, "the network takes BGR input")->excludes(rgb);
  auto* mean = imp->add_option("--mean", a->mean, "input = (pixel - mean) / std (default: 127.5, or 0 when the graph "
                                                  "normalises its input itself)");
  imp->add_option("--std", a->std, "see --mean (default: 127.5, or 1)")->needs(mean);
  mean->needs(imp->get_option("--std"));
  imp->add_option("--flip", a->flip, "how the mirrored crop is combined (default: sum)")
      ->check(CLI::IsMember({"none", "sum", "concat"}));
  imp->add_flag("--force", a->force, "replace an existing NAME.pt");
  auto* list = models->add_subcommand("list", "list the models of the models directory");
  return [models, imp, list, a](const Globals& g) -> int {
    if (!*models) return -1;
    if (*imp) return cmd_import(g, *a);
    if (*list) return cmd_list();
    return -1;
  };
}

}  // namespace arcface::cli
