// Gallery search benchmark: latency, recall@1 against the exact backend and memory per entry, for
// galleries of 10k / 100k / 1M embeddings of dimension 512, on face-like and on uniform data.
//
//   arcface_bench_gallery [--sizes 10000,100000,1000000] [--dim 512] [--queries 64]
//                         [--backends exact,exact32,flat,hnsw,ivfpq] [--data face,uniform] [--threads 0]
//                         [--ef-search N | --ef-sweep 64,128,256] [--hnsw-m N] [--ef-construction N]
//                         [--nprobe-sweep 16,32,64] [--recall-queries 512]
//
// Face-like data: identity centres uniform on the unit sphere, two entries per identity, each the
// centre plus Gaussian noise (same-identity cosine about 0.6); queries are fresh noisy samples of
// enrolled identities. Uniform: entries and queries uniform on the sphere.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "arcface/gallery.hpp"
#include "gallery/exact_kernel.hpp"

using arcface::Embeddings;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

// Rows of N(0, 1) noise, in parallel, deterministic per row.
void fill_normal(Embeddings& m, std::uint64_t seed) {
#pragma omp parallel for schedule(static)
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(r));
    std::normal_distribution<float> n(0.f, 1.f);
    for (Eigen::Index c = 0; c < m.cols(); ++c) m(r, c) = n(rng);
  }
}

struct Data {
  Embeddings entries, queries;
  std::vector<std::string> names;
};

Data make_data(const std::string& kind, Eigen::Index n, int dim, int nq) {
  Data d;
  d.entries.resize(n, dim);
  d.queries.resize(nq, dim);
  if (kind == "uniform") {
    fill_normal(d.entries, 1);
    fill_normal(d.queries, 2);
    d.entries.rowwise().normalize();
    d.queries.rowwise().normalize();
    for (Eigen::Index i = 0; i < n; ++i) d.names.push_back("u" + std::to_string(i));
    return d;
  }
  const Eigen::Index ids = n / 2;
  Embeddings centres(ids, dim);
  fill_normal(centres, 3);
  centres.rowwise().normalize();
  fill_normal(d.entries, 4);
  fill_normal(d.queries, 5);
  const float sigma = 0.82f / std::sqrt(static_cast<float>(dim));  // sample-sample cosine ~ 1 / (1 + 0.82^2) = 0.6
#pragma omp parallel for schedule(static)
  for (Eigen::Index i = 0; i < n; ++i) d.entries.row(i) = (centres.row(i / 2) + sigma * d.entries.row(i)).normalized();
  std::mt19937 rng(6);
  for (int q = 0; q < nq; ++q) {
    const Eigen::Index id = static_cast<Eigen::Index>(rng() % static_cast<unsigned>(ids));
    d.queries.row(q) = (centres.row(id) + sigma * d.queries.row(q)).normalized();
  }
  d.names.reserve(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) d.names.push_back("p" + std::to_string(i / 2));
  return d;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> sizes{"10000", "100000", "1000000"}, backends{"exact", "flat", "hnsw", "ivfpq"},
      kinds{"face", "uniform"};
  int dim = 512, nq = 64, threads = 0, ef_search = -1, hnsw_m = -1, ef_construction = -1, recall_queries = 512;
  std::vector<std::string> efs{"64", "128", "256"}, nprobes{"16", "32", "64"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--sizes") sizes = split(v);
    else if (a == "--backends") backends = split(v);
    else if (a == "--data") kinds = split(v);
    else if (a == "--dim") dim = std::stoi(v);
    else if (a == "--queries") nq = std::stoi(v);
    else if (a == "--threads") threads = std::stoi(v);
    else if (a == "--ef-search") ef_search = std::stoi(v);
    else if (a == "--ef-sweep") efs = split(v);
    else if (a == "--nprobe-sweep") nprobes = split(v);
    else if (a == "--recall-queries") recall_queries = std::stoi(v);
    else if (a == "--hnsw-m") hnsw_m = std::stoi(v);
    else if (a == "--ef-construction") ef_construction = std::stoi(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  std::printf("# gallery search, dim %d, %d queries per batch, top-10, recall@1 over %d queries; exact kernel: %s; %d threads\n", dim, nq, std::max(nq, recall_queries),
              arcface::detail::gemm_nt_kernel(), threads > 0 ? threads : omp_get_max_threads());
  std::printf("| data | entries | backend | build s | batch ms/query | single query ms | recall@1 | bytes/entry |\n");
  std::printf("|---|---:|---|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);
  for (const auto& kind : kinds) {
    for (const auto& size : sizes) {
      const Eigen::Index n = std::stol(size);
      const Data data = make_data(kind, n, dim, std::max(nq, recall_queries));
      const Embeddings timing = data.queries.topRows(nq);
      std::vector<std::string> truth;  // exact top-1 identity per recall query
      for (const auto& bname : backends) {
        arcface::GalleryOptions o;
        // "exact32": the exact backend without its 8-bit first pass (the plain fp32 GEMM scan).
        o.backend = arcface::search_backend_from_string(bname == "exact32" ? "exact" : bname);
        o.exact_prefilter = bname != "exact32";
        o.match = arcface::MatchMode::AllSamples;
        o.threads = threads;
        if (ef_search > 0) o.hnsw_ef_search = ef_search;
        if (hnsw_m > 0) o.hnsw_m = hnsw_m;
        if (ef_construction > 0) o.hnsw_ef_construction = ef_construction;
        auto t0 = Clock::now();
        arcface::Gallery g("bench", dim, o);
        g.enroll(data.names, data.entries);
        const double build = seconds_since(t0);
        // Settings to sweep: search effort for the approximate backends.
        // HNSW: each beam width searched by this library and by FAISS's HNSW::search (same graph).
        std::vector<std::pair<std::string, int>> efforts{{"", 0}};
        if (bname == "hnsw") {
          efforts.clear();
          const std::vector<std::string> widths = ef_search > 0 ? std::vector<std::string>{std::to_string(ef_search)} : efs;
          for (const auto& e : widths)
            for (const std::string impl : {"", ", FAISS search"}) efforts.push_back({"ef " + e + impl, std::stoi(e)});
        } else if (bname == "ivfpq") {
          efforts.clear();
          for (const auto& e : nprobes) efforts.push_back({"nprobe " + e, std::stoi(e)});
        }
        for (const auto& [effort_name, effort] : efforts) {
          if (bname == "hnsw" && effort > 0) {
            g.set_search_effort(effort, 0);
            g.set_hnsw_faiss_search(effort_name.find("FAISS") != std::string::npos);
          }
          if (bname == "ivfpq" && effort > 0) g.set_search_effort(0, effort);
          // Batched: the timing queries in one call, best of a few runs.
          const int reps = bname == "flat" ? 1 : n >= 1000000 ? 3 : 5;
          double batch = 1e30;
          for (int r = 0; r < reps; ++r) {
            t0 = Clock::now();
            g.search(timing, 10);
            batch = std::min(batch, seconds_since(t0));
          }
          // Single queries, one call each.
          const int singles = std::min(nq, bname == "flat" ? 4 : 16);
          t0 = Clock::now();
          for (int q = 0; q < singles; ++q) g.search(Eigen::VectorXf(data.queries.row(q).transpose()), 10);
          const double single = seconds_since(t0) / singles;
          // Recall@1 against the exact backend over all recall queries.
          const auto res = g.search(data.queries, 1);
          if (truth.empty() && bname == "exact")
            for (const auto& r : res) truth.push_back(r.front().identity);
          std::string recall = "-";
          if (!truth.empty()) {
            std::size_t ok = 0;
            for (std::size_t q = 0; q < truth.size(); ++q) ok += res[q].front().identity == truth[q];
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.3f", ok / static_cast<double>(truth.size()));
            recall = buf;
          }
          const std::string label = (bname == "exact32" ? std::string("exact, fp32 scan only") : arcface::to_string(g.active_backend())) +
                                    (effort_name.empty() ? "" : " (" + effort_name + ")");
          std::printf("| %s | %ld | %s | %.1f | %.3f | %.3f | %s | %.0f |\n", kind.c_str(), static_cast<long>(n),
                      label.c_str(), build, 1000 * batch / nq, 1000 * single, recall.c_str(),
                      static_cast<double>(g.memory_bytes()) / static_cast<double>(n));
          std::fflush(stdout);
        }
      }
    }
  }
  return 0;
}
