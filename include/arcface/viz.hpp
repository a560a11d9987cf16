#pragma once
/// @file viz.hpp
/// Pictures of results: similarity grids, t-SNE maps, detection overlays. All functions return
/// BGR CV_8UC3 images and are thread-safe (no shared state).

#include "arcface/export.hpp"
#include <string>
#include <vector>

#include <Eigen/Core>
#include <opencv2/core.hpp>

#include "arcface/metrics.hpp"
#include "arcface/face.hpp"

ARCFACE_API_BEGIN
namespace arcface::viz {

struct GridOptions {
  /// Clip the colour scale to [0, 1] as the ArcFace article does (negative cosines look like 0);
  /// false: the scale spans [-1, 1].
  bool clip = true;
  /// Side of one cell in pixels; 0 chooses it from N so the picture stays between about 600 and
  /// 4000 pixels wide (text stays readable up to 60+ faces).
  int cell = 0;
  /// Outline the cells of pairs with the same label.
  bool mark_same = true;
  /// Print the value in each cell.
  bool values = true;
  std::string title;
  /// Names printed on the faces along the top and down the left; empty: the labels.
  std::vector<std::string> names;
};

/// The article's similarity table: the faces along the top and down the left, each cell coloured
/// by the cosine similarity (viridis, with a legend) and printed with its value.
/// @param faces N aligned face crops (BGR CV_8UC3, any size; shown square)
/// @param similarity N x N matrix (e.g. Similarity::matrix of their embeddings)
/// @param labels N identity labels (may be empty strings: identity unknown) — cells with equal
///        non-empty labels are outlined when options.mark_same
/// @throws InputError when sizes disagree, N < 1 or a face is not CV_8UC3.
cv::Mat similarity_grid(const std::vector<cv::Mat>& faces, const Eigen::MatrixXf& similarity,
                        const std::vector<std::string>& labels, const GridOptions& options = {});

/// Pixel size similarity_grid gives for @p n faces with @p options (width, height).
cv::Size similarity_grid_size(int n, const GridOptions& options = {});

struct MapOptions {
  int size = 1600;       ///< width of the picture; the height follows the map's aspect ratio
  int thumbnail = 0;     ///< side of a face thumbnail; 0: from N (96 for few points, 20 for thousands)
  std::string title;
};

/// A 2-D map (e.g. from tsne) with each face drawn at its position, framed in its label's colour,
/// and a legend of the labels in a column to the right of the map (up to 40 labels). The map keeps
/// the aspect ratio of the coordinates and the picture's height follows it (between 0.4 and 1 of
/// the map's width, at least the legend's height). @p faces may be empty (points are drawn instead).
/// @throws InputError when sizes disagree.
cv::Mat embedding_map(const Eigen::MatrixX2f& coords, const std::vector<cv::Mat>& faces,
                      const std::vector<std::string>& labels, const MapOptions& options = {});

/// Boxes, detection scores and the five landmarks drawn on a copy of @p image.
cv::Mat draw_detections(const cv::Mat& image, const std::vector<Face>& faces);

/// A ROC curve as a picture: TAR against FAR on a log-scale FAR axis (1e-4 .. 1), the TAR axis
/// from a round value below the curve up to 1; the EER point and the TAR@FAR points marked (a ring
/// when too few impostor pairs resolve that FAR: an upper bound) and explained in a legend; the
/// FARs below 1 / impostor pairs shaded. BGR CV_8UC3 of @p size (at least 480 x 360).
cv::Mat draw_roc(const VerificationMetrics& metrics, const std::string& title, cv::Size size = {720, 540});

/// A distinct colour for label number @p i (BGR).
cv::Scalar label_colour(int i);

}  // namespace arcface::viz
ARCFACE_API_END
