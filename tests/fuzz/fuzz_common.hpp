#pragma once
// Helpers of the libFuzzer harnesses (scripts/fuzz.sh builds and runs them).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/files.hpp"

namespace fuzz {

/// The readers under test take file names: each input is written to one file in /dev/shm.
inline std::string write_input(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/dev/shm/arcface-fuzz-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

/// The input followed by its checksum, so that the fuzzer reaches the parser behind the check.
inline std::string with_checksum(const std::uint8_t* data, std::size_t size) {
  arcface::detail::Checksum sum;
  sum.update(data, size);
  const std::uint64_t h = sum.finish();
  std::string s(reinterpret_cast<const char*>(data), size);
  s.append(reinterpret_cast<const char*>(&h), 8);
  return s;
}

}  // namespace fuzz
