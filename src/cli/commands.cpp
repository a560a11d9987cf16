// The commands module (libarcface_cli_commands.so): the entry point the `arcface` front end
// calls, through dlopen, once it has parsed the command line (src/cli/front/).
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli_common.hpp"
#include "model_commands.hpp"
#include "serve_command.hpp"
#include "video_commands.hpp"

namespace arcface::cli {

namespace {

int cmd_version() {
  // Read here, in the process LibTorch's libgomp has now been loaded into (the front end links
  // libarcface_omp_env, so libgomp read the same value when it started).
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  std::cout << "arcface " << kVersion << "\nOMP_WAIT_POLICY=" << (wait_policy ? wait_policy : "(unset)") << "\n";
  return 0;
}

int dispatch(const Request& r) {
  const Globals& g = r.globals;
  switch (r.command) {
    case Command::Version: return cmd_version();
    case Command::Detect: return cmd_detect(g, r.detect);
    case Command::Embed: return cmd_embed(g, r.embed);
    case Command::Verify: {
      const VerifyArgs& v = r.verify;
      return cmd_verify(g, v.image1, v.image2, v.threshold, v.as_json, v.exit_code);
    }
    case Command::EvalLfw: return cmd_eval_lfw(g, r.eval);
    case Command::Calibrate: return cmd_calibrate(g, r.calibrate);
    case Command::Compare: {
      const CompareArgs& c = r.compare;
      return cmd_compare(g, c.inputs, c.output, c.csv, c.as_json, c.no_clip, c.all_faces, c.sort);
    }
    case Command::TrainDemo: return cmd_train_demo(g, r.train_demo);
    case Command::FineTune: return cmd_fine_tune(g, r.fine_tune);
    case Command::Tsne: {
      const TsneArgs& t = r.tsne;
      return cmd_tsne(g, t.inputs, t.output, t.csv, t.perplexity, t.seed, t.iterations);
    }
    case Command::Enroll: {
      const EnrollArgs& e = r.enroll;
      return cmd_enroll(g, e.gallery, e.args, e.backend, e.match, e.min_quality);
    }
    case Command::Identify: {
      const IdentifyArgs& i = r.identify;
      return cmd_identify(g, i.gallery, i.images, i.output, i.threshold, i.top, i.as_json);
    }
    case Command::Video: return cmd_video(g, r.video);
    case Command::Cluster: return cmd_cluster(g, r.cluster);
    case Command::ModelsImport:
    case Command::ModelsList:
    case Command::ModelsInstall:
    case Command::ModelsQuantize: return cmd_models(g, r);
    case Command::Serve: return cmd_serve(g, r.serve);
  }
  throw Error("unknown command " + std::to_string(static_cast<int>(r.command)));
}

}  // namespace

}  // namespace arcface::cli

extern "C" __attribute__((visibility("default"))) int arcface_cli_run(const arcface::cli::Request* request,
                                                                      const char* abi, unsigned long request_size) {
  using namespace arcface::cli;
  if (!request || !abi || std::strcmp(abi, kCliAbi) != 0 || request_size != sizeof(Request)) {
    std::cerr << "arcface: error: the commands module (" << kCliAbi << ") does not belong to this arcface executable ("
              << (abi ? abi : "?") << "); reinstall arcface\n";
    return 1;
  }
  const Globals& g = request->globals;
  if (!g.models.empty()) setenv("ARCFACE_MODELS", g.models.c_str(), 1);
  try {
    if (g.max_megapixels > 0) {
      if (!(g.max_megapixels >= 1e-6 && g.max_megapixels <= 1e9))
        throw arcface::InputError("--max-megapixels must be between 0.000001 and 1e9");
      arcface::set_max_image_pixels(static_cast<std::size_t>(g.max_megapixels * 1e6));
    }
    return dispatch(*request);
  } catch (const std::exception& e) {
    std::cerr << "arcface: error: " << e.what() << "\n";
    return 1;
  }
}
