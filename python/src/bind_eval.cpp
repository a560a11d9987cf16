#include <pybind11/stl.h>

#include "arcface/eval.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_eval(py::module_& m) {
  py::class_<arcface::View1Result>(m, "View1Result")
      .def_readonly("threshold", &arcface::View1Result::threshold)
      .def_readonly("train_accuracy", &arcface::View1Result::train_accuracy)
      .def_readonly("test_accuracy", &arcface::View1Result::test_accuracy)
      .def_readonly("undetected", &arcface::View1Result::undetected)
      .def_readonly("images", &arcface::View1Result::images)
      .def_readonly("skipped_pairs", &arcface::View1Result::skipped_pairs);
  m.def(
      "evaluate_lfw_view1",
      [](const arcface::Pipeline& p, const std::string& train, const std::string& test, const std::string& images,
         const std::string& cache, bool skip_missing) {
        arcface::LfwEvalOptions o;
        o.train_pairs = train;
        o.embed.cache_file = cache;
        o.skip_missing_images = skip_missing;
        arcface::LfwReport rep;
        {
          py::gil_scoped_release nogil;
          rep = arcface::evaluate_lfw(p, test, images, o);
        }
        return arcface::view1_result(rep);
      },
      py::arg("pipeline"), py::arg("train_pairs"), py::arg("test_pairs"), py::arg("images_dir"), py::arg("cache_file") = "",
      py::arg("skip_missing_images") = false,
      "LFW View 1: threshold from pairsDevTrain.txt, accuracy on pairsDevTest.txt.");
  py::class_<arcface::TarAtFar>(m, "TarAtFar")
      .def_readonly("target_far", &arcface::TarAtFar::target_far)
      .def_readonly("tar", &arcface::TarAtFar::tar)
      .def_readonly("threshold", &arcface::TarAtFar::threshold)
      .def_readonly("enough_negatives", &arcface::TarAtFar::enough_negatives);
  py::class_<arcface::VerificationMetrics>(m, "VerificationMetrics")
      .def_readonly("positives", &arcface::VerificationMetrics::positives)
      .def_readonly("negatives", &arcface::VerificationMetrics::negatives)
      .def_readonly("auc", &arcface::VerificationMetrics::auc)
      .def_readonly("eer", &arcface::VerificationMetrics::eer)
      .def_readonly("eer_threshold", &arcface::VerificationMetrics::eer_threshold)
      .def_readonly("best_threshold", &arcface::VerificationMetrics::best_threshold)
      .def_readonly("best_accuracy", &arcface::VerificationMetrics::best_accuracy)
      .def_readonly("tar_at_far", &arcface::VerificationMetrics::tar_at_far)
      .def_property_readonly("roc", [](const arcface::VerificationMetrics& v) {
        py::array_t<double> a({static_cast<py::ssize_t>(v.roc.size()), py::ssize_t{3}});
        for (size_t i = 0; i < v.roc.size(); ++i)
          a.mutable_at(i, 0) = v.roc[i].threshold, a.mutable_at(i, 1) = v.roc[i].far, a.mutable_at(i, 2) = v.roc[i].tar;
        return a;
      }, "(K, 3) array of threshold, FAR, TAR");
  m.def("verification_metrics", &arcface::verification_metrics, py::arg("scores"), py::arg("same"),
        py::arg("fars") = std::vector<double>{1e-3, 1e-2}, "ROC, AUC, EER, TAR@FAR and the best threshold.");
  py::class_<arcface::KFoldResult>(m, "KFoldResult")
      .def_readonly("accuracy", &arcface::KFoldResult::accuracy)
      .def_readonly("threshold", &arcface::KFoldResult::threshold)
      .def_readonly("mean", &arcface::KFoldResult::mean)
      .def_readonly("std", &arcface::KFoldResult::std);
  m.def("kfold_accuracy", &arcface::kfold_accuracy, py::arg("scores"), py::arg("same"), py::arg("fold"),
        py::arg("num_folds"), "The LFW K-fold protocol: threshold from the other folds, accuracy on each fold.");
  py::class_<arcface::LfwReport>(m, "LfwReport", "What evaluate_lfw measures (see the C++ LfwReport).")
      .def_readonly("protocol", &arcface::LfwReport::protocol)
      .def_readonly("pairs", &arcface::LfwReport::pairs)
      .def_readonly("images", &arcface::LfwReport::images)
      .def_readonly("undetected", &arcface::LfwReport::undetected)
      .def_readonly("skipped_pairs", &arcface::LfwReport::skipped_pairs)
      .def_readonly("accuracy", &arcface::LfwReport::accuracy)
      .def_readonly("accuracy_std", &arcface::LfwReport::accuracy_std)
      .def_readonly("threshold", &arcface::LfwReport::threshold)
      .def_readonly("train_accuracy", &arcface::LfwReport::train_accuracy)
      .def_readonly("kfold", &arcface::LfwReport::kfold)
      .def_readonly("metrics", &arcface::LfwReport::metrics);
  m.def(
      "evaluate_lfw",
      [](const arcface::Pipeline& p, const std::string& pairs, const std::string& images, const std::string& train_pairs,
         const std::string& cache, bool skip_missing, const std::vector<double>& fars) {
        arcface::LfwEvalOptions o;
        o.train_pairs = train_pairs;
        o.embed.cache_file = cache;
        o.skip_missing_images = skip_missing;
        o.fars = fars;
        py::gil_scoped_release nogil;
        return arcface::evaluate_lfw(p, pairs, images, o);
      },
      py::arg("pipeline"), py::arg("pairs"), py::arg("images_dir"), py::arg("train_pairs") = "",
      py::arg("cache_file") = "", py::arg("skip_missing_images") = false,
      py::arg("fars") = std::vector<double>{1e-3, 1e-2},
      "LFW verification: 10-fold for pairs.txt, View 1 with train_pairs, else single-fold.");
  m.def("best_threshold", &arcface::best_threshold, py::arg("scores"), py::arg("same"));
  m.def("verification_accuracy", &arcface::verification_accuracy, py::arg("scores"), py::arg("same"), py::arg("threshold"));
}

}  // namespace pyarcface
