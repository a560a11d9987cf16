#pragma once
// Internal declarations that more than one of the library's modules (separate shared libraries),
// or its tests, use: exported between ARCFACE_INTERNAL_BEGIN and ARCFACE_INTERNAL_END although they
// are not public API (no header under include/, no compatibility promise).

#define ARCFACE_INTERNAL_BEGIN _Pragma("GCC visibility push(default)")
#define ARCFACE_INTERNAL_END _Pragma("GCC visibility pop")
