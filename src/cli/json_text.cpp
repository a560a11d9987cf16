// Compact, readable JSON for the CLI: floats to 6 significant digits, records on one line.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cli_common.hpp"

namespace arcface::cli {

namespace {

std::string number(const json& j) {
  if (!j.is_number_float()) return j.dump();
  const double v = j.get<double>();
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// How deeply objects nest in j: 0 for scalars and arrays of them, 1 for a flat record, ...
int level(const json& j) {
  int inner = 0;
  if (j.is_object() || j.is_array())
    for (const auto& v : j) inner = std::max(inner, level(v));
  return j.is_object() ? inner + 1 : inner;
}

std::string inline_text(const json& j) {
  if (j.is_object()) {
    std::string s = "{";
    bool first = true;
    for (const auto& [k, v] : j.items()) s += (first ? "" : ", ") + json(k).dump() + ": " + inline_text(v), first = false;
    return s + "}";
  }
  if (j.is_array()) {
    std::string s = "[";
    bool first = true;
    for (const auto& v : j) s += (first ? "" : ", ") + inline_text(v), first = false;
    return s + "]";
  }
  return number(j);
}

// The top-level object has one key per line; an array of records one record per line; a record
// (an object nesting at most one more level of objects, such as a face with its candidates) and
// anything without records stays on one line.
std::string block(const json& j, int depth) {
  const int l = level(j);
  if (!(j.is_object() || j.is_array()) || j.empty() || (depth > 0 && (l == 0 || (j.is_object() && l <= 2))))
    return inline_text(j);
  const std::string pad(static_cast<std::size_t>(2 * (depth + 1)), ' '), end_pad(static_cast<std::size_t>(2 * depth), ' ');
  std::string s = j.is_object() ? "{\n" : "[\n";
  bool first = true;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) s += (first ? "" : ",\n") + pad + json(k).dump() + ": " + block(v, depth + 1), first = false;
  } else {
    for (const auto& v : j) s += (first ? "" : ",\n") + pad + block(v, depth + 1), first = false;
  }
  return s + "\n" + end_pad + (j.is_object() ? "}" : "]");
}

}  // namespace

std::string json_text(const json& j) { return block(j, 0); }

}  // namespace arcface::cli
