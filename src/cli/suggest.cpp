// "Did you mean ...?" for mistyped subcommands and options.
#include <algorithm>
#include <cstring>

#include "cli/cli_common.hpp"

namespace arcface::cli {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The closest candidate within about a third of the word's length (at least 1, at most 3 edits).
std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::min<std::size_t>(3, std::max<std::size_t>(1, word.size() / 3)) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

std::vector<std::string> long_names(const CLI::App* app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : app->get_options())
    for (const auto& n : o->get_lnames()) out.push_back("--" + n);
  return out;
}

bool known_option(const CLI::App* app, const std::string& name) {
  const auto names = long_names(app);
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string did_you_mean(const CLI::App& app, int argc, const char* const* argv) {
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) commands.push_back(sub->get_name());
  const CLI::App* current = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      const std::string name = arg.substr(0, arg.find('='));
      if ((current && known_option(current, name)) || known_option(&app, name)) continue;
      std::vector<std::string> names = long_names(&app);
      if (current) {
        const auto more = long_names(current);
        names.insert(names.end(), more.begin(), more.end());
      }
      const std::string best = closest(name, names);
      if (!best.empty()) return "unknown option '" + name + "'; did you mean '" + best + "'?";
      return "";
    }
    if (arg[0] == '-' || current) continue;
    if (std::find(commands.begin(), commands.end(), arg) != commands.end()) {
      current = app.get_subcommand(arg);
      continue;
    }
    const std::string best = closest(arg, commands);
    if (!best.empty()) return "unknown command '" + arg + "'; did you mean '" + best + "'?";
  }
  return "";
}

}  // namespace arcface::cli
