// arcface enroll / identify / cluster.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <opencv2/imgproc.hpp>

#include "cli_common.hpp"
#include "video_commands.hpp"
#include "arcface/dataset.hpp"
#include "arcface/progress.hpp"

namespace fs = std::filesystem;

namespace arcface::cli {

namespace {

std::string label_of(const fs::path& p) {
  const auto parent = p.parent_path().filename().string();
  return parent.empty() ? p.stem().string() : parent;
}

}  // namespace

std::vector<FaceItem> faces_of(const Globals& g, const Pipeline& pipe, const std::vector<InputImage>& images,
                               bool largest, const char* what) {
  std::vector<std::string> paths;
  for (const auto& i : images) paths.push_back(i.path);
  ProgressBar bar(what, paths.size(), !g.quiet);
  const auto results = pipe.process_files(paths, g.threads, [&](size_t done) { bar.tick(done); });
  std::vector<FaceItem> out;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& fr = results[i];
    if (!fr.error.empty()) {
      warn(g, fr.error + " (skipped)");
      continue;
    }
    if (fr.result.faces.empty()) {
      warn(g, "no face found in '" + fr.path + "' (skipped)");
      continue;
    }
    const int best = largest_face(fr.result.faces);
    for (int k = 0; k < static_cast<int>(fr.result.faces.size()); ++k) {
      if (largest && k != best) continue;
      out.push_back({fr.path, images[i].label, k, fr.result.faces[static_cast<std::size_t>(k)],
                     fr.result.embeddings.row(k)});
    }
  }
  return out;
}

Embeddings stack(const std::vector<FaceItem>& items, int dim) {
  Embeddings e(static_cast<Eigen::Index>(items.size()), dim);
  for (std::size_t i = 0; i < items.size(); ++i) e.row(static_cast<Eigen::Index>(i)) = items[i].embedding;
  return e;
}

cv::Mat FaceCropper::crop(const FaceItem& item) {
  if (item.path != path_) image_ = read_image(path_ = item.path);
  return aligner_.align(image_, item.box);
}

void require_gallery_embedder(const Gallery& gallery, const std::string& gallery_path, const Pipeline& pipe) {
  try {
    gallery.check_embedder(pipe.embedder().info());
  } catch (const InputError& e) {
    throw InputError("gallery '" + gallery_path + "': " + e.what() + " (use --embedder " + gallery.embedder() +
                     (gallery.flip_policy().empty() ? "" : " --flip " + gallery.flip_policy()) + ", or a new gallery)");
  }
}

std::vector<InputImage> collect_images(const std::vector<std::string>& inputs) {
  std::vector<InputImage> out;
  for (const auto& in : inputs) {
    const fs::path p(in);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      const auto found = image_files(in);
      if (found.empty()) throw InputError("no image files (.jpg, .png, ...) in directory '" + in + "'");
      for (const auto& f : found) out.push_back({f, label_of(f)});
    } else if (fs::exists(p, ec)) {
      out.push_back({p.string(), label_of(p)});
    } else {
      throw IoError("input '" + in + "' does not exist");
    }
  }
  return out;
}

int cmd_enroll(const Globals& g, const std::string& gallery_path, const std::vector<std::string>& args,
               const std::string& backend, const std::string& match, float min_quality) {
  // Either NAME IMAGES... or one directory of NAME/ folders.
  std::vector<InputImage> images;
  std::error_code ec;
  if (args.size() == 1 && fs::is_directory(args[0], ec)) {
    const auto people = identity_folders(args[0]);
    if (people.empty())
      throw InputError("'" + args[0] + "' has no NAME/ sub-directories (usage: enroll --gallery G DIR, or "
                       "enroll --gallery G NAME IMAGES...)");
    for (const auto& person : people) {
      if (person.images.empty()) warn(g, "no images in '" + (fs::path(args[0]) / person.name).string() + "' (skipped)");
      for (const auto& f : person.images) images.push_back({f, person.name});
    }
  } else {
    if (args.size() < 2)
      throw InputError("enroll needs NAME and at least one image (or a single directory of NAME/ folders)");
    const std::vector<std::string> files(args.begin() + 1, args.end());
    for (auto& f : collect_images(files)) images.push_back({f.path, args[0]});
  }
  if (images.empty()) throw InputError("nothing to enroll");

  const Pipeline pipe(pipeline_options(g));
  GalleryOptions o;
  o.backend = search_backend_from_string(backend);
  o.match = match_mode_from_string(match.empty() ? "template" : match);
  o.threads = g.threads;
  // An existing gallery keeps the match mode it was enrolled with; asking for another is an error.
  auto check = [&](const Gallery& gal) {
    require_gallery_embedder(gal, gallery_path, pipe);
    if (!match.empty() && to_string(gal.options().match) != match)
      throw InputError("gallery '" + gallery_path + "' matches by " + to_string(gal.options().match) +
                       "; it cannot be enrolled into with --match " + match);
  };
  if (fs::exists(gallery_path, ec)) check(Gallery::load(gallery_path, o));  // before the slow part
  const auto items =
      keep_good_faces(g, faces_of(g, pipe, images, /*largest=*/true, "enrolling"), min_quality, pipe.embedder());
  if (items.empty()) throw InputError("no face found in any of the " + std::to_string(images.size()) + " image(s)");
  std::vector<std::string> names;
  for (const auto& it : items) names.push_back(it.label);
  const Embeddings rows = stack(items, pipe.embedder().dimension());
  // Load-modify-save under the gallery file's lock: concurrent enrolments of other processes are
  // kept (each one loads the file as the previous one left it).
  const Gallery gallery = Gallery::update(
      gallery_path,
      [&](Gallery& gal) {
        check(gal);  // again under the lock: the file may have changed meanwhile
        gal.enroll(names, rows);
      },
      [&] { return Gallery(pipe, o); }, o);
  const std::set<std::string> people(names.begin(), names.end());
  std::printf("enrolled %zu photo(s) of %zu identit%s into %s (now %zu identities, %zu samples)\n", items.size(),
              people.size(), people.size() == 1 ? "y" : "ies", gallery_path.c_str(), gallery.size(),
              gallery.num_samples());
  return 0;
}

namespace {

// "0.00" for scores that round to zero (never "-0.00").
std::string score_text(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", std::fabs(v) < 0.005f ? 0.f : v);
  return buf;
}

// Names and scores drawn under each face box (the label never covers the face), in a font that
// grows with the photo and the face, and moved down when it would overlap a label drawn before.
cv::Mat draw_identities(const cv::Mat& img, const std::vector<Face>& faces, const std::vector<std::string>& labels,
                        const std::vector<bool>& known) {
  cv::Mat canvas = img.clone();
  const double s = std::max(1.0, std::max(img.cols, img.rows) / 640.0);
  std::vector<cv::Rect> placed;
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const cv::Rect2f& box = faces[i].box;
    const cv::Scalar colour = known[i] ? cv::Scalar(0, 160, 0) : cv::Scalar(0, 0, 210);
    cv::rectangle(canvas, box, colour, static_cast<int>(std::lround(2 * s)));
    const double font = std::max(0.5 * s, box.width / 220.0);
    const int thick = std::max(1, static_cast<int>(std::lround(font * 2)));
    int base = 0;
    const cv::Size ts = cv::getTextSize(labels[i], cv::FONT_HERSHEY_SIMPLEX, font, thick, &base);
    const int pad = std::max(2, thick);
    const int w = ts.width + 2 * pad, h = ts.height + base + 2 * pad;
    const int x = std::clamp(static_cast<int>(box.x), 0, std::max(0, canvas.cols - w));
    // Obstacles: labels drawn so far and the other faces.
    auto free = [&](const cv::Rect& r) {
      if (r.y < 0 || r.y + r.height > canvas.rows) return false;
      for (const auto& o : placed)
        if ((r & o).area() > 0) return false;
      for (std::size_t k = 0; k < faces.size(); ++k)
        if (k != i && (r & cv::Rect(faces[k].box)).area() > 0) return false;
      return true;
    };
    const cv::Rect below(x, static_cast<int>(box.y + box.height) + 1, w, h);
    const cv::Rect above(x, static_cast<int>(box.y) - h - 1, w, h);
    cv::Rect r = free(below) ? below : free(above) ? above : below;
    if (!free(r))  // both taken: the first free place further down
      for (int y = below.y; y + h <= canvas.rows; y += std::max(1, h / 4))
        if (free({x, y, w, h})) {
          r.y = y;
          break;
        }
    if (r.y + r.height > canvas.rows) r.y = std::max(0, canvas.rows - r.height);
    placed.push_back(r);
    cv::rectangle(canvas, r, colour, cv::FILLED);
    cv::putText(canvas, labels[i], {r.x + pad, r.y + pad + ts.height}, cv::FONT_HERSHEY_SIMPLEX, font, {255, 255, 255},
                thick, cv::LINE_AA);
  }
  return canvas;
}

}  // namespace

// Several images: one JSON object with "images" (each {"image", "faces"}); -o names a directory.
// One image file: the JSON object of that image. An image without a face is reported, not an error.
int cmd_identify(const Globals& g, const std::string& gallery_path, const std::vector<std::string>& inputs,
                 const std::string& out_png, std::optional<float> threshold, int top, bool as_json) {
  const auto images = collect_images(inputs);
  const bool several = images.size() > 1 || fs::is_directory(inputs.front());
  const Pipeline pipe(pipeline_options(g));
  GalleryOptions o;
  o.threads = g.threads;
  const Gallery gallery = Gallery::load(gallery_path, o);
  require_gallery_embedder(gallery, gallery_path, pipe);
  const float thr = threshold.value_or(pipe.embedder().info().threshold);
  if (several && !out_png.empty()) fs::create_directories(out_png);
  json per_image = json::array();
  std::set<std::string> written;
  for (const auto& input : images) {
    const std::string& image = input.path;
    const cv::Mat img = read_image(image);
    const auto r = pipe.process(img);
    if (r.faces.empty()) warn(g, "no face found in '" + image + "'");
    const auto hits = r.faces.empty() ? std::vector<std::vector<Match>>{} : gallery.search(r.embeddings, std::max(1, top));
    json faces = json::array();
    std::vector<std::string> labels;
    std::vector<bool> known_faces;
    if (!as_json)
      std::printf("%s: %zu face(s), gallery of %zu identities, threshold %.4f\n", image.c_str(), r.faces.size(),
                  gallery.size(), thr);
    for (std::size_t i = 0; i < r.faces.size(); ++i) {
      const auto& h = hits[i];
      const bool known = !h.empty() && h[0].score >= thr;
      const std::string name = known ? h[0].identity : "unknown";
      json cands = json::array();
      for (const auto& m : h) cands.push_back({{"identity", m.identity}, {"score", m.score}});
      json fj = face_json(r.faces[i]);
      fj["identity"] = known ? json(h[0].identity) : json(nullptr);
      fj["score"] = h.empty() ? 0.f : h[0].score;
      fj["detection_score"] = r.faces[i].score;
      fj["candidates"] = cands;
      faces.push_back(fj);
      if (!as_json) {
        std::printf("  face %zu at (%.0f, %.0f, %.0fx%.0f): %s", i, r.faces[i].box.x, r.faces[i].box.y,
                    r.faces[i].box.width, r.faces[i].box.height, name.c_str());
        if (!h.empty() && known) std::printf(" %.3f", h[0].score);
        if (!h.empty() && !known) std::printf(" (best: %s %.3f)", h[0].identity.c_str(), h[0].score);
        std::printf("\n");
      }
      labels.push_back(name + " " + score_text(h.empty() ? 0.f : h[0].score));
      known_faces.push_back(known);
    }
    per_image.push_back({{"image", image}, {"faces", faces}});
    if (!out_png.empty()) {
      std::string out = out_png;
      if (several) {  // DIR/<folder>_<name>.png, numbered when taken
        const std::string stem = fs::path(image).stem().string();
        const std::string base = input.label.empty() || input.label == stem ? stem : input.label + "_" + stem;
        out = (fs::path(out_png) / (base + ".png")).string();
        for (int n = 2; !written.insert(out).second; ++n)
          out = (fs::path(out_png) / (base + "_" + std::to_string(n) + ".png")).string();
      }
      write_image(out, draw_identities(img, r.faces, labels, known_faces));
    }
  }
  if (as_json) {
    json j{{"gallery", gallery_path}, {"threshold", thr}};
    if (several) j["images"] = per_image;
    else j["image"] = per_image[0]["image"], j["faces"] = per_image[0]["faces"];
    std::cout << json_text(j) << "\n";
  }
  return 0;
}

int cmd_cluster(const Globals& g, const ClusterArgs& a) {
  const auto images = collect_images(a.inputs);
  const Pipeline pipe(pipeline_options(g));
  // With true labels every image stands for one person: use its largest face.
  const auto items = faces_of(g, pipe, images, a.largest || a.labels, "clustering");
  if (items.empty()) throw InputError("no face found in any of the " + std::to_string(images.size()) + " image(s)");
  const Embeddings e = stack(items, pipe.embedder().dimension());
  ClusterOptions co;
  co.threshold = a.threshold.value_or(ClusterOptions{}.threshold);
  const auto labels = cluster_faces(e, co);
  const int nclusters = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;

  // Folders cluster_000, ... (largest first) with the aligned face crops.
  fs::create_directories(a.out_dir);
  FaceCropper cropper(pipe.embedder().info().alignment);
  json clusters = json::array();
  for (int c = 0; c < nclusters; ++c) clusters.push_back({{"cluster", c}, {"faces", json::array()}});
  std::set<std::string> used_names;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    char dir[32];
    std::snprintf(dir, sizeof dir, "cluster_%03d", labels[i]);
    const fs::path folder = fs::path(a.out_dir) / dir;
    fs::create_directories(folder);
    // Named after the image's folder and file, and numbered when that name is already taken
    // (two folders may both hold 0.jpg).
    const std::string base = (it.label.empty() || it.label == fs::path(it.path).stem().string() ? "" : it.label + "_") +
                             fs::path(it.path).stem().string() + "_face" + std::to_string(it.face);
    std::string leaf = base + ".png";
    for (int n = 2; !used_names.insert((fs::path(dir) / leaf).string()).second; ++n)
      leaf = base + "_" + std::to_string(n) + ".png";
    write_image((folder / leaf).string(), cropper.crop(it));
    clusters[static_cast<std::size_t>(labels[i])]["faces"].push_back(
        {{"image", it.path}, {"face", it.face}, {"file", (fs::path(dir) / leaf).string()}, {"label", it.label}});
  }
  int singletons = 0;
  for (const auto& c : clusters) singletons += c["faces"].size() == 1;
  json report{{"faces", items.size()}, {"clusters", nclusters}, {"singletons", singletons},
              {"threshold", co.threshold}, {"model", pipe.embedder().info().name}};
  std::printf("%zu face(s) -> %d cluster(s) (%d singleton(s)), threshold %.4f; folders in %s\n", items.size(),
              nclusters, singletons, co.threshold, a.out_dir.c_str());
  if (a.labels) {
    std::map<std::string, int> ids;
    std::vector<int> truth;
    for (const auto& it : items) truth.push_back(ids.emplace(it.label, static_cast<int>(ids.size())).first->second);
    const auto sc = pairwise_scores(labels, truth);
    std::printf("pairwise precision %.4f  recall %.4f  F1 %.4f  (%zu true identities; %llu same-identity pairs)\n",
                sc.precision, sc.recall, sc.f1, ids.size(), static_cast<unsigned long long>(sc.true_pairs));
    report["pairwise"] = {{"precision", sc.precision}, {"recall", sc.recall}, {"f1", sc.f1},
                          {"true_identities", ids.size()}, {"true_pairs", sc.true_pairs},
                          {"predicted_pairs", sc.predicted_pairs}, {"correct_pairs", sc.correct_pairs}};
  }
  report["clusters_detail"] = clusters;
  std::ofstream js(fs::path(a.out_dir) / "clusters.json");
  js << json_text(report) << "\n";
  if (!js) throw IoError("cannot write '" + (fs::path(a.out_dir) / "clusters.json").string() + "'");
  if (a.as_json) std::cout << json_text(report) << "\n";
  return 0;
}

}  // namespace arcface::cli
