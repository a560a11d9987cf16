#include "arcface/similarity.hpp"

#include <string>

#include "arcface/error.hpp"

namespace arcface {

float Similarity::cosine(const Eigen::Ref<const Eigen::RowVectorXf>& a, const Eigen::Ref<const Eigen::RowVectorXf>& b) {
  if (a.size() != b.size())
    throw InputError("cosine of vectors of different lengths (" + std::to_string(a.size()) + " and " +
                     std::to_string(b.size()) + ")");
  const float na = a.norm(), nb = b.norm();
  if (a.size() == 0 || na == 0.f || nb == 0.f) throw InputError("cosine of an empty or zero vector");
  return a.dot(b) / (na * nb);
}

Embeddings Similarity::matrix(const Embeddings& a, const Embeddings& b, bool normalize) {
  if (a.cols() != b.cols())
    throw InputError("similarity matrix of embeddings of different sizes (" + std::to_string(a.cols()) + " and " +
                     std::to_string(b.cols()) + ")");
  if (!normalize) {
    Embeddings out(a.rows(), b.rows());
    out.noalias() = a * b.transpose();
    return out;
  }
  const Embeddings an = a.rowwise().normalized();
  const Embeddings bn = b.rowwise().normalized();
  Embeddings out(a.rows(), b.rows());
  out.noalias() = an * bn.transpose();
  return out;
}

Verification Similarity::verify(const Eigen::Ref<const Eigen::RowVectorXf>& a,
                                const Eigen::Ref<const Eigen::RowVectorXf>& b, float threshold) {
  Verification v;
  v.similarity = cosine(a, b);
  v.threshold = threshold;
  v.same = v.similarity >= threshold;
  return v;
}

}  // namespace arcface
