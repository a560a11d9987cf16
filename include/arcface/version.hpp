#pragma once
/// @file version.hpp
#define ARCFACE_VERSION_MAJOR 0
#define ARCFACE_VERSION_MINOR 1
#define ARCFACE_VERSION_PATCH 0
#define ARCFACE_VERSION_STRING "0.1.0"

#include "arcface/export.hpp"

ARCFACE_API_BEGIN
namespace arcface {
/// The library version, "MAJOR.MINOR.PATCH".
inline constexpr const char* kVersion = ARCFACE_VERSION_STRING;
}  // namespace arcface
ARCFACE_API_END
