#pragma once
// The p-th quantile (0..1) of a sample by nearest rank, for the in-process benchmarks' figures.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace ventanilla::bench {

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::lround(p * static_cast<double>(v.size() - 1)));
  return v[std::min(i, v.size() - 1)];
}

}  // namespace ventanilla::bench
