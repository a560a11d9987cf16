// LFW View 1 with the default pipeline, and the pair-file / threshold logic.
#include <cstdio>
#include <sstream>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "arcface/cluster.hpp"
#include "arcface/embedder.hpp"
#include "arcface/gallery.hpp"
#include "arcface/pipeline.hpp"
#include "arcface/error.hpp"
#include "arcface/eval.hpp"
#include "arcface/image.hpp"
#include "arcface/train.hpp"
#include "common.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string tmpdir() {
  const auto d = fs::temp_directory_path() / "arcface-lfw-test";
  fs::create_directories(d);
  return d.string();
}

View1Result run_view1(const std::string& variant) {
  const std::string root = test::shared_dir() + "/data/lfw-view1";
  fs::create_directories(ARCFACE_TEST_CACHE);
  PipelineOptions po;
  if (const char* d = std::getenv("LFW_DETECTOR")) po.detector.backend = detector_backend_from_string(d);
  const Pipeline pipe(po);
  EmbedPhotosOptions o;
  o.cache_file = std::string(ARCFACE_TEST_CACHE) + "/lfw-view1-" + variant + ".cache";
  o.progress = true;
  LfwEvalOptions eo;
  eo.train_pairs = root + "/pairsDevTrain.txt";
  eo.embed = o;
  eo.skip_missing_images = true;
  const LfwReport rep = evaluate_lfw(pipe, root + "/pairsDevTest.txt", root + "/" + variant, eo);
  EXPECT_EQ(rep.protocol, "view1");
  const View1Result r = view1_result(rep);
  std::printf("LFW View 1 %s: threshold %.4f (DevTrain accuracy %.2f %%), DevTest accuracy %.2f %%, "
              "%d of %d photos without a detected face, %d pairs skipped for a missing image\n",
              variant.c_str(), r.threshold, 100 * r.train_accuracy, 100 * r.test_accuracy, r.undetected, r.images,
              r.skipped_pairs);
  return r;
}

}  // namespace

TEST(LfwPairs, ReadsView1Files) {
  ARCFACE_REQUIRE_SHARED();
  const auto p = read_lfw_pairs(test::shared_dir() + "/data/lfw-view1/pairsDevTrain.txt");
  ASSERT_EQ(p.pairs.size(), 2200u);
  EXPECT_EQ(p.folds, 1);
  EXPECT_TRUE(p.pairs[0].same);
  EXPECT_EQ(p.pairs[0].name1, "Aaron_Peirsol");
  EXPECT_EQ(p.pairs[0].number2, 2);
  EXPECT_FALSE(p.pairs[1100].same);
  EXPECT_EQ(p.pairs[1100].name2, "Marsha_Thomason");
  EXPECT_EQ(p.pairs[1100].line, 1102);
}

TEST(LfwPairs, ReadsTenFoldFormat) {
  const std::string f = tmpdir() + "/pairs.txt";
  write(f, "2\t1\nA\t1\t2\nB\t1\tC\t3\nD\t2\t4\nE\t1\tF\t1\n");
  const auto p = read_lfw_pairs(f);
  EXPECT_EQ(p.folds, 2);
  ASSERT_EQ(p.pairs.size(), 4u);
  EXPECT_EQ(p.pairs[2].fold, 1);
  EXPECT_TRUE(p.pairs[2].same);
  EXPECT_EQ(p.pairs[3].line, 5);
}

TEST(LfwPairs, ErrorsNameTheLine) {
  const std::string f = tmpdir() + "/bad.txt";
  write(f, "2\nA\t1\t2\nB\t1\nC\t1\tD\t1\nE\t1\tF\t1\n");
  try {
    read_lfw_pairs(f);
    FAIL() << "malformed line accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:3"), std::string::npos) << e.what();
  }
  write(f, "x y z\n");
  EXPECT_THROW(read_lfw_pairs(f), IoError);
  write(f, "3\nA\t1\t2\n");
  EXPECT_THROW(read_lfw_pairs(f), IoError);
  EXPECT_THROW(read_lfw_pairs(tmpdir() + "/missing.txt"), IoError);
}

TEST(LfwPairs, MissingImageNamesTheLine) {
  const std::string f = tmpdir() + "/one.txt";
  write(f, "1\nNobody\t1\t2\nA\t1\tB\t1\n");
  try {
    lfw_images(read_lfw_pairs(f), tmpdir());
    FAIL() << "missing image accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("one.txt:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Nobody_0001.jpg"), std::string::npos) << e.what();
  }
}

TEST(Threshold, BestThresholdSeparatesSeparableScores) {
  const std::vector<float> s{0.1f, 0.2f, 0.3f, 0.6f, 0.7f, 0.9f};
  const std::vector<bool> y{false, false, false, true, true, true};
  const float t = best_threshold(s, y);
  EXPECT_GT(t, 0.3f);
  EXPECT_LT(t, 0.6f);
  EXPECT_DOUBLE_EQ(verification_accuracy(s, y, t), 1.0);
}

TEST(Threshold, BestThresholdWithOverlap) {
  // One positive below one negative: best accuracy is 5/6 whatever the split.
  const std::vector<float> s{0.1f, 0.2f, 0.5f, 0.4f, 0.7f, 0.9f};
  const std::vector<bool> y{false, false, false, true, true, true};
  const float t = best_threshold(s, y);
  EXPECT_NEAR(verification_accuracy(s, y, t), 5.0 / 6.0, 1e-9);
  EXPECT_THROW(best_threshold({}, {}), InputError);
}

TEST(Lfw, View1DeepFunneled) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const auto r = run_view1("deepfunneled");
  EXPECT_GE(r.test_accuracy, 0.990);  // measured 99.00 % (threshold 0.404)
}

TEST(Lfw, View1Original150px) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const auto r = run_view1("original-150px");
  EXPECT_GE(r.test_accuracy, 0.985);  // measured 98.70 % (threshold 0.373)
}

namespace {
std::pair<int, std::string> cli(const std::string& args) { return test::run_cli(args); }
std::string lfw() { return test::shared_dir() + "/data/lfw-view1"; }
std::string cache() { return std::string(ARCFACE_TEST_CACHE) + "/lfw-view1-deepfunneled.cache"; }
}  // namespace

// The CLI's View 1 report equals the library's, and carries the threshold-free metrics.
TEST(Lfw, EvalLfwCliReport) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  fs::create_directories(ARCFACE_TEST_CACHE);
  const std::string json_path = tmpdir() + "/report.json", roc = tmpdir() + "/roc.png";
  const auto [code, out] = cli("-q eval-lfw --pairs " + lfw() + "/pairsDevTest.txt --train-pairs " + lfw() +
                               "/pairsDevTrain.txt --images " + lfw() + "/deepfunneled --cache " + cache() +
                               " --json " + json_path + " --roc " + roc);
  ASSERT_EQ(code, 0) << out;
  std::printf("%s", out.c_str());
  const auto j = nlohmann::json::parse(std::ifstream(json_path));
  EXPECT_EQ(j["protocol"], "view1");
  EXPECT_EQ(j["pairs"], 1000);
  EXPECT_GE(j["accuracy"].get<double>(), 0.99);
  EXPECT_GT(j["metrics"]["auc"].get<double>(), 0.995);
  EXPECT_LT(j["metrics"]["eer"].get<double>(), 0.02);
  EXPECT_FALSE(j["metrics"]["tar_at_far"][0]["enough_negatives"].get<bool>());  // 500 impostors < 1/1e-3
  EXPECT_TRUE(j["metrics"]["tar_at_far"][1]["enough_negatives"].get<bool>());
  EXPECT_TRUE(fs::file_size(roc) > 1000);
}

// pairs.txt format with folds: the K-fold protocol (2 folds built from View 1 pairs).
TEST(Lfw, EvalLfwTenFoldFormat) {
  ARCFACE_REQUIRE_SHARED();
  const auto dev = read_lfw_pairs(lfw() + "/pairsDevTest.txt");
  std::ostringstream txt;
  txt << "2\t50\n";
  for (int f = 0; f < 2; ++f) {
    for (int k = 0; k < 50; ++k) {
      const auto& p = dev.pairs[f * 50 + k];
      txt << p.name1 << '\t' << p.number1 << '\t' << p.number2 << '\n';
    }
    for (int k = 0; k < 50; ++k) {
      const auto& p = dev.pairs[500 + f * 50 + k];
      txt << p.name1 << '\t' << p.number1 << '\t' << p.name2 << '\t' << p.number2 << '\n';
    }
  }
  const std::string f = tmpdir() + "/pairs2.txt", json_path = tmpdir() + "/report2.json";
  write(f, txt.str());
  const auto [code, out] =
      cli("-q eval-lfw --pairs " + f + " --images " + lfw() + "/deepfunneled --cache " + cache() + " --json " + json_path);
  ASSERT_EQ(code, 0) << out;
  const auto j = nlohmann::json::parse(std::ifstream(json_path));
  EXPECT_EQ(j["protocol"], "10-fold");
  EXPECT_EQ(j["folds"]["accuracy"].size(), 2u);
  EXPECT_GE(j["accuracy"].get<double>(), 0.9);
  EXPECT_NE(out.find("+-"), std::string::npos) << out;
}

// calibrate writes the measured thresholds into (a copy of) the model; verify then uses them.
TEST(Lfw, CalibrateWritesThresholdsIntoTheModel) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const std::string copy = tmpdir() + "/mfn-calibrated.pt";
  fs::copy_file(models_dir() + "/mobilefacenet-ms1m.pt", copy, fs::copy_options::overwrite_existing);
  const auto [code, out] = cli("-q --embedder " + copy + " calibrate --pairs " + lfw() + "/pairsDevTrain.txt --images " +
                               lfw() + "/deepfunneled --cache " + cache());
  ASSERT_EQ(code, 0) << out;
  std::printf("%s", out.c_str());
  const ModelInfo info = read_model_info(copy);
  const auto meta = nlohmann::json::parse(info.metadata_json);
  EXPECT_NEAR(info.threshold, meta["thresholds"]["accuracy_optimal"].get<float>(), 1e-6);
  EXPECT_GT(info.threshold, 0.3f);  // measured 0.404 on the 2,200 DevTrain pairs
  EXPECT_LT(info.threshold, 0.5f);
  EXPECT_GT(meta["thresholds"]["at_far"].get<float>(), info.threshold);  // stricter
  EXPECT_EQ(meta["calibration"]["pairs"], "pairsDevTrain.txt");
  const auto [c2, v] = cli("--embedder " + copy + " verify --json " + test::sample("actors/kurt/0.jpg") + " " +
                           test::sample("actors/kurt/2.jpg"));
  ASSERT_EQ(c2, 0) << v;
  EXPECT_NEAR(nlohmann::json::parse(v)["threshold"].get<float>(), info.threshold, 1e-6);
}

// Identification on LFW View 1: one enrolled photo per person with two or more photos, the others
// identified among all of them; clustering of the same photos.
TEST(Lfw, IdentificationRank1AndClustering) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path root = fs::path(test::shared_dir()) / "data/lfw-view1/deepfunneled";
  std::vector<std::string> people;
  for (const auto& e : fs::directory_iterator(root)) people.push_back(e.path().filename().string());
  std::sort(people.begin(), people.end());
  std::vector<std::string> paths;
  std::vector<int> person, index;  // per photo: person number, photo number within the person
  int n_listed = -1;
  for (const auto& name : people) {
    std::vector<std::string> photos;
    for (const auto& f : fs::directory_iterator(root / name)) photos.push_back(f.path().string());
    if (photos.size() < 2) continue;
    std::sort(photos.begin(), photos.end());
    ++n_listed;
    for (std::size_t i = 0; i < photos.size(); ++i) {
      paths.push_back(photos[i]);
      person.push_back(n_listed);
      index.push_back(static_cast<int>(i));
    }
  }
  fs::create_directories(ARCFACE_TEST_CACHE);
  const Pipeline pipe;
  EmbedPhotosOptions o;
  o.cache_file = std::string(ARCFACE_TEST_CACHE) + "/lfw-view1-deepfunneled.cache";
  o.progress = true;
  const PhotoEmbeddings pe = embed_photos(pipe, paths, o);
  const int n_people = person.back() + 1;
  ASSERT_GT(n_people, 1000);

  // rank-1 with one enrolled photo per person.
  auto rank1 = [&](MatchMode mode, int enrolled_per_person, int* probes_out) {
    GalleryOptions go;
    go.match = mode;
    Gallery g(pipe, go);
    std::vector<std::string> names;
    std::vector<Eigen::Index> rows, probes;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (index[i] < enrolled_per_person) {
        names.push_back(std::to_string(person[i]));
        rows.push_back(static_cast<Eigen::Index>(i));
      } else {
        probes.push_back(static_cast<Eigen::Index>(i));
      }
    }
    Embeddings e(static_cast<Eigen::Index>(rows.size()), pe.embeddings.cols()), p(static_cast<Eigen::Index>(probes.size()), pe.embeddings.cols());
    for (std::size_t i = 0; i < rows.size(); ++i) e.row(static_cast<Eigen::Index>(i)) = pe.embeddings.row(rows[i]);
    for (std::size_t i = 0; i < probes.size(); ++i) p.row(static_cast<Eigen::Index>(i)) = pe.embeddings.row(probes[i]);
    g.enroll(names, e);
    const auto hits = g.search(p, 1);
    int ok = 0;
    for (std::size_t i = 0; i < probes.size(); ++i)
      ok += hits[i].front().identity == std::to_string(person[static_cast<std::size_t>(probes[i])]);
    *probes_out = static_cast<int>(probes.size());
    return ok / static_cast<double>(probes.size());
  };
  int probes1 = 0, probes2 = 0, probes3 = 0;
  const double r1 = rank1(MatchMode::Template, 1, &probes1);
  const double r2_template = rank1(MatchMode::Template, 2, &probes2);
  const double r2_all = rank1(MatchMode::AllSamples, 2, &probes3);
  std::printf("LFW View 1 identification (deep-funnelled, %d people, %zu photos): rank-1 %.2f %% over %d probes "
              "(1 enrolled photo each); with up to 2 enrolled photos: template %.2f %%, all samples %.2f %% "
              "over %d probes\n",
              n_people, paths.size(), 100 * r1, probes1, 100 * r2_template, 100 * r2_all, probes2);
  EXPECT_GE(r1, 0.96);           // measured 97.79 % (mobilefacenet-ms1m)
  EXPECT_GE(r2_template, 0.975);  // 98.91 %
  EXPECT_GE(r2_all, 0.975);       // 98.91 %

  // Clustering the same photos.
  const ClusterOptions co;  // default threshold 0.60 (best F1 of a sweep, docs/gallery.md)
  const auto labels = cluster_faces(pe.embeddings, co);
  const auto s = pairwise_scores(labels, person);
  const int clusters = *std::max_element(labels.begin(), labels.end()) + 1;
  std::printf("LFW View 1 clustering (threshold %.3f): %d clusters for %d people; pairwise precision %.4f recall %.4f "
              "F1 %.4f\n", co.threshold, clusters, n_people, s.precision, s.recall, s.f1);
  EXPECT_GE(s.precision, 0.97);  // measured 0.985
  EXPECT_GE(s.recall, 0.93);     // measured 0.945
}

// The article's 2-D picture: 8 LFW identities, softmax vs ArcFace on a learned 2-D projection.
// ArcFace must give tighter classes and larger angles between them.
TEST(Lfw, TrainDemoArcFaceIsTighterAndWiderApart) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  fs::create_directories(ARCFACE_TEST_CACHE);
  const std::string png = tmpdir() + "/train-demo.png", json_path = tmpdir() + "/train-demo.json";
  fs::remove(png);
  const auto [code, out] = cli("-q train-demo -o " + png + " --json " + json_path + " --images " + lfw() +
                               "/deepfunneled --cache " + std::string(ARCFACE_TEST_CACHE) + "/train-demo.cache");
  ASSERT_EQ(code, 0) << out;
  std::printf("%s", out.c_str());
  const auto j = nlohmann::json::parse(std::ifstream(json_path));
  ASSERT_EQ(j["identities"].size(), 8u);
  const double soft_spread = j["softmax"]["intra_spread_deg"], arc_spread = j["arcface"]["intra_spread_deg"];
  const double soft_angle = j["softmax"]["min_inter_angle_deg"], arc_angle = j["arcface"]["min_inter_angle_deg"];
  EXPECT_LT(arc_spread, soft_spread);
  EXPECT_GT(arc_angle, soft_angle);
  EXPECT_GT(arc_angle, 35.0);  // 8 classes on a circle: at most 45 degrees apart
  EXPECT_GE(j["arcface"]["train_accuracy"].get<double>(), 0.95);
  const cv::Mat img = read_image(png);
  ASSERT_FALSE(img.empty());
  EXPECT_GT(img.cols, img.rows);  // two panels side by side
  // Bad input: a folder with too few identities.
  const auto [c2, o2] = cli("-q train-demo -o " + png + " --images " + tmpdir());
  EXPECT_EQ(c2, 1) << o2;
  EXPECT_NE(o2.find("identities"), std::string::npos) << o2;
}

// Fine-tuning the default embedder with an ArcFace head on the article's actors and actresses
// (7 identities, 20 photos): the loss falls, the written file is an embedder model that Embedder
// loads, and on these training photos same-person pairs move further from different-person ones.
TEST(Train, FineTuneEmbedderOnSamplePhotos) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path data = fs::path(tmpdir()) / "fine-tune-data";
  fs::remove_all(data);
  std::vector<std::string> photos;
  std::vector<int> person;
  int k = 0;
  for (const char* set : {"actors", "actresses"})
    for (const auto& d : fs::directory_iterator(test::sample(set))) {
      fs::create_directories(data / d.path().filename());
      for (const auto& f : fs::directory_iterator(d.path())) {
        fs::copy_file(f.path(), data / d.path().filename() / f.path().filename());
        photos.push_back(f.path().string());
        person.push_back(k);
      }
      ++k;
    }
  train::FineTuneOptions o;
  o.data = data.string();
  o.output = tmpdir() + "/finetuned.pt";
  o.head.kind = train::HeadKind::ArcFace;
  o.head.s = 32.f;
  o.train.epochs = 4;
  o.train.learning_rate = 1e-4f;
  o.train.batch_size = 16;
  o.train.checkpoint = tmpdir() + "/finetune-checkpoint.pt";
  o.train.checkpoint_epochs = 2;
  fs::remove(o.train.checkpoint);
  const auto r = train::fine_tune_embedder(o);
  const ModelInfo ck = read_model_info(o.train.checkpoint);  // after epoch 2 of 4: a loadable embedder
  EXPECT_NE(ck.metadata_json.find("\"epochs\": 2"), std::string::npos) << ck.metadata_json;
  std::printf("fine-tuned on %d photos of %d identities: loss", r.images, r.identities);
  for (float l : r.train.epoch_loss) std::printf(" %.3f", l);
  std::printf(", training accuracy %.1f %%\n", 100 * r.train.accuracy);
  EXPECT_EQ(r.identities, k);
  EXPECT_EQ(r.images, static_cast<int>(photos.size()));
  EXPECT_LT(r.train.epoch_loss.back(), r.train.epoch_loss.front());
  // The result is a regular embedder model.
  EmbedderOptions eo;
  eo.model = o.output;
  const Embedder tuned(eo);
  EXPECT_EQ(tuned.info().name, "mobilefacenet-ms1m-finetuned");
  EXPECT_EQ(tuned.dimension(), 192);
  EXPECT_NE(tuned.info().metadata_json.find("fine_tuned"), std::string::npos);
  auto margin = [&](const Embedder& e) {
    PipelineOptions po;
    po.embedder.model = e.info().path;
    const Pipeline p(po);
    const auto pe = embed_photos(p, photos);
    double same = 0, diff = 0;
    int ns = 0, nd = 0;
    for (std::size_t i = 0; i < photos.size(); ++i)
      for (std::size_t j = i + 1; j < photos.size(); ++j) {
        const double c = pe.embeddings.row(static_cast<Eigen::Index>(i)).dot(pe.embeddings.row(static_cast<Eigen::Index>(j)));
        (person[i] == person[j] ? same : diff) += c;
        ++(person[i] == person[j] ? ns : nd);
      }
    return same / ns - diff / nd;
  };
  const double before = margin(Embedder()), after = margin(tuned);
  std::printf("same - different mean cosine on the training photos: %.3f before, %.3f after\n", before, after);
  EXPECT_GT(after, before);
  // The same through the CLI (one epoch), with a JSON report.
  const std::string cli_out = tmpdir() + "/finetuned-cli.pt", cli_json = tmpdir() + "/finetuned-cli.json";
  const auto [code, out] = cli("-q fine-tune " + data.string() + " -o " + cli_out + " --epochs 1 --batch 16 --json " +
                               cli_json);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(cli_json))["identities"], k);
  EXPECT_EQ(read_model_info(cli_out).name, "mobilefacenet-ms1m-finetuned");
  // Bad input: one identity only, a missing folder.
  o.data = (data / "jeff").string();
  EXPECT_THROW(train::fine_tune_embedder(o), InputError);
  o.data = tmpdir() + "/no-such-folder";
  EXPECT_THROW(train::fine_tune_embedder(o), IoError);
}
