// Place search and nearest-hub lookups over the full data/ directory, in process.
//
// Prints figures only (no pass/fail): CSV load, Directory build, the snapshot's memory, place
// search latency per query over a mixed query set (median, p90, p99, max, and by kind), and
// nearest-hub latency per call. Targets from issue 3: search median <= 50 us and p99 <= 500 us,
// nearest hubs <= 10 us.
//
// Usage: directory_bench [DATA_DIR] (default: the source tree's data/). Run it from a Release
// build: tests/bench/directory_bench.sh does.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "directory/directory.hpp"
#include "directory/directory_files.hpp"
#include "directory/nearest_hubs.hpp"
#include "directory/place_search.hpp"
#include "directory/text_fold.hpp"
#include "percentile.hpp"

namespace {

using namespace ventanilla::directory;
using Clock = std::chrono::steady_clock;
using ventanilla::bench::percentile;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }
double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Query {
  std::string category;
  std::string country;
  std::string text;
};

// One random edit (delete, transpose, substitute or insert) inside the longest ASCII word.
std::string misspell(const std::string& name, std::mt19937& rng) {
  std::size_t best_start = 0;
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < name.size();) {
    std::size_t j = i;
    while (j < name.size() && std::isalpha(static_cast<unsigned char>(name[j]))) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j + 1;
  }
  if (best_len < 5) return name;
  std::string out = name;
  const std::size_t at = best_start + 1 + rng() % (best_len - 2);
  switch (rng() % 4) {
    case 0:
      out.erase(at, 1);
      break;
    case 1:
      std::swap(out[at], out[at + 1]);
      break;
    case 2:
      out[at] = static_cast<char>('a' + rng() % 26);
      break;
    default:
      out.insert(at, 1, static_cast<char>('a' + rng() % 26));
      break;
  }
  return out;
}

std::vector<Query> make_queries(const Directory& dir, std::size_t n) {
  std::mt19937 rng(20250611);
  const auto& places = dir.places();
  const auto& aliases = dir.aliases();
  std::vector<Query> out;
  const std::vector<std::string> absurd = {"a",
                                           "'; DROP TABLE places;--",
                                           std::string(500, 'x'),
                                           "\U0001F600\U0001F600",
                                           "san",
                                           "de la",
                                           "1234",
                                           "\" OR 1=1 --",
                                           "zzzzzzzz"};
  std::size_t absurd_i = 0;
  while (out.size() < n) {
    const Place& p = places[rng() % places.size()];
    const auto roll = rng() % 100;
    if (roll < 40) {
      out.push_back({"exact", p.country, p.name});
    } else if (roll < 60) {
      out.push_back({"misspelled", p.country, misspell(p.ascii_name, rng)});
    } else if (roll < 72) {
      const std::string folded = fold(p.ascii_name);
      const std::size_t len = std::min<std::size_t>(folded.size(), 4 + rng() % 5);
      out.push_back({"prefix", p.country, folded.substr(0, len)});
    } else if (roll < 82 && !aliases.empty()) {
      const Alias& a = aliases[rng() % aliases.size()];
      out.push_back({"alias", a.country, a.alias});
    } else if (roll < 88) {
      // Name plus its admin1, words reversed: "chiapas pedro san".
      std::string text = std::string(dir.admin1_display_name(p)) + " " + p.ascii_name;
      out.push_back({"reordered+admin1", p.country, text});
    } else if (roll < 95) {
      out.push_back({"no-country", "", p.ascii_name});
    } else {
      out.push_back({"absurd", "MX", absurd[absurd_i++ % absurd.size()]});
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string data_dir = argc > 1 ? argv[1] : VENTANILLA_SOURCE_DIR "/data";

  const auto t0 = Clock::now();
  auto data = load_directory_files(data_dir);
  const auto t1 = Clock::now();
  if (!data) {
    std::fprintf(stderr, "directory_bench: %s\n", data.error().message().c_str());
    return 1;
  }
  const std::size_t place_count = data->places.size();
  const std::size_t hub_count = data->hubs.size();

  std::vector<double> build_ms;
  std::shared_ptr<const Directory> dir;
  long rss_growth = 0;
  for (int i = 0; i < 5; ++i) {
    dir.reset();
    const long rss_before = rss_kib();
    DirectoryData copy = *data;
    const auto b0 = Clock::now();
    dir = Directory::build(std::move(copy));
    build_ms.push_back(millis(Clock::now() - b0));
    // Records and indexes; later builds reuse memory the previous snapshot freed.
    if (i == 0) rss_growth = rss_kib() - rss_before;
  }
  *data = DirectoryData{};  // only the snapshot stays in memory

  fmt::print("directory bench: {} ({} places, {} hubs)\n", data_dir, place_count, hub_count);
  fmt::print("  load + validate CSV files     {:9.1f} ms\n", millis(t1 - t0));
  fmt::print("  build Directory (median of 5) {:9.1f} ms\n", percentile(build_ms, 0.5));
  fmt::print(
      "  memory of the snapshot        {:9.1f} MiB estimated ({:.1f} MiB RSS growth: copy + "
      "build)\n",
      static_cast<double>(dir->memory_bytes()) / (1024.0 * 1024.0),
      static_cast<double>(rss_growth) / 1024.0);

  // ---- place search ----
  const auto queries = make_queries(*dir, 2000);
  constexpr int kRounds = 10;
  SearchOptions options;
  options.limit = 5;
  std::size_t sink = 0;
  for (const auto& q : queries) {  // warm-up: per-thread scratch, caches
    options.country = q.country;
    sink += search_places(*dir, q.text, options).size();
  }
  std::vector<double> all;
  std::map<std::string, std::vector<double>> by_category;
  std::vector<std::vector<double>> per_query(queries.size());
  std::size_t empty_results = 0;
  for (int r = 0; r < kRounds; ++r) {
    for (std::size_t qi = 0; qi < queries.size(); ++qi) {
      const Query& q = queries[qi];
      options.country = q.country;
      const auto s0 = Clock::now();
      const auto results = search_places(*dir, q.text, options);
      const double us = micros(Clock::now() - s0);
      all.push_back(us);
      by_category[q.category].push_back(us);
      per_query[qi].push_back(us);
      sink += results.size();
      if (r == 0 && results.empty()) ++empty_results;
    }
  }
  fmt::print("  place search: {} queries x {} rounds, limit 5 ({} queries found nothing)\n",
             queries.size(), kRounds, empty_results);
  fmt::print("    {:<18} {:>6} {:>9} {:>9} {:>9} {:>9}\n", "", "n", "median", "p90", "p99", "max");
  auto row = [](const std::string& name, const std::vector<double>& v) {
    fmt::print("    {:<18} {:>6} {:>7.1f}us {:>7.1f}us {:>7.1f}us {:>7.1f}us\n", name, v.size(),
               percentile(v, 0.5), percentile(v, 0.9), percentile(v, 0.99), percentile(v, 1.0));
  };
  row("all (target 50/500)", all);
  for (const auto& [name, v] : by_category) row(name, v);
  // The slowest queries by their median over the rounds (a single slow run is usually the OS).
  std::vector<std::pair<double, std::size_t>> slowest;
  for (std::size_t qi = 0; qi < queries.size(); ++qi) {
    slowest.emplace_back(percentile(per_query[qi], 0.5), qi);
  }
  std::sort(slowest.rbegin(), slowest.rend());
  fmt::print("    slowest queries (median over rounds):\n");
  for (std::size_t i = 0; i < 5 && i < slowest.size(); ++i) {
    const Query& q = queries[slowest[i].second];
    fmt::print("      {:>7.1f}us  [{}] {} \"{}\"\n", slowest[i].first,
               q.country.empty() ? "--" : q.country, q.category, q.text.substr(0, 40));
  }

  // ---- nearest hubs ----
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> lat(8.0, 33.0);
  std::uniform_real_distribution<double> lon(-118.0, -82.5);
  const std::vector<std::string> countries = {"", "MX", "GT", "BZ", "SV", "HN", "CR"};
  const std::vector<std::string> services = {"",       "",        "info",
                                             "asylum", "lodging", "shelter_referral"};
  std::vector<double> nearest_us;
  NearestOptions nearest;
  nearest.limit = 5;
  for (int i = 0; i < 200000; ++i) {
    nearest.country = countries[rng() % countries.size()];
    nearest.service = services[rng() % services.size()];
    const double a = lat(rng);
    const double b = lon(rng);
    const auto n0 = Clock::now();
    const auto hubs = nearest_hubs(*dir, a, b, nearest);
    const double us = micros(Clock::now() - n0);
    if (i >= 1000) nearest_us.push_back(us);  // the first ones warm up
    sink += hubs.size();
  }
  fmt::print("  nearest hubs: {} calls over {} hubs, limit 5 (target 10 us)\n", nearest_us.size(),
             hub_count);
  row("per call", nearest_us);
  fmt::print("  (checksum {})\n", sink);
  return 0;
}
