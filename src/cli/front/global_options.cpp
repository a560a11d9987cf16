// The options before the command: where the models are, which detector and embedder, limits.
#include <string>

#include "app.hpp"
#include "arcface/image.hpp"   // kDefaultMaxImagePixels (a constant: no symbol of the library)
#include "arcface/models.hpp"  // kDefaultEmbedder

namespace arcface::cli {

void add_global_options(CLI::App& app, Globals& g) {
  app.add_option("--models", g.models, "models directory (default: $ARCFACE_MODELS or the built-in one)");
  app.add_option("--embedder", g.embedder, "embedder model name or .pt path (default: " +
                                               std::string(arcface::kDefaultEmbedder) + ")");
  app.add_option("--detector", g.detector, "face detector (auto: yunet when its model is installed, else mtcnn)")
      ->check(CLI::IsMember({"auto", "yunet", "mtcnn"}));
  app.add_option("--detector-threshold", g.det_threshold, "minimum detection score (default: backend's)");
  app.add_option("--threads", g.threads, "intra-op threads (default: all cores)")->check(CLI::NonNegativeNumber);
  app.add_option("--flip", g.flip, "override the model's flip policy")->check(CLI::IsMember({"none", "sum", "concat"}));
  app.add_option("--precision", g.precision, "embedder arithmetic (auto: fastest the CPU and the model's measured accuracy allow)")
      ->check(CLI::IsMember({"fp32", "bf16", "int8", "auto"}));
  app.add_flag("-q,--quiet", g.quiet, "no warnings or progress on stderr");
  app.add_option("--max-megapixels", g.max_megapixels,
                 "refuse images larger than this (default: $ARCFACE_MAX_PIXELS or " +
                     std::to_string(arcface::kDefaultMaxImagePixels / 1000000) + " megapixels)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-input-side", g.max_input_side,
                 "detect on images scaled down to this longer side (default: 640 for yunet, 2048 for mtcnn; 0: never)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--fine-input-side", g.fine_input_side,
                 "yunet: when nothing or only small faces are found, detect again at twice the resolution, "
                 "at most this longer side (default: 1280; 0: never)")
      ->check(CLI::NonNegativeNumber);
}

}  // namespace arcface::cli
