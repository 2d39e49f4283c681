#pragma once
// Nearest hubs: great-circle distance from a point (usually a place found by search_places) to
// every hub, filtered by country and service, best first.
//
// Order: information hubs (hub_type "info_hub") first when distances are close, related services
// (shelters, COMAR, returnee centres, ...) after. Precisely, results are sorted by distance, plus
// info_hub_preference_km for related services: a related service comes before an information hub
// only when it is more than that much closer. Ties go to the nearer hub, then to file order.
//
// "Across the border": the point and the country filter are independent, so a user in Tapachula
// (MX) asking for GT gets Guatemalan hubs, nearest first.
//
// Pure and thread-safe (reads only the immutable Directory).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "directory/directory.hpp"

namespace ventanilla::directory {

// Mean Earth radius used for every distance (IUGG mean radius R1, rounded to 0.1 km).
inline constexpr double kEarthRadiusKm = 6371.0;

// Great-circle distance in km between two WGS84 points (degrees), by the haversine formula on a
// sphere of kEarthRadiusKm: within 0.5 % of the ellipsoidal distance, ample for "which is nearer".
double haversine_km(double lat1, double lon1, double lat2, double lon2) noexcept;

struct NearestOptions {
  std::string country;    // only hubs in this ISO2 country; empty for any
  std::string service;    // only hubs offering this service code; empty for any (an unknown
                          // code matches nothing)
  std::size_t limit = 5;  // most results; 0 returns nothing
  double info_hub_preference_km = 25.0;
  int stale_after_years = 3;  // a source_date older than this many years (365.2425 days each),
                              // or none at all, makes the hub stale
  std::optional<std::chrono::sys_days> today;  // reference date for staleness; unset: now (UTC)
};

struct HubMatch {
  const Hub* hub = nullptr;  // into the Directory searched
  double distance_km = 0;
  bool approximate = false;  // confidence is not "confirmed": the point is the town, not the office
  bool stale = false;        // source_date missing or older than stale_after_years
  bool related = false;      // a related service, not an information hub
};

// Hubs nearest to (lat, lon), at most options.limit, in the order described above. Empty when the
// point is not a finite coordinate within ±90/±180.
std::vector<HubMatch> nearest_hubs(const Directory& directory, double lat, double lon,
                                   const NearestOptions& options);

}  // namespace ventanilla::directory
