#include "arcface/train.hpp"

#include <pybind11/stl.h>

#include "arcface/error.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

namespace {
namespace tr = arcface::train;

tr::HeadOptions head_options(const std::string& kind, int embedding_size, int classes, float s, float m, float m1,
                             float m2, float m3, bool easy_margin, unsigned seed) {
  tr::HeadOptions o;
  o.kind = tr::head_kind_from_string(kind);
  o.embedding_size = embedding_size;
  o.classes = classes;
  o.s = s;
  o.m = m;
  o.m1 = m1;
  o.m2 = m2;
  o.m3 = m3;
  o.easy_margin = easy_margin;
  o.seed = seed;
  return o;
}

py::array_t<float> out(const Eigen::MatrixXf& m) { return to_numpy(arcface::Embeddings(m)); }
Eigen::MatrixXf in(const py::array& a, const char* what) { return embeddings_from_numpy(a, what); }
}  // namespace

void bind_train(py::module_& parent) {
  py::module_ m = parent.def_submodule("train", R"doc(Margin heads (ArcFace, CosFace, SphereFace, combined, softmax) and a trainer.

The heads are TorchScript modules defined once in the C++ core: MarginHead.save(path) writes one that
PyTorch loads with torch.jit.load and trains (forward(x, labels) -> logits, predict(x) -> logits).)doc");

  py::class_<tr::MarginHead>(m, "MarginHead", "A margin head with its class weights (see the C++ MarginHead).")
      .def(py::init([](const std::string& kind, int embedding_size, int classes, float s, float mg, float m1, float m2,
                       float m3, bool easy_margin, unsigned seed) {
             return std::make_unique<tr::MarginHead>(
                 head_options(kind, embedding_size, classes, s, mg, m1, m2, m3, easy_margin, seed));
           }),
           py::arg("kind") = "arcface", py::arg("embedding_size") = 512, py::arg("classes") = 2, py::arg("s") = 64.f,
           py::arg("m") = -1.f, py::arg("m1") = 1.f, py::arg("m2") = 0.3f, py::arg("m3") = 0.2f,
           py::arg("easy_margin") = false, py::arg("seed") = 0u)
      .def("logits",
           [](const tr::MarginHead& h, const py::array& x, const std::vector<int>& labels) {
             const Eigen::MatrixXf f = in(x, "features");
             Eigen::MatrixXf z;
             {
               py::gil_scoped_release r;
               z = h.logits(f, labels);
             }
             return out(z);
           },
           py::arg("features"), py::arg("labels"), "Logits (N x C) with the margin on each row's label.")
      .def("predict", [](const tr::MarginHead& h, const py::array& x) { return out(h.predict(in(x, "features"))); },
           py::arg("features"), "Logits without margin.")
      .def_property("weight", [](const tr::MarginHead& h) { return out(h.weight()); },
                    [](tr::MarginHead& h, const py::array& w) { h.set_weight(in(w, "weight")); })
      .def_property_readonly("bias", [](const tr::MarginHead& h) {
        const Eigen::VectorXf b = h.bias();
        return out(Eigen::MatrixXf(b.transpose()));
      })
      .def("set_iteration", &tr::MarginHead::set_iteration, py::arg("iteration"))
      .def_property_readonly("lambda_", &tr::MarginHead::lambda)
      .def_property_readonly("kind", [](const tr::MarginHead& h) { return tr::to_string(h.options().kind); })
      .def("save", &tr::MarginHead::save, py::arg("path"), "Write the head as a TorchScript module.");

  py::class_<tr::TrainReport>(m, "TrainReport")
      .def_readonly("epoch_loss", &tr::TrainReport::epoch_loss)
      .def_readonly("accuracy", &tr::TrainReport::accuracy)
      .def_readonly("device", &tr::TrainReport::device);

  py::class_<tr::AngularStats>(m, "AngularStats")
      .def_readonly("intra_spread_deg", &tr::AngularStats::intra_spread_deg)
      .def_readonly("min_inter_angle_deg", &tr::AngularStats::min_inter_angle_deg)
      .def_property_readonly("centres", [](const tr::AngularStats& s) { return out(s.centres); });

  py::class_<tr::Trainer>(m, "Trainer", "Trains a head (and an optional linear projection) on fixed features.")
      .def(py::init([](const std::string& kind, int embedding_size, int classes, float s, float mg, bool easy_margin,
                       const std::string& optimizer, float learning_rate, int epochs, int batch_size, int projection,
                       const std::string& schedule, const std::string& checkpoint, const std::string& device,
                       unsigned seed) {
             tr::TrainOptions t;
             if (optimizer != "adam" && optimizer != "sgd")
               throw arcface::InputError("optimizer must be adam or sgd");
             t.optimizer = optimizer == "adam" ? tr::TrainOptions::Optimizer::Adam : tr::TrainOptions::Optimizer::Sgd;
             if (schedule == "cosine") t.schedule = tr::TrainOptions::Schedule::Cosine;
             else if (schedule == "step") t.schedule = tr::TrainOptions::Schedule::Step;
             else if (schedule == "constant") t.schedule = tr::TrainOptions::Schedule::Constant;
             else throw arcface::InputError("schedule must be cosine, step or constant");
             t.learning_rate = learning_rate;
             t.epochs = epochs;
             t.batch_size = batch_size;
             t.projection = projection;
             t.checkpoint = checkpoint;
             t.device = device;
             t.seed = seed;
             return std::make_unique<tr::Trainer>(
                 head_options(kind, projection > 0 ? projection : embedding_size, classes, s, mg, 1.f, 0.3f, 0.2f,
                              easy_margin, seed), t);
           }),
           py::arg("kind") = "arcface", py::arg("embedding_size") = 512, py::arg("classes") = 2, py::arg("s") = 64.f,
           py::arg("m") = -1.f, py::arg("easy_margin") = false, py::arg("optimizer") = "adam",
           py::arg("learning_rate") = 0.01f, py::arg("epochs") = 100, py::arg("batch_size") = 0,
           py::arg("projection") = 0, py::arg("schedule") = "cosine", py::arg("checkpoint") = "",
           py::arg("device") = "cpu", py::arg("seed") = 0u)
      .def("fit",
           [](tr::Trainer& t, const py::array& x, const std::vector<int>& labels) {
             const Eigen::MatrixXf f = in(x, "features");
             py::gil_scoped_release r;
             return t.fit(f, labels);
           },
           py::arg("features"), py::arg("labels"))
      .def("project", [](const tr::Trainer& t, const py::array& x) { return out(t.project(in(x, "features"))); })
      .def_property_readonly("head", &tr::Trainer::head, py::return_value_policy::reference_internal);

  py::class_<tr::FineTuneReport>(m, "FineTuneReport")
      .def_readonly("train", &tr::FineTuneReport::train)
      .def_readonly("identities", &tr::FineTuneReport::identities)
      .def_readonly("images", &tr::FineTuneReport::images)
      .def_readonly("skipped", &tr::FineTuneReport::skipped)
      .def_readonly("skipped_photos", &tr::FineTuneReport::skipped_photos, "each skipped photo: 'PATH: reason'")
      .def_readonly("output", &tr::FineTuneReport::output);

  m.def("fine_tune",
        [](const std::string& data, const std::string& output, const std::string& embedder, const std::string& name,
           const std::string& kind, float s, float mg, int epochs, float learning_rate, int batch_size,
           const std::string& optimizer, const std::string& device, bool mirror_augment, unsigned seed) {
          tr::FineTuneOptions o;
          o.data = data;
          o.output = output;
          o.embedder = embedder;
          o.name = name;
          o.head.kind = tr::head_kind_from_string(kind);
          o.head.s = s;
          o.head.m = mg;
          o.head.seed = seed;
          o.train.epochs = epochs;
          o.train.learning_rate = learning_rate;
          o.train.batch_size = batch_size;
          if (optimizer != "adam" && optimizer != "sgd") throw arcface::InputError("optimizer must be adam or sgd");
          o.train.optimizer = optimizer == "adam" ? tr::TrainOptions::Optimizer::Adam : tr::TrainOptions::Optimizer::Sgd;
          o.train.device = device;
          o.train.seed = seed;
          o.mirror_augment = mirror_augment;
          py::gil_scoped_release r;
          return tr::fine_tune_embedder(o);
        },
        py::arg("data"), py::arg("output"), py::arg("embedder") = "", py::arg("name") = "", py::arg("kind") = "arcface",
        py::arg("s") = 32.f, py::arg("m") = -1.f, py::arg("epochs") = 5, py::arg("learning_rate") = 1e-4f,
        py::arg("batch_size") = 32, py::arg("optimizer") = "adam", py::arg("device") = "cpu",
        py::arg("mirror_augment") = true, py::arg("seed") = 0u,
        "Fine-tune an embedder on identity/ folders of photos and write it as a model Embedder loads.");

  m.def("angular_stats",
        [](const py::array& x, const std::vector<int>& labels, int classes) {
          return tr::angular_stats(in(x, "features"), labels, classes);
        },
        py::arg("features"), py::arg("labels"), py::arg("classes"));
}

}  // namespace pyarcface
