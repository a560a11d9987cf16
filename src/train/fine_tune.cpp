// fine_tune_embedder: train an embedder's TorchScript network with a margin head on aligned crops of
// an identity/ folder tree, and write it back as a self-describing embedder model.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>
#include <torch/script.h>
#include <torch/torch.h>

#include "core/files.hpp"
#include "arcface/aligner.hpp"
#include "arcface/dataset.hpp"
#include "arcface/detector.hpp"
#include "arcface/embedder.hpp"
#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "arcface/models.hpp"
#include "arcface/pipeline.hpp"
#include "arcface/train.hpp"
#include "core/detail.hpp"
#include "arcface/progress.hpp"
#include "embedder/torch_runtime.hpp"
#include "train/heads.hpp"

namespace fs = std::filesystem;

namespace arcface::train {

FineTuneReport fine_tune_embedder(const FineTuneOptions& o) {
  if (o.output.empty()) throw InputError("fine_tune_embedder: no output file given");
  if (!fs::is_directory(o.data)) throw IoError("training data folder '" + o.data + "' not found");
  const std::string model_path = resolve_model(o.embedder.empty() ? kDefaultEmbedder : o.embedder, ".pt");
  const ModelInfo info = read_model_info(model_path);
  ::arcface::detail::configure_threads(o.threads);

  // 1. Aligned crops of the largest face of every photo, one identity per sub-folder.
  std::vector<std::pair<std::string, std::vector<std::string>>> people;
  for (auto& folder : identity_folders(o.data))
    if (!folder.images.empty()) people.emplace_back(std::move(folder.name), std::move(folder.images));
  if (people.size() < 2)
    throw InputError("training data folder '" + o.data + "' has " + std::to_string(people.size()) +
                     " identity folders with photos; at least 2 are needed");
  DetectorOptions dopt;
  dopt.threads = o.threads;
  const Detector detector(dopt);
  const Aligner aligner(info.alignment);
  const int64_t plane = 3LL * info.input_height * info.input_width;
  std::vector<float> data;
  std::vector<int64_t> labels;
  FineTuneReport report;
  for (std::size_t k = 0; k < people.size(); ++k) {
    for (const auto& photo : people[k].second) {
      cv::Mat img;
      try {
        img = read_image(photo);
      } catch (const IoError& e) {
        report.skipped_photos.push_back(photo + ": " + e.what());
        ++report.skipped;
        continue;
      }
      const auto faces = detector.detect(img);
      if (faces.empty()) {
        report.skipped_photos.push_back(photo + ": no face found");
        ++report.skipped;
        continue;
      }
      const cv::Mat crop = aligner.align(img, faces[static_cast<std::size_t>(largest_face(faces))]);
      for (int mirror = 0; mirror < (o.mirror_augment ? 2 : 1); ++mirror) {
        data.resize(data.size() + static_cast<std::size_t>(plane));
        ::arcface::detail::preprocess_crop(info, crop, mirror == 1, data.data() + data.size() - plane);
        labels.push_back(static_cast<int64_t>(k));
      }
      ++report.images;
    }
  }
  report.identities = static_cast<int>(people.size());
  std::vector<int> per(people.size(), 0);
  for (int64_t l : labels) ++per[static_cast<std::size_t>(l)];
  for (std::size_t k = 0; k < people.size(); ++k)
    if (per[k] == 0) throw InputError("identity '" + people[k].first + "' in '" + o.data + "' has no usable face");

  // 2. The network in training mode, the head, the optimiser.
  HeadOptions ho = o.head;
  ho.embedding_size = info.network_output;
  ho.classes = static_cast<int>(people.size());
  MarginHead head(ho);
  const TrainOptions& t = o.train;
  if (t.epochs <= 0 || !(t.learning_rate > 0.f) || t.batch_size < 0)
    throw InputError("fine_tune_embedder: epochs and learning rate must be positive, batch size not negative");
  const torch::Device device = detail::pick_device(t.device);
  try {
    std::string json;
    torch::jit::Module net = ::arcface::detail::load_torchscript(model_path, json, false);
    torch::manual_seed(t.seed);
    net.to(device);
    net.train();
    torch::jit::Module& hm = detail::head_module(head);
    hm.to(device);
    hm.train();
    std::vector<torch::Tensor> params;
    for (const auto& p : net.parameters()) {
      p.requires_grad_(true);
      params.push_back(p);
    }
    if (params.empty()) throw ModelError("model '" + model_path + "' has no trainable parameters (frozen?)");
    for (const auto& p : hm.parameters()) params.push_back(p);
    const auto opt = detail::make_optimizer(t, params);

    // Checkpoints: the network with the model's metadata (an embedder file), written atomically.
    auto meta = nlohmann::json::parse(json);
    const std::string from = meta.value("name", info.name);
    meta["name"] = o.name.empty() ? from + "-finetuned" : o.name;
    auto write_model = [&](const std::string& path, int epochs_done, float last_loss) {
      meta["fine_tuned"] = {{"from", from},
                            {"data", fs::absolute(o.data).string()},
                            {"identities", report.identities},
                            {"images", report.images},
                            {"epochs", epochs_done},
                            {"head", to_string(ho.kind)},
                            {"s", ho.s},
                            {"m", head.options().m},
                            {"final_loss", last_loss}};
      torch::jit::Module copy = net.clone();
      copy.eval();
      copy.to(torch::kCPU);
      ::arcface::detail::atomic_write(
          path,
          [&](const std::string& tmp) {
            try {
              copy.save(tmp, {{"arcface.json", meta.dump(1)}});
            } catch (const c10::Error& e) {
              throw IoError("cannot write model '" + path + "': " + e.what_without_backtrace());
            }
          },
          "model");
    };

    const int64_t n = static_cast<int64_t>(labels.size());
    const torch::Tensor x = torch::from_blob(data.data(), {n, 3, info.input_height, info.input_width}).clone();
    const torch::Tensor y = torch::tensor(labels, torch::kLong);
    const int64_t batch = t.batch_size > 0 ? std::min<int64_t>(t.batch_size, n) : std::min<int64_t>(32, n);
    // One tick per step (a batch), so the bar and its time estimate move within an epoch.
    const int64_t steps_per_epoch = (n + batch - 1) / batch;
    ::arcface::ProgressBar bar("fine-tuning", static_cast<size_t>(t.epochs * steps_per_epoch), t.progress);
    long step = 0;
    for (int epoch = 0; epoch < t.epochs; ++epoch) {
      const double lr = detail::scheduled_lr(t, epoch);
      for (auto& g : opt->param_groups()) g.options().set_lr(lr);
      const torch::Tensor order = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong));
      double total = 0;
      for (int64_t b = 0; b < n; b += batch) {
        const torch::Tensor idx = order.slice(0, b, std::min(n, b + batch));
        if (idx.size(0) < 2 && n >= 2) continue;  // batch norm needs two samples
        const torch::Tensor xb = x.index_select(0, idx).to(device), yb = y.index_select(0, idx).to(device);
        head.set_iteration(step++);
        const torch::Tensor feats = net.forward({xb}).toTensor();
        const torch::Tensor loss = torch::nn::functional::cross_entropy(hm.forward({feats, yb}).toTensor(), yb);
        const double l = loss.item<double>();
        if (!std::isfinite(l))
          throw Error("fine-tuning diverged: loss is " + std::to_string(l) + " in epoch " + std::to_string(epoch + 1) +
                      " (lower the learning rate)");
        opt->zero_grad();
        loss.backward();
        opt->step();
        total += l * static_cast<double>(idx.size(0));
        bar.tick(static_cast<size_t>(epoch * steps_per_epoch + b / batch + 1));
      }
      report.train.epoch_loss.push_back(static_cast<float>(total / static_cast<double>(n)));
      bar.tick(static_cast<size_t>((epoch + 1) * steps_per_epoch));
      if (!t.checkpoint.empty() && t.checkpoint_epochs > 0 && (epoch + 1) % t.checkpoint_epochs == 0 &&
          epoch + 1 < t.epochs)
        write_model(t.checkpoint, epoch + 1, report.train.epoch_loss.back());
    }
    net.eval();
    hm.eval();
    net.to(torch::kCPU);
    hm.to(torch::kCPU);
    for (const auto& p : net.parameters()) p.requires_grad_(false);
    {  // training accuracy of the head on the (unmirrored and mirrored) crops
      torch::NoGradGuard ng;
      int64_t ok = 0;
      for (int64_t b = 0; b < n; b += 64) {
        const torch::Tensor xb = x.slice(0, b, std::min(n, b + 64));
        const torch::Tensor p = hm.get_method("predict")({net.forward({xb}).toTensor()}).toTensor().argmax(1);
        ok += p.eq(y.slice(0, b, std::min(n, b + 64))).sum().item<int64_t>();
      }
      report.train.accuracy = static_cast<double>(ok) / static_cast<double>(n);
    }
    report.train.device = device.str();

    // 3. Write the trained network with the model's metadata (new name, training record).
    write_model(o.output, t.epochs, report.train.epoch_loss.back());
    read_model_info(o.output);  // the result is a valid embedder model
    report.output = o.output;
  } catch (const c10::Error& e) {
    throw Error("fine-tuning '" + model_path + "' failed: " + e.what_without_backtrace());
  }
  return report;
}

}  // namespace arcface::train
