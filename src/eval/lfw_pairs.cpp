// LFW pair files (pairs.txt, pairsDevTrain.txt, pairsDevTest.txt): reading and validation.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "arcface/error.hpp"
#include "arcface/eval.hpp"

namespace fs = std::filesystem;

namespace arcface {

namespace {

std::vector<std::string> split_ws(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

// A non-negative decimal integer up to @p max (no sign, no spaces, no overflow).
int to_int(const std::string& s, const std::string& where, int max = 2147483647) {
  bool digits = !s.empty();
  for (char c : s) digits = digits && c >= '0' && c <= '9';
  if (!digits) throw IoError(where + ": '" + s + "' is not a non-negative integer");
  long long v = 0;
  for (char c : s) v = std::min<long long>(v * 10 + (c - '0'), 1LL << 40);  // saturates: no overflow
  if (v > max) throw IoError(where + ": " + s + " is too large (at most " + std::to_string(max) + ")");
  return static_cast<int>(v);
}

// Pair files list at most this many pairs (LFW's pairs.txt has 6,000).
constexpr long long kMaxPairs = 10'000'000;

}  // namespace

LfwPairs read_lfw_pairs(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw IoError("cannot read LFW pair file '" + path + "': it is a directory");
  std::ifstream in(path);
  if (!in) throw IoError("cannot open LFW pair file '" + path + "'");
  LfwPairs out;
  out.path = path;
  std::string line;
  int lineno = 0;
  std::string first;
  while (std::getline(in, line)) {
    ++lineno;
    if (!split_ws(line).empty()) break;
  }
  const auto head = split_ws(line);
  const std::string where0 = path + ":" + std::to_string(lineno);
  int per_fold = 0;
  if (head.size() == 1) {
    per_fold = to_int(head[0], where0 + " (header)");
  } else if (head.size() == 2) {
    out.folds = to_int(head[0], where0 + " (header)");
    per_fold = to_int(head[1], where0 + " (header)");
  } else {
    throw IoError(where0 + ": bad header '" + line + "' (expected 'N' or 'FOLDS N')");
  }
  if (out.folds <= 0 || per_fold <= 0) throw IoError(where0 + ": header declares no pairs");
  if (2LL * out.folds * per_fold > kMaxPairs)
    throw IoError(where0 + ": header announces " + std::to_string(2LL * out.folds * per_fold) +
                  " pairs, more than the " + std::to_string(kMaxPairs) + " a pair file may hold");
  for (int fold = 0; fold < out.folds; ++fold) {
    for (int k = 0; k < 2 * per_fold; ++k) {
      if (!std::getline(in, line))
        throw IoError(path + ": ends after line " + std::to_string(lineno) + ", but the header announces " +
                      std::to_string(out.folds) + " x " + std::to_string(2 * per_fold) + " pairs");
      ++lineno;
      const std::string where = path + ":" + std::to_string(lineno);
      const auto t = split_ws(line);
      LfwPair p;
      p.fold = fold;
      p.line = lineno;
      p.same = k < per_fold;
      if (p.same) {
        if (t.size() != 3) throw IoError(where + ": expected 'NAME N1 N2' for a same-person pair, got '" + line + "'");
        p.name1 = p.name2 = t[0];
        p.number1 = to_int(t[1], where);
        p.number2 = to_int(t[2], where);
      } else {
        if (t.size() != 4)
          throw IoError(where + ": expected 'NAME1 N1 NAME2 N2' for a different-person pair, got '" + line + "'");
        p.name1 = t[0];
        p.number1 = to_int(t[1], where);
        p.name2 = t[2];
        p.number2 = to_int(t[3], where);
      }
      out.pairs.push_back(std::move(p));
    }
  }
  while (std::getline(in, line)) {
    ++lineno;
    if (!split_ws(line).empty())
      throw IoError(path + ":" + std::to_string(lineno) + ": unexpected line after the announced pairs");
  }
  return out;
}


}  // namespace arcface
