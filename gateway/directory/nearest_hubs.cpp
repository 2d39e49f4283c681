#include "directory/nearest_hubs.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ventanilla::directory {

namespace {

constexpr double kRad = std::numbers::pi / 180.0;

// Haversine on precomputed radians and cos(latitude): the per-hub part of the formula.
double distance_km(double lat1, double lon1, double cos_lat1, double lat2, double lon2,
                   double cos_lat2) noexcept {
  const double s_lat = std::sin((lat2 - lat1) / 2);
  const double s_lon = std::sin((lon2 - lon1) / 2);
  const double h = std::min(1.0, s_lat * s_lat + cos_lat1 * cos_lat2 * s_lon * s_lon);
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(h));
}

bool country_matches(const Hub& hub, const std::string& country) {
  return country.empty() || hub.country == country;
}

}  // namespace

double haversine_km(double lat1, double lon1, double lat2, double lon2) noexcept {
  const double a = lat1 * kRad;
  const double b = lat2 * kRad;
  return distance_km(a, lon1 * kRad, std::cos(a), b, lon2 * kRad, std::cos(b));
}

std::vector<HubMatch> nearest_hubs(const Directory& directory, double lat, double lon,
                                   const NearestOptions& options) {
  std::vector<HubMatch> out;
  if (!std::isfinite(lat) || !std::isfinite(lon) || std::abs(lat) > 90 || std::abs(lon) > 180 ||
      options.limit == 0) {
    return out;
  }
  std::uint64_t service_bit = 0;
  if (!options.service.empty()) {
    service_bit = directory.service_bit(options.service);
    if (service_bit == 0) return out;
  }
  const auto today = options.today.value_or(
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  const std::int64_t stale_before =
      today.time_since_epoch().count() - std::llround(options.stale_after_years * 365.2425);
  const double margin = std::max(0.0, options.info_hub_preference_km);

  const double lat_rad = lat * kRad;
  const double lon_rad = lon * kRad;
  const double cos_lat = std::cos(lat_rad);
  const auto& hubs = directory.hubs();
  const auto& points = directory.hub_points();

  struct Ranked {
    double key;
    double distance;
    std::size_t index;
  };
  std::vector<Ranked> ranked;
  ranked.reserve(hubs.size());
  for (std::size_t i = 0; i < hubs.size(); ++i) {
    const auto& p = points[i];
    if (!country_matches(hubs[i], options.country)) continue;
    if (service_bit != 0 && (p.services & service_bit) == 0) continue;
    const double d = distance_km(lat_rad, lon_rad, cos_lat, p.lat_rad, p.lon_rad, p.cos_lat);
    ranked.push_back({p.info_hub ? d : d + margin, d, i});
  }
  auto before = [](const Ranked& a, const Ranked& b) {
    if (a.key != b.key) return a.key < b.key;
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.index < b.index;
  };
  const std::size_t n = std::min(options.limit, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end(),
                    before);

  out.reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    const auto i = ranked[r].index;
    const Hub& h = hubs[i];
    const auto day = points[i].source_day;
    HubMatch m;
    m.hub = &h;
    m.distance_km = ranked[r].distance;
    m.approximate = h.confidence != "confirmed";
    m.stale = day == Directory::kUnknownDay || day < stale_before;
    m.related = !points[i].info_hub;
    out.push_back(m);
  }
  return out;
}

}  // namespace ventanilla::directory
