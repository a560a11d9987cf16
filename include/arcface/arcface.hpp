#pragma once
/// @file arcface.hpp
/// Umbrella header: everything the library offers.

#include "arcface/aligner.hpp"
#include "arcface/cluster.hpp"
#include "arcface/detector.hpp"
#include "arcface/embedder.hpp"
#include "arcface/error.hpp"
#include "arcface/eval.hpp"
#include "arcface/face.hpp"
#include "arcface/gallery.hpp"
#include "arcface/image.hpp"
#include "arcface/models.hpp"
#include "arcface/npy.hpp"
#include "arcface/pipeline.hpp"
#include "arcface/quality.hpp"
#include "arcface/similarity.hpp"
#include "arcface/tracker.hpp"
#include "arcface/tsne.hpp"
#include "arcface/version.hpp"
#include "arcface/video.hpp"
#include "arcface/viz.hpp"
