// The menu engine's share of a USSD hop, in process: the shipped menus over the full data/, every
// hop as run_ussd_hop runs it (read the stored state, step, store the state), no HTTP, no SQLite.
//
// Prints figures only (no pass/fail): per walk, the time per hop (median, p99, max) and per whole
// walk; then one line over every hop. The walks are what callers do:
//   town     the benchmark's USSD session (tests/bench/ussd_session.lua): country, need, where,
//            a typed town, the first place, the first hub, "send me this by SMS";
//   browse   a typed town, then the list paged forward and back, a wrong number, "back" to the
//            prompt and a second town, then a place;
//   area     a department picked from the list instead of a typed town, then a hub.
// Towns rotate through a fixed list (exact names, misspellings, nothing found).
//
// Usage: engine_bench [ROUNDS] (default 2000 walks of each kind). Run it from a Release build:
// tests/bench/engine_bench.sh does.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/menu_files.hpp"
#include "dialog/dialog_state.hpp"
#include "dialog/engine.hpp"
#include "dialog/menu_set.hpp"
#include "directory/directory.hpp"
#include "directory/directory_files.hpp"
#include "percentile.hpp"

namespace {

namespace dialog = ventanilla::dialog;
using ventanilla::bench::percentile;
namespace directory = ventanilla::directory;
using Clock = std::chrono::steady_clock;

constexpr std::array<std::string_view, 8> kTowns = {
    "xela",  "quetzaltenango", "huehuetenango", "san pedro",
    "coban", "esquipulas",     "quetzaltenago", "zzqqxxww"};

struct Walk {
  std::string name;
  std::vector<std::string> inputs;  // after the first screen (language remembered: country)
};

std::vector<Walk> walks_for(std::string_view town, std::string_view second_town) {
  const std::string t(town);
  const std::string t2(second_town);
  return {
      {"town", {"1", "1", "2", t, "1", "1", "1"}},
      {"browse", {"1", "1", "2", t, "98", "99", "77", "0", t2, "1"}},
      {"area", {"1", "1", "1", "5", "1"}},
  };
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 2000;
  if (argc > 1) {
    const std::string_view arg(argv[1]);
    const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), rounds);
    if (ec != std::errc() || end != arg.data() + arg.size()) rounds = 0;
  }
  if (rounds <= 0) {
    std::fprintf(stderr, "usage: engine_bench [ROUNDS > 0]\n");
    return 2;
  }
  const std::filesystem::path source(VENTANILLA_SOURCE_DIR);
  auto files = ventanilla::app::read_menu_dir((source / "menus").string());
  if (!files) {
    std::fprintf(stderr, "engine_bench: %s\n", files.error().message().c_str());
    return 1;
  }
  auto build = dialog::MenuSet::build(std::move(*files));
  if (!build.menus) {
    std::fprintf(stderr, "engine_bench: menus/ does not build\n");
    return 1;
  }
  auto loaded = directory::load_directory_files((source / "data").string());
  if (!loaded) {
    std::fprintf(stderr, "engine_bench: data/ does not load\n");
    return 1;
  }
  const auto dir = directory::Directory::build(std::move(*loaded));
  const dialog::Context context{*build.menus,
                                *dir,
                                {182, ventanilla::text::EncodingPolicy::kGsm7},
                                {160, ventanilla::text::EncodingPolicy::kGsm7},
                                std::chrono::sys_days{std::chrono::year{2026} / 11 / 29}};

  const std::size_t kinds = walks_for("", "").size();
  std::vector<std::vector<double>> hop_us(kinds);
  std::vector<std::vector<double>> walk_us(kinds);
  std::vector<std::string> names(kinds);
  std::size_t checksum = 0;  // keeps the work observable
  for (int r = 0; r < rounds; ++r) {
    const auto town = kTowns[static_cast<std::size_t>(r) % kTowns.size()];
    const auto second = kTowns[static_cast<std::size_t>(r + 3) % kTowns.size()];
    const auto walks = walks_for(town, second);
    for (std::size_t k = 0; k < walks.size(); ++k) {
      names[k] = walks[k].name;
      std::string stored = dialog::serialize(dialog::new_session(*build.menus, "es", "GT"));
      const auto walk_start = Clock::now();
      for (const auto& input : walks[k].inputs) {
        const auto start = Clock::now();
        auto state = dialog::deserialize(stored);
        if (!state) {
          std::fprintf(stderr, "engine_bench: a stored state did not read back: %s\n",
                       stored.c_str());
          return 1;
        }
        auto result = dialog::step(context, std::move(*state), input);
        stored = dialog::serialize(result.state);
        hop_us[k].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        checksum += result.screen.text.size();
      }
      walk_us[k].push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - walk_start).count());
    }
  }

  std::printf("menu engine per hop (deserialize, step, serialize), %d walks of each kind\n",
              rounds);
  std::printf("%-8s %8s %10s %10s %10s %12s\n", "walk", "hops", "median", "p99", "max",
              "walk mean");
  std::vector<double> all;
  for (std::size_t k = 0; k < kinds; ++k) {
    double total = 0;
    for (const double w : walk_us[k]) total += w;
    std::printf("%-8s %8zu %8.1fus %8.1fus %8.1fus %10.1fus\n", names[k].c_str(), hop_us[k].size(),
                percentile(hop_us[k], 0.5), percentile(hop_us[k], 0.99), percentile(hop_us[k], 1.0),
                total / static_cast<double>(walk_us[k].size()));
    all.insert(all.end(), hop_us[k].begin(), hop_us[k].end());
  }
  double sum = 0;
  for (const double h : all) sum += h;
  std::printf("%-8s %8zu %8.1fus %8.1fus %8.1fus   mean %.1fus\n", "all hops", all.size(),
              percentile(all, 0.5), percentile(all, 0.99), percentile(all, 1.0),
              sum / static_cast<double>(all.size()));
  std::printf("(%zu bytes of screens)\n", checksum);
  return 0;
}
