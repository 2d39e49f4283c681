// The short fuzz run, for ctest under every GCC preset (asan included): replays a target's
// committed corpus, then a fixed number of deterministic mutations of it. It finds far less than
// libFuzzer (no coverage feedback) but it runs everywhere in seconds, keeps every corpus input
// (past crashes included) passing, and exercises each parser under ASan+UBSan on every CI run.
//
// Usage: fuzz_replay TARGET [--mutations N] [--seed S] PATH...   (files or directories)
//        fuzz_replay --expect NAME...    exit 1 unless the registered targets are exactly NAMEs
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fuzz_target.hpp"

namespace {

namespace fs = std::filesystem;
using ventanilla::fuzz::registry;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Byte strings that tend to matter to our parsers: escapes, separators, framing, UTF-8 lead
// bytes, JSON and TOML syntax, USSD navigation, numbers at type limits.
constexpr std::array<std::string_view, 28> kTokens = {"%",
                                                      "%0",
                                                      "%zz",
                                                      "%C3%",
                                                      "&",
                                                      "=",
                                                      std::string_view("\0", 1),
                                                      "\r\n",
                                                      "\n\n",
                                                      "\xff",
                                                      "\xc3",
                                                      "\xf0\x9f",
                                                      "{",
                                                      "}",
                                                      "[",
                                                      "]",
                                                      "\"",
                                                      "\\u0000",
                                                      "*",
                                                      "#",
                                                      "98",
                                                      "00",
                                                      "+",
                                                      "-1",
                                                      "18446744073709551616",
                                                      "1e999",
                                                      "=\"\"\"",
                                                      "\xe2\x80\xae"};

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}

  std::string mutate(const std::vector<std::string>& corpus) {
    std::string s = corpus[below(corpus.size())];
    const std::size_t ops = 1 + below(4);
    for (std::size_t i = 0; i < ops; ++i) apply(s, corpus);
    return s;
  }

 private:
  std::size_t below(std::size_t n) { return n == 0 ? 0 : rng_() % n; }
  char byte() { return static_cast<char>(rng_() & 0xff); }

  void apply(std::string& s, const std::vector<std::string>& corpus) {
    const std::size_t at = below(s.size() + 1);
    switch (below(8)) {
      case 0:  // flip a bit
        if (!s.empty()) s[below(s.size())] ^= static_cast<char>(1u << below(8));
        break;
      case 1:  // replace a byte
        if (!s.empty()) s[below(s.size())] = byte();
        break;
      case 2:  // insert random bytes
        s.insert(at, 1 + below(4), byte());
        break;
      case 3: {  // delete a range
        if (s.empty()) break;
        const std::size_t from = below(s.size());
        s.erase(from, 1 + below(std::min<std::size_t>(16, s.size() - from)));
        break;
      }
      case 4: {  // duplicate a range
        if (s.empty()) break;
        const std::size_t from = below(s.size());
        const std::string piece = s.substr(from, 1 + below(32));
        s.insert(at, piece);
        break;
      }
      case 5:  // insert a token
        s.insert(at, kTokens[below(kTokens.size())]);
        break;
      case 6:  // truncate
        s.resize(below(s.size() + 1));
        break;
      default: {  // splice with another input
        const std::string& other = corpus[below(corpus.size())];
        s = s.substr(0, at) + other.substr(below(other.size() + 1));
        break;
      }
    }
    if (s.size() > 64 * 1024) s.resize(64 * 1024);  // as libFuzzer's -max_len keeps inputs small
  }

  std::mt19937_64 rng_;
};

int expect(const std::vector<std::string>& names) {
  const std::set<std::string> wanted(names.begin(), names.end());
  std::set<std::string> have;
  for (const auto& [name, fn] : registry()) have.insert(name);
  if (wanted == have) return 0;
  for (const auto& n : have)
    if (!wanted.count(n))
      std::cerr << "target " << n << " is not listed in tests/fuzz/CMakeLists.txt\n";
  for (const auto& n : wanted)
    if (!have.count(n)) std::cerr << "listed target " << n << " is not registered by any source\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--expect") return expect({args.begin() + 1, args.end()});
  if (args.empty()) {
    std::cerr << "usage: fuzz_replay TARGET [--mutations N] [--seed S] PATH...\n";
    return 2;
  }
  const auto target = registry().find(args[0]);
  if (target == registry().end()) {
    std::cerr << "fuzz_replay: no target named " << args[0] << "\n";
    return 2;
  }
  std::size_t mutations = 2000;
  std::uint64_t seed = 1;
  std::vector<std::string> corpus;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "--mutations" || args[i] == "--seed") && i + 1 < args.size()) {
      const auto value = std::stoull(args[i + 1]);
      (args[i] == "--seed" ? seed : mutations) = value;
      ++i;
      continue;
    }
    const fs::path path(args[i]);
    if (fs::is_directory(path)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(path))
        if (entry.is_regular_file()) files.push_back(entry.path());
      std::sort(files.begin(), files.end());  // a deterministic order for a deterministic run
      for (const auto& f : files) corpus.push_back(read_all(f));
    } else if (fs::is_regular_file(path)) {
      corpus.push_back(read_all(path));
    } else {
      std::cerr << "fuzz_replay: " << path << " is neither a file nor a directory\n";
      return 2;
    }
  }
  if (corpus.empty()) {
    std::cerr << "fuzz_replay: the corpus of " << args[0] << " is empty\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  target->second(std::string_view());
  for (const auto& input : corpus) target->second(input);
  Mutator mutator(seed);
  for (std::size_t i = 0; i < mutations; ++i) {
    const std::string input = mutator.mutate(corpus);
    target->second(input);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::cout << args[0] << ": " << corpus.size() << " corpus inputs and " << mutations
            << " mutations, no crash, " << ms << " ms\n";
  return 0;
}
