#pragma once
/// @file export.hpp
/// Symbol visibility. The library is built with hidden visibility: only what the public headers
/// declare between ARCFACE_API_BEGIN and ARCFACE_API_END (and what is marked ARCFACE_EXPORT) is
/// exported from its shared libraries; everything in arcface::detail stays inside.

#if defined(_WIN32)
#define ARCFACE_EXPORT
#define ARCFACE_API_BEGIN
#define ARCFACE_API_END
#else
/// Exports one declaration.
#define ARCFACE_EXPORT __attribute__((visibility("default")))
/// Exports every declaration up to ARCFACE_API_END (the body of each public header).
#define ARCFACE_API_BEGIN _Pragma("GCC visibility push(default)")
#define ARCFACE_API_END _Pragma("GCC visibility pop")
#endif
