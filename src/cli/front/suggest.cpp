// "Did you mean ...?" for mistyped subcommands and options.
#include <algorithm>
#include <cstring>

#include "app.hpp"

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
  auto commands_of = [](const CLI::App* a) {
    std::vector<std::string> names;
    for (const CLI::App* sub : a->get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
    return names;
  };
  const CLI::App* current = &app;  // the deepest (sub)command named so far
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      const std::string name = arg.substr(0, arg.find('='));
      bool known = false;
      std::vector<std::string> names;
      for (const CLI::App* a = current; a; a = a->get_parent()) {
        known = known || known_option(a, name);
        const auto more = long_names(a);
        names.insert(names.end(), more.begin(), more.end());
      }
      if (known) continue;
      const std::string best = closest(name, names);
      return best.empty() ? "" : "unknown option '" + name + "'; did you mean '" + best + "'?";
    }
    if (arg[0] == '-') continue;
    const auto commands = commands_of(current);
    if (commands.empty()) continue;  // a positional argument of the command
    if (std::find(commands.begin(), commands.end(), arg) != commands.end()) {
      current = current->get_subcommand(arg);
      continue;
    }
    const std::string best = closest(arg, commands);
    if (!best.empty()) return "unknown command '" + arg + "'; did you mean '" + best + "'?";
  }
  return "";
}

}  // namespace arcface::cli
