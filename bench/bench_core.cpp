// Core benchmarks (Google Benchmark). bench/run_core_bench.py runs this binary next to the same
// work done by eager PyTorch / OpenCV in Python and prints the ratios.
//
// Environment: ARCFACE_SHARED_DIR (photos), ARCFACE_MODELS, ARCFACE_BENCH_THREADS (default 2).
#include <cstdlib>
#include <filesystem>

#include <benchmark/benchmark.h>
#include <opencv2/imgproc.hpp>

#include "arcface/arcface.hpp"

using namespace arcface;

namespace {

int threads() {
  const char* t = std::getenv("ARCFACE_BENCH_THREADS");
  return t ? std::atoi(t) : 2;
}
std::string shared() {
  const char* s = std::getenv("ARCFACE_SHARED_DIR");
  return s ? s : ARCFACE_BENCH_SHARED_DIR;
}

// The group photo resized to 640x480: the detection workload.
const cv::Mat& photo() {
  static const cv::Mat img = [] {
    cv::Mat m = read_image(shared() + "/data/samples/group/group.jpg"), out;
    cv::resize(m, out, {640, 480}, 0, 0, cv::INTER_AREA);
    return out;
  }();
  return img;
}

const Detector& detector(DetectorBackend b) {
  static DetectorOptions oy = [] {
    DetectorOptions o;
    o.threads = threads();
    return o;
  }();
  static DetectorOptions om = [] {
    DetectorOptions o;
    o.backend = DetectorBackend::Mtcnn;
    o.threads = threads();
    return o;
  }();
  static const Detector y(oy), m(om);
  return b == DetectorBackend::YuNet ? y : m;
}

const Embedder& embedder(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Embedder>> cache;
  auto& e = cache[name];
  if (!e) {
    EmbedderOptions o;
    o.model = name;
    o.threads = threads();
    e = std::make_unique<Embedder>(o);
  }
  return *e;
}

void BM_DetectYuNet(benchmark::State& s) {
  for (auto _ : s) benchmark::DoNotOptimize(detector(DetectorBackend::YuNet).detect(photo()));
}
void BM_DetectMtcnn(benchmark::State& s) {
  for (auto _ : s) benchmark::DoNotOptimize(detector(DetectorBackend::Mtcnn).detect(photo()));
}

void BM_Align(benchmark::State& s) {
  const auto faces = detector(DetectorBackend::YuNet).detect(photo());
  const Aligner a;
  for (auto _ : s) benchmark::DoNotOptimize(a.align(photo(), faces.at(0)));
}

// The bare network on a preprocessed batch: the same work as `module(x)` in eager PyTorch.
void forward(benchmark::State& s, const std::string& model) {
  const Embedder& e = embedder(model);
  const int n = static_cast<int>(s.range(0));
  std::vector<float> x(static_cast<size_t>(n) * 3 * e.info().input_height * e.info().input_width);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(i * 0.013f);
  for (auto _ : s) benchmark::DoNotOptimize(e.forward_raw(x, n));
  s.counters["per_image_ms"] = benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
void BM_ForwardMobileFaceNet(benchmark::State& s) { forward(s, "mobilefacenet-casia"); }
void BM_ForwardIr50(benchmark::State& s) { forward(s, "ir50-pattern"); }

// Full embed(): preprocessing, the mirror (flip policy), the network, normalisation.
void BM_EmbedMobileFaceNet(benchmark::State& s) {
  const Embedder& e = embedder("mobilefacenet-casia");
  const int n = static_cast<int>(s.range(0));
  std::vector<cv::Mat> crops(n, cv::Mat(112, 96, CV_8UC3, cv::Scalar(90, 120, 160)));
  for (auto _ : s) benchmark::DoNotOptimize(e.embed(crops));
}

void BM_SimilarityMatrix(benchmark::State& s) {
  Embeddings a = Embeddings::Random(1000, 512), b = Embeddings::Random(1000, 512);
  a.rowwise().normalize();
  b.rowwise().normalize();
  for (auto _ : s) benchmark::DoNotOptimize(Similarity::matrix(a, b));
}

}  // namespace

BENCHMARK(BM_DetectYuNet)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectMtcnn)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Align)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ForwardMobileFaceNet)->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ForwardIr50)->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(BM_EmbedMobileFaceNet)->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_SimilarityMatrix)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_MAIN();
