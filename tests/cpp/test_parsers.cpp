// Strict parsers: .npy headers, LFW pair files, model metadata, gallery headers, the photo cache.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "arcface/error.hpp"
#include "arcface/eval.hpp"
#include "arcface/gallery.hpp"
#include "arcface/npy.hpp"
#include "common.hpp"
#include "core/files.hpp"
#include "embedder/model_info.hpp"
#include "eval/photo_cache.hpp"

using namespace arcface;
namespace fs = std::filesystem;

namespace {

std::string dir() {
  const std::string d = test::fixtures() + "/parsers";
  fs::create_directories(d);
  return d;
}

// A .npy file with the given header dict and @p payload bytes of data.
std::string npy_file(const std::string& name, const std::string& dict, std::size_t payload) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  bytes += header + std::string(payload, '\0');
  const std::string p = dir() + "/" + name;
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

std::string write_text(const std::string& name, const std::string& text) {
  const std::string p = dir() + "/" + name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception of the expected type";
  return "";
}

}  // namespace

TEST(StrictNpy, RefusesWhatTheHeaderCannotMean) {
  const std::string ok = npy_file("ok.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24);
  EXPECT_EQ(read_npy_matrix(ok).rows(), 2);
  EXPECT_EQ(read_npy(npy_file("scalar.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4)).data.size(), 1u);
  // Shape products that overflow, huge shapes, 23-digit numbers: IoError, never bad_alloc / out_of_range.
  for (const char* shape : {"(9223372036854775808, 2)", "(4294967296, 4294967296)", "(12345678901234567890123, 4)",
                            "(1000000000000, )"}) {
    const std::string p = npy_file("huge.npy", std::string("{'descr': '<f4', 'fortran_order': False, 'shape': ") + shape + ", }", 16);
    EXPECT_THROW(read_npy(p), IoError) << shape;
  }
  // A short file announcing 4 GB is refused before anything is allocated.
  const std::string big = npy_file("big.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1073741824,), }", 16);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(message_of<IoError>([&] { read_npy(big); }).find("truncated"), std::string::npos);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
  // The dict is parsed, not searched: a second descr, Fortran order, negative sizes, other keys.
  EXPECT_THROW(read_npy(npy_file("dup.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'descr': '<f4'}", 16)), IoError);
  EXPECT_THROW(read_npy(npy_file("f8.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16)), IoError);
  EXPECT_THROW(read_npy(npy_file("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16)), IoError);
  EXPECT_THROW(read_npy(npy_file("neg.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }", 16)), IoError);
  EXPECT_THROW(read_npy(npy_file("extra.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4)), IoError);
  EXPECT_THROW(read_npy(npy_file("nokey.npy", "{'descr': '<f4', 'shape': (1,), }", 4)), IoError);
  EXPECT_THROW(read_npy(npy_file("trailing.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8)), IoError);
  EXPECT_NE(message_of<IoError>([&] { read_npy(dir()); }).find("directory"), std::string::npos);
  // A named pipe would block a reader forever: refused before it is opened.
  const std::string fifo = dir() + "/pipe.npy";
  fs::remove(fifo);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(message_of<IoError>([&] { read_npy(fifo); }).find("not a regular file"), std::string::npos);
}

TEST(StrictPairs, OverflowingCountsAreErrors) {
  const std::string p = write_text("pairs-huge.txt", "1 1073741824\nA 1 2\n");
  EXPECT_NE(message_of<IoError>([&] { read_lfw_pairs(p); }).find("more than"), std::string::npos);
  EXPECT_THROW(read_lfw_pairs(write_text("pairs-digits.txt", "99999999999999999999999\n")), IoError);
  EXPECT_THROW(read_lfw_pairs(write_text("pairs-sign.txt", "+1\nA 1 2\nA 1 B 2\n")), IoError);
  EXPECT_EQ(read_lfw_pairs(write_text("pairs-ok.txt", "1\nA 1 2\nA 1 B 2\n")).pairs.size(), 2u);
  EXPECT_THROW(read_lfw_pairs(dir()), IoError);
}

TEST(StrictModelMetadata, ValuesAreRangeChecked) {
  nlohmann::json good = {{"kind", "embedder"},
                         {"name", "m"},
                         {"input", {{"width", 112}, {"height", 112}, {"mean", {127.5, 127.5, 127.5}}, {"std", {128, 128, 128}}}},
                         {"alignment", {{"template", "arcface_112x112"}}},
                         {"flip", "sum"},
                         {"network_output", 128},
                         {"embedding_size", 128},
                         {"threshold", 0.4}};
  EXPECT_NO_THROW(detail::parse_model_info("m.pt", good.dump()));
  auto bad = [&](auto&& edit) {
    nlohmann::json j = good;
    edit(j);
    return message_of<ModelError>([&] { detail::parse_model_info("m.pt", j.dump()); });
  };
  EXPECT_NE(bad([](auto& j) { j["threshold"] = 5.0; }).find("threshold"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["threshold"] = -1.0; }).find("threshold"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["name"] = ""; }).find("empty name"), std::string::npos);
  EXPECT_NE(bad([](auto& j) {
              j["alignment"] = {{"width", 112}, {"height", 112}, {"points", {{50, 50}, {50, 50}, {50, 50}, {50, 50}, {50, 50}}}};
            }).find("coincide"),
            std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["flip"] = "sideways"; }).find("flip"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["input"]["std"][1] = 0; }).find("std"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["embedding_size"] = 7; }).find("embedding_size"), std::string::npos);
  EXPECT_THROW(detail::parse_model_info("m.pt", "{\"kind\": \"embedder\", \"name\": 3}"), ModelError);
  EXPECT_THROW(detail::parse_model_info("m.pt", "[1, 2]"), ModelError);
}

namespace {

// A saved gallery with its header JSON replaced by @p edit (checksum recomputed).
std::string gallery_with_header(const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
  Gallery g("m", 4, {}, "sum");
  g.enroll("alice", Embeddings::Identity(1, 4));
  const std::string p = dir() + "/" + name;
  g.save(p);
  std::ifstream in(p, std::ios::binary);
  std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::uint32_t hlen;
  std::memcpy(&hlen, b.data() + 12, 4);
  auto h = nlohmann::json::parse(b.substr(16, hlen));
  edit(h);
  const std::string nh = h.dump();
  std::string out = b.substr(0, 12);
  const auto nlen = static_cast<std::uint32_t>(nh.size());
  out.append(reinterpret_cast<const char*>(&nlen), 4);
  out += nh + b.substr(16 + hlen, b.size() - 16 - hlen - 8);
  detail::Checksum sum;
  sum.update(out.data(), out.size());
  const std::uint64_t c = sum.finish();
  out.append(reinterpret_cast<const char*>(&c), 8);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << out;
  return p;
}

}  // namespace

TEST(StrictGalleryFile, HeaderValuesAreChecked) {
  EXPECT_EQ(Gallery::load(gallery_with_header("g-ok.gal", [](auto&) {})).flip_policy(), "sum");
  EXPECT_NE(message_of<ModelError>([] { Gallery::load(gallery_with_header("g-match.gal", [](auto& h) { h["match"] = "bogus"; })); })
                .find("match"),
            std::string::npos);
  EXPECT_NE(message_of<ModelError>([] { Gallery::load(gallery_with_header("g-dim.gal", [](auto& h) { h["dimension"] = 4.7; })); })
                .find("dimension"),
            std::string::npos);
  EXPECT_THROW(Gallery::load(gallery_with_header("g-neg.gal", [](auto& h) { h["samples"] = -1; })), ModelError);
  EXPECT_THROW(Gallery::load(gallery_with_header("g-flip.gal", [](auto& h) { h["flip"] = "up"; })), ModelError);
  EXPECT_THROW(Gallery::load(gallery_with_header("g-name.gal", [](auto& h) { h["embedder"] = 5; })), ModelError);
  EXPECT_NE(message_of<IoError>([] { Gallery::load(dir()); }).find("directory"), std::string::npos);
}

TEST(StrictGallery, ExtremeVectorsAreNormalisedNotZeroed) {
  Gallery g("m", 8);
  Embeddings big = Embeddings::Constant(1, 8, 3e38f), tiny = Embeddings::Constant(1, 8, 1e-30f);
  tiny(0, 0) = -1e-30f;
  g.enroll("big", big);
  g.enroll("tiny", tiny);
  EXPECT_NEAR(g.samples("big").row(0).norm(), 1.f, 1e-5f);
  EXPECT_NEAR(g.samples("tiny").row(0).norm(), 1.f, 1e-5f);
  const auto hit = g.search(Eigen::VectorXf(Eigen::VectorXf::Constant(8, 1.f / std::sqrt(8.f))), 1);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].identity, "big");
  EXPECT_NEAR(hit[0].score, 1.f, 1e-5f);
}

TEST(StrictGallery, EnrolmentWithAnotherFlipPolicyIsRefused) {
  Gallery g("mobilefacenet-ms1m", 192, {}, "sum");
  ModelInfo info;
  info.name = "mobilefacenet-ms1m";
  info.embedding_size = 192;
  info.flip = FlipPolicy::None;
  EXPECT_NE(message_of<InputError>([&] { g.check_embedder(info); }).find("flip"), std::string::npos);
  info.flip = FlipPolicy::Sum;
  EXPECT_NO_THROW(g.check_embedder(info));
  const std::string p = dir() + "/flip.gal";
  g.enroll("x", Embeddings::Ones(1, 192));
  g.save(p);
  EXPECT_EQ(Gallery::load(p).flip_policy(), "sum");  // remembered by the file
  EXPECT_THROW(Gallery("m", 4, {}, "bogus"), InputError);
}

TEST(StrictGallery, LoadKeepsTheSavedMatchMode) {
  GalleryOptions all;
  all.match = MatchMode::AllSamples;
  Gallery g("m", 2, all);
  Embeddings two(2, 2);
  two << 1, 0, 0, 1;
  g.enroll("a", two);  // two samples at right angles: their template is the diagonal
  const std::string p = dir() + "/all.gal";
  g.save(p);
  const Gallery back = Gallery::load(p);  // default options say "template"
  EXPECT_EQ(back.options().match, MatchMode::AllSamples);
  EXPECT_NEAR(back.search(Eigen::VectorXf(Eigen::Vector2f(1, 0)), 1)[0].score, 1.f, 1e-6f);  // a template would give 0.707
}

TEST(PhotoCache, ChecksummedVersionedAndValidated) {
  const std::string p = dir() + "/photos.cache";
  detail::PhotoCache c;
  c["/a.jpg"] = {true, {}, {1.f, 0.f, 0.f, 0.f}};
  c["/b.jpg"] = {false, {}, {0.f, 0.6f, 0.8f, 0.f}};
  detail::write_photo_cache(p, "key v1", 4, c);
  std::string why;
  EXPECT_EQ(detail::read_photo_cache(p, "key v1", 4, &why).size(), 2u);
  EXPECT_EQ(why, "");
  EXPECT_TRUE(detail::read_photo_cache(p, "key v2", 4, &why).empty());  // another library version / setting
  EXPECT_NE(why.find("other settings"), std::string::npos);
  EXPECT_TRUE(detail::read_photo_cache(p, "key v1", 5).empty());
  // One flipped byte in an embedding: refused by the checksum, so nothing is taken from it.
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-12, std::ios::end);
    f.put('\x7f');
  }
  EXPECT_TRUE(detail::read_photo_cache(p, "key v1", 4, &why).empty());
  EXPECT_NE(why.find("checksum"), std::string::npos);
  // A NaN or zero vector with a valid checksum (a writer's bug): refused as well.
  for (const float bad : {std::nanf(""), 0.f}) {
    c["/b.jpg"].v = {bad, 0.f, 0.f, 0.f};
    detail::write_photo_cache(p, "key v1", 4, c);
    EXPECT_TRUE(detail::read_photo_cache(p, "key v1", 4, &why).empty());
    EXPECT_FALSE(why.empty());
  }
}

TEST(AtomicWrite, RemovesTemporariesOfDeadProcessesOnly) {
  const std::string p = dir() + "/target.bin";
  pid_t child = fork();
  if (child == 0) _exit(0);
  int st = 0;
  waitpid(child, &st, 0);  // `child` is now a pid no process has
  const std::string dead = p + ".tmp-" + std::to_string(child) + "-0";
  const std::string alive = p + ".tmp-" + std::to_string(getppid()) + "-0";
  std::ofstream(dead) << "left by a killed writer";
  std::ofstream(alive) << "a writer still at work";
  detail::atomic_write(p, "x", 1, "test file");
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  fs::remove(alive);
  EXPECT_EQ(fs::file_size(p), 1u);
  EXPECT_NE(message_of<IoError>([&] { detail::atomic_write(dir(), "x", 1, "test file"); }).find("directory"),
            std::string::npos);
  EXPECT_NE(message_of<IoError>([&] { detail::atomic_write(dir() + "/no/such/dir/f", "x", 1, "test file"); })
                .find("does not exist"),
            std::string::npos);
}

extern "C" int omp_get_max_threads();
extern "C" void omp_set_num_threads(int);

TEST(GalleryThreads, SearchAndBuildRestoreTheCallersOpenMpThreads) {
  omp_set_num_threads(2);
  GalleryOptions o;
  o.threads = 1;
  o.backend = SearchBackend::FaissHnsw;
  Gallery g("m", 16, o);
  Embeddings e = Embeddings::Random(300, 16);
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) names.push_back("id" + std::to_string(i));
  g.enroll(names, e);
  EXPECT_EQ(omp_get_max_threads(), 2);  // the build set 1 for itself only
  g.search(Embeddings(e.topRows(4)), 3);
  EXPECT_EQ(omp_get_max_threads(), 2);  // and so did the search
}
