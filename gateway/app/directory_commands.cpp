#include "app/directory_commands.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "config/config.hpp"
#include "directory/directory.hpp"
#include "directory/nearest_hubs.hpp"
#include "directory/place_search.hpp"
#include "storage/database.hpp"
#include "storage/directory_store.hpp"
#include "storage/hub_status_store.hpp"
#include "storage/sqlite_error.hpp"

namespace ventanilla::app {

namespace {

using directory::Directory;
using directory::HubMatch;
using directory::PlaceMatch;

constexpr std::size_t kDefaultLimit = 5;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "ventanilla directory: %s\n\n%s", message.c_str(),
               usage("directory").c_str());
  return kExitUsage;
}

std::optional<std::string> option(const CommandLine& cl, const std::string& name) {
  const auto it = cl.options.find(name);
  if (it == cl.options.end()) return std::nullopt;
  return it->second;
}

bool parse_limit(const std::string& text, std::size_t& limit) {
  unsigned long value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value == 0 || value > directory::kMaxSearchLimit) {
    return false;
  }
  limit = value;
  return true;
}

bool parse_degrees(const std::string& text, double max_abs, double& out) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value) || std::abs(value) > max_abs) {
    return false;
  }
  out = value;
  return true;
}

std::string upper(std::string s) {
  for (auto& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

std::string join_words(const std::vector<std::string>& words, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += words[i];
  }
  return out;
}

// Loads the stored directory through a read-only connection: a lookup never creates or migrates
// a database. Prints the problem and returns nullptr (exit 1).
std::shared_ptr<const Directory> load(const config::Config& cfg) {
  std::error_code ec;
  if (!std::filesystem::exists(cfg.storage.path, ec)) {
    std::fprintf(stderr, "ventanilla directory: no database at %s; run 'ventanilla import' first\n",
                 cfg.storage.path.c_str());
    return nullptr;
  }
  storage::OpenOptions options;
  options.read_only = true;
  options.busy_timeout_ms = cfg.storage.busy_timeout_ms;
  auto db = storage::Database::open(cfg.storage.path, options);
  if (!db) {
    std::fprintf(stderr, "ventanilla directory: %s\n", db.error().message().c_str());
    return nullptr;
  }
  try {
    if (storage::directory_is_empty(*db)) {
      std::fprintf(stderr,
                   "ventanilla directory: the directory in %s is empty; run 'ventanilla import' "
                   "first\n",
                   cfg.storage.path.c_str());
      return nullptr;
    }
  } catch (const storage::SqliteError& e) {
    std::fprintf(stderr, "ventanilla directory: %s: %s\n", cfg.storage.path.c_str(), e.what());
    return nullptr;
  }
  auto data = storage::load_directory(*db);
  if (!data) {
    std::fprintf(stderr, "ventanilla directory: %s\n", data.error().message().c_str());
    return nullptr;
  }
  try {
    storage::remove_retired_hubs(*db, *data);  // answers as the server would
  } catch (const storage::SqliteError& e) {
    std::fprintf(stderr, "ventanilla directory: %s: %s\n", cfg.storage.path.c_str(), e.what());
    return nullptr;
  }
  return Directory::build(std::move(*data));
}

double round_to(double value, double step) { return std::round(value / step) * step; }

boost::json::object place_json(const Directory& dir, const PlaceMatch& m) {
  const directory::Place& p = *m.place;
  boost::json::object o;
  o["id"] = p.id;
  o["name"] = p.name;
  o["label"] = m.label;
  o["admin1"] = dir.admin1_display_name(p);
  o["admin1_code"] = p.admin1_code;
  o["admin2"] = dir.admin2_display_name(p);
  o["country"] = p.country;
  o["lat"] = p.lat;
  o["lon"] = p.lon;
  if (p.population) {
    o["population"] = *p.population;
  } else {
    o["population"] = nullptr;
  }
  o["feature_code"] = p.feature_code;
  o["score"] = round_to(m.score, 0.001);
  o["kind"] = directory::to_string(m.kind);
  o["matched"] = m.matched_name;
  return o;
}

boost::json::object hub_json(const HubMatch& m) {
  const directory::Hub& h = *m.hub;
  boost::json::object o;
  o["id"] = h.id;
  o["name"] = h.name;
  o["type"] = h.hub_type;
  o["country"] = h.country;
  o["admin1"] = h.admin1;
  o["municipality"] = h.municipality;
  o["distance_km"] = round_to(m.distance_km, 0.1);
  boost::json::array services;
  for (const auto& s : h.services) services.emplace_back(s);
  o["services"] = std::move(services);
  o["approximate"] = m.approximate;
  o["stale"] = m.stale;
  o["related"] = m.related;
  o["address"] = h.address;
  o["phone"] = h.phone;
  o["hours"] = h.hours;
  o["source_date"] = h.source_date;
  o["source_url"] = h.source_url;
  o["lat"] = h.lat;
  o["lon"] = h.lon;
  return o;
}

// Boost.JSON 1.81 writes every double in exponent form (14.64072 as 1.464072E1); numbers here are
// for people as much as for programs, so doubles are written in fmt's shortest round-trip form.
void write_json(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      fmt::format_to(std::back_inserter(out), "{}", v.get_double());
      return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_json(out, e);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += boost::json::serialize(boost::json::string_view(key));
        out += ':';
        write_json(out, value);
      }
      out += '}';
      return;
    }
    default:
      out += boost::json::serialize(v);
      return;
  }
}

void print_json(const boost::json::array& array) {
  std::string text;
  write_json(text, array);
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void print_places(const Directory& dir, const std::vector<PlaceMatch>& matches) {
  std::printf("%3s  %-44s %-22s %-2s %10s %11s  %-9s %5s\n", "#", "place", "admin1", "cc", "lat",
              "lon", "match", "score");
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const auto& m = matches[i];
    const std::string admin1(dir.admin1_display_name(*m.place));
    const std::string kind(directory::to_string(m.kind));
    // fmt pads by code points, so accented names stay aligned.
    fmt::print("{:>3}  {:<44} {:<22} {:<2} {:>10.5f} {:>11.5f}  {:<9} {:>5.3f}\n", i + 1, m.label,
               admin1, m.place->country, m.place->lat, m.place->lon, kind, m.score);
    if (m.matched_name != m.place->name) fmt::print("{:5}(matched \"{}\")\n", "", m.matched_name);
  }
}

void print_hubs(const std::vector<HubMatch>& matches) {
  fmt::print("{:>3}  {:>8}  {:<2} {:<24} {}\n", "#", "km", "cc", "type", "hub");
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const auto& m = matches[i];
    const auto& h = *m.hub;
    std::string flags;
    if (m.approximate) flags += " [approximate location]";
    if (m.stale)
      flags += h.source_date.empty() ? " [undated source]" : " [source " + h.source_date + "]";
    fmt::print("{:>3}  {:>8.1f}  {:<2} {:<24} {}{}\n", i + 1, m.distance_km, h.country, h.hub_type,
               h.name, flags);
    fmt::print("{:15}{}, {} · id {}\n", "", h.municipality, h.admin1, h.id);
    if (!h.services.empty()) {
      std::string services;
      for (const auto& s : h.services) services += (services.empty() ? "" : " ") + s;
      fmt::print("{:15}services: {}\n", "", services);
    }
    if (!h.address.empty()) fmt::print("{:15}address: {}\n", "", h.address);
    if (!h.phone.empty()) fmt::print("{:15}phone: {}\n", "", h.phone);
    if (!h.hours.empty()) fmt::print("{:15}hours: {}\n", "", h.hours);
  }
}

struct Common {
  config::Config cfg;
  std::string country;
  std::string admin1;
  std::size_t limit = kDefaultLimit;
  bool json = false;
};

// Options both subverbs share. Returns an exit code when usage is bad.
std::optional<int> parse_common(const CommandLine& cl, Common& out) {
  if (auto c = option(cl, "--country")) {
    out.country = upper(*c);
    if (out.country.size() != 2) return usage_error("--country takes an ISO code such as GT");
  }
  if (auto a = option(cl, "--admin1")) {
    if (out.country.empty()) return usage_error("--admin1 needs --country");
    out.admin1 = *a;
  }
  if (auto l = option(cl, "--limit"); l && !parse_limit(*l, out.limit)) {
    return usage_error(
        fmt::format("--limit takes a whole number from 1 to {}", directory::kMaxSearchLimit));
  }
  out.json = cl.has("--json");
  auto cfg = load_configuration(cl);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message().c_str());
    return kExitUsage;
  }
  out.cfg = std::move(*cfg);
  return std::nullopt;
}

// Unknown country or admin1 codes are usage errors, but only the loaded data can tell.
std::optional<int> check_codes(const Directory& dir, const Common& c) {
  if (!c.country.empty() && dir.country(c.country) == nullptr) {
    return usage_error(fmt::format("unknown country '{}'", c.country));
  }
  if (!c.admin1.empty() && dir.admin1(c.country, c.admin1) == nullptr) {
    return usage_error(fmt::format("unknown admin1 code '{}' in {}", c.admin1, c.country));
  }
  return std::nullopt;
}

int run_search(const CommandLine& cl) {
  for (const char* o : {"--place", "--lat", "--lon", "--service"}) {
    if (cl.has(o)) return usage_error(fmt::format("{} is for 'directory nearest'", o));
  }
  const std::string query = join_words(cl.positionals, 1);
  if (query.empty()) return usage_error("search needs a QUERY");
  Common c;
  if (auto exit = parse_common(cl, c)) return *exit;
  const auto dir = load(c.cfg);
  if (!dir) return kExitFailure;
  if (auto exit = check_codes(*dir, c)) return *exit;

  directory::SearchOptions options;
  options.country = c.country;
  options.admin1 = c.admin1;
  options.limit = c.limit;
  const auto matches = directory::search_places(*dir, query, options);
  if (matches.empty()) {
    std::fprintf(stderr, "ventanilla directory: no place matches '%s'%s\n", query.c_str(),
                 c.country.empty() ? "" : fmt::format(" in {}", c.country).c_str());
    if (c.json) print_json({});
    return kExitFailure;
  }
  if (c.json) {
    boost::json::array array;
    for (const auto& m : matches) array.emplace_back(place_json(*dir, m));
    print_json(array);
  } else {
    print_places(*dir, matches);
  }
  return kExitOk;
}

// The place --place names: the best match in --country (and --admin1) unless the best match in
// all countries is strictly better, so a town across the border is found by its own name.
const PlaceMatch* pick_origin(const std::vector<PlaceMatch>& in_country,
                              const std::vector<PlaceMatch>& anywhere) {
  if (in_country.empty()) return anywhere.empty() ? nullptr : &anywhere.front();
  if (anywhere.empty() || in_country.front().score >= anywhere.front().score) {
    return &in_country.front();
  }
  return &anywhere.front();
}

int run_nearest(const CommandLine& cl) {
  if (cl.positionals.size() > 1) {
    return usage_error("nearest takes no QUERY; use --place QUERY or --lat X --lon Y");
  }
  const auto place = option(cl, "--place");
  const auto lat_text = option(cl, "--lat");
  const auto lon_text = option(cl, "--lon");
  if (place && (lat_text || lon_text)) return usage_error("use --place or --lat/--lon, not both");
  if (!place && !(lat_text && lon_text)) {
    return usage_error("nearest needs --place QUERY or both --lat and --lon");
  }
  if (!place && cl.has("--admin1")) return usage_error("--admin1 narrows --place");
  double lat = 0;
  double lon = 0;
  if (lat_text && !parse_degrees(*lat_text, 90, lat)) {
    return usage_error("--lat takes decimal degrees from -90 to 90");
  }
  if (lon_text && !parse_degrees(*lon_text, 180, lon)) {
    return usage_error("--lon takes decimal degrees from -180 to 180");
  }
  if (place && place->empty()) return usage_error("--place needs a QUERY");
  Common c;
  if (auto exit = parse_common(cl, c)) return *exit;
  const std::string service = option(cl, "--service").value_or("");
  const auto dir = load(c.cfg);
  if (!dir) return kExitFailure;
  if (auto exit = check_codes(*dir, c)) return *exit;
  if (!service.empty() && dir->service(service) == nullptr) {
    return usage_error(fmt::format("unknown service code '{}'", service));
  }

  std::vector<PlaceMatch> in_country;
  std::vector<PlaceMatch> anywhere;
  const PlaceMatch* origin = nullptr;
  if (place) {
    directory::SearchOptions options;
    options.limit = 1;
    if (!c.country.empty()) {
      options.country = c.country;
      options.admin1 = c.admin1;
      in_country = directory::search_places(*dir, *place, options);
    }
    if (c.admin1.empty()) {
      options.country.clear();
      options.admin1.clear();
      anywhere = directory::search_places(*dir, *place, options);
    }
    origin = pick_origin(in_country, anywhere);
    if (origin == nullptr) {
      std::fprintf(stderr, "ventanilla directory: no place matches '%s'\n", place->c_str());
      if (c.json) print_json({});
      return kExitFailure;
    }
    lat = origin->place->lat;
    lon = origin->place->lon;
  }

  directory::NearestOptions options;
  options.country = c.country;
  options.service = service;
  options.limit = c.limit;
  const auto hubs = directory::nearest_hubs(*dir, lat, lon, options);
  if (!c.json) {
    if (origin != nullptr) {
      fmt::print("From {} ({}, {}) at {:.5f}, {:.5f} [{} match]\n", origin->label,
                 dir->admin1_display_name(*origin->place), origin->place->country, lat, lon,
                 directory::to_string(origin->kind));
    } else {
      fmt::print("From {:.5f}, {:.5f}\n", lat, lon);
    }
  }
  if (hubs.empty()) {
    std::fprintf(stderr, "ventanilla directory: no hub%s%s\n",
                 c.country.empty() ? "" : fmt::format(" in {}", c.country).c_str(),
                 service.empty() ? "" : fmt::format(" offers '{}'", service).c_str());
    if (c.json) print_json({});
    return kExitFailure;
  }
  if (c.json) {
    boost::json::array array;
    for (const auto& m : hubs) array.emplace_back(hub_json(m));
    print_json(array);
  } else {
    print_hubs(hubs);
  }
  return kExitOk;
}

}  // namespace

int run_directory(const CommandLine& cl) {
  if (cl.positionals.empty()) return usage_error("expected 'search QUERY' or 'nearest'");
  const std::string& sub = cl.positionals.front();
  if (sub == "search") return run_search(cl);
  if (sub == "nearest") return run_nearest(cl);
  return usage_error(fmt::format("unknown subcommand '{}'", sub));
}

}  // namespace ventanilla::app
