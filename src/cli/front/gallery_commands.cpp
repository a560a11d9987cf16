// The command lines of enroll, identify, video, cluster.
#include "app.hpp"

namespace arcface::cli {

void add_gallery_commands(CLI::App& app, Request& r, CommandTable& table) {
  EnrollArgs& e = r.enroll;
  auto* enroll = app.add_subcommand("enroll", "add people to a gallery: NAME IMAGES..., or one directory of NAME/ folders");
  enroll->add_option("--gallery", e.gallery, "gallery file (created if missing)")->required();
  enroll->add_option("args", e.args, "NAME IMAGES... | DIR")->required();
  enroll->add_option("--backend", e.backend, "search backend of the gallery")
      ->check(CLI::IsMember({"auto", "exact", "flat", "hnsw", "ivfpq"}));
  enroll->add_option("--match", e.match,
                     "match identities by template (mean) or by all samples (new galleries; default template)")
      ->check(CLI::IsMember({"template", "all"}));
  enroll->add_option("--min-quality", e.min_quality, "refuse photos whose face quality (pose, size, sharpness, "
                     "detector score; 0-1) is below this, saying why")->check(CLI::Range(0.0, 1.0));
  table.emplace_back(enroll, Command::Enroll);

  IdentifyArgs& i = r.identify;
  auto* identify = app.add_subcommand("identify", "name every face of an image from a gallery");
  identify->add_option("--gallery", i.gallery, "gallery file")->required();
  identify->add_option("images", i.images, "image files or directories (searched recursively)")->required();
  identify->add_option("-o,--output", i.output,
                       "write the image with names and scores drawn (several images: a directory for them)");
  identify->add_option("--threshold", i.threshold, "cosine threshold (default: the model's calibrated one)");
  identify->add_option("--top", i.top, "candidates listed per face (JSON)")->check(CLI::PositiveNumber);
  identify->add_flag("--json", i.as_json, "print JSON");
  table.emplace_back(identify, Command::Identify);

  VideoArgs& va = r.video;
  auto* video = app.add_subcommand("video", "track and identify faces in a video file, camera or stream");
  video->add_option("input", va.input, "video file, camera index (0, 1, ...) or stream URL (rtsp://, http://, ...)")
      ->required();
  video->add_option("-o,--output", va.output, "write the annotated video (.mp4, .mkv, .avi)");
  video->add_option("--gallery", va.gallery, "gallery file: name the tracks");
  video->add_option("--json", va.timeline, "write the timeline, one JSON line per track");
  video->add_option("--crops", va.crops, "write the best face crop of each track into this directory");
  video->add_option("--every", va.every, "process every N-th frame only")->check(CLI::PositiveNumber);
  video->add_flag("--realtime", va.realtime, "drop frames when processing falls behind the video's clock");
  video->add_option("--threshold", va.threshold, "cosine threshold for a gallery match (default: the model's)");
  video->add_option("--detect-side", va.detect_side, "longer side the frames are detected at (0: full size)")
      ->check(CLI::NonNegativeNumber);
  video->add_option("--max-frames", va.max_frames, "stop after this many frames")->check(CLI::NonNegativeNumber);
  video->add_flag("--no-tracking", va.no_tracking, "baseline: the full pipeline on every frame, no tracks");
  table.emplace_back(video, Command::Video);

  ClusterArgs& cl = r.cluster;
  auto* cluster = app.add_subcommand("cluster", "group the faces of many images by identity into folders");
  cluster->add_option("inputs", cl.inputs, "images or directories (searched recursively)")->required();
  cluster->add_option("-o,--output", cl.out_dir, "output directory: cluster_NNN/ folders + clusters.json")->required();
  cluster->add_option("--threshold", cl.threshold, "link faces at this cosine (default 0.60, see docs/gallery.md)");
  cluster->add_flag("--labels", cl.labels,
                    "directory names are the true identities: report pairwise precision/recall (implies --largest)");
  cluster->add_flag("--largest", cl.largest, "only the largest face of each image");
  cluster->add_flag("--json", cl.as_json, "print the report as JSON");
  table.emplace_back(cluster, Command::Cluster);
}

}  // namespace arcface::cli
