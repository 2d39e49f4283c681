#include "http/metrics.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ventanilla::http {

namespace {
constexpr std::array<double, 15> kDefaultBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                0.005,  0.01,    0.025,  0.05,  0.1,
                                                0.25,   0.5,     1.0,    2.5,   10.0};

void append_labels(std::string& out, std::string_view labels, std::string_view extra) {
  if (labels.empty() && extra.empty()) return;
  out += '{';
  out += labels;
  if (!labels.empty() && !extra.empty()) out += ',';
  out += extra;
  out += '}';
}
}  // namespace

std::span<const double> Histogram::default_bounds() noexcept { return kDefaultBounds; }

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double seconds) noexcept {
  std::size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  const double micros = seconds > 0 ? std::round(seconds * 1e6) : 0.0;
  sum_micros_.fetch_add(static_cast<std::uint64_t>(micros), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le =
        i < bounds_.size() ? fmt::format("le=\"{}\"", bounds_[i]) : std::string("le=\"+Inf\"");
    out += name;
    out += "_bucket";
    append_labels(out, labels, le);
    fmt::format_to(std::back_inserter(out), " {}\n", cumulative);
  }
  out += name;
  out += "_sum";
  append_labels(out, labels, {});
  fmt::format_to(std::back_inserter(out), " {}\n",
                 static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
  out += name;
  out += "_count";
  append_labels(out, labels, {});
  fmt::format_to(std::back_inserter(out), " {}\n", cumulative);
}

ServerMetrics::ServerMetrics(std::vector<std::string> route_names)
    : route_names_(std::move(route_names)),
      per_route_(std::make_unique<PerRoute[]>(route_names_.size() + 1)) {}

void ServerMetrics::record_request(std::size_t route_index, unsigned status,
                                   double seconds) noexcept {
  if (route_index > route_names_.size()) route_index = route_names_.size();
  PerRoute& r = per_route_[route_index];
  r.by_status[status < kStatusSlots ? status : 0].fetch_add(1, std::memory_order_relaxed);
  r.latency.observe(seconds);
}

void ServerMetrics::record_shed(ShedReason reason) noexcept {
  shed_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
}

void ServerMetrics::record_shed(ShedClass shed_class) noexcept {
  shed_by_class_[static_cast<std::size_t>(shed_class)].fetch_add(1, std::memory_order_relaxed);
  record_shed(ShedReason::kInflight);
}

std::uint64_t ServerMetrics::requests(std::size_t route_index, unsigned status) const noexcept {
  if (route_index > route_names_.size() || status >= kStatusSlots) return 0;
  return per_route_[route_index].by_status[status].load(std::memory_order_relaxed);
}

std::uint64_t ServerMetrics::shed(ShedReason reason) const noexcept {
  return shed_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
}

std::uint64_t ServerMetrics::shed(ShedClass shed_class) const noexcept {
  return shed_by_class_[static_cast<std::size_t>(shed_class)].load(std::memory_order_relaxed);
}

void ServerMetrics::render(std::string& out) const {
  auto route_name = [this](std::size_t i) -> std::string_view {
    return i < route_names_.size() ? std::string_view(route_names_[i]) : "unmatched";
  };
  out += "# HELP ventanilla_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE ventanilla_http_requests_total counter\n";
  for (std::size_t i = 0; i <= route_names_.size(); ++i) {
    for (unsigned s = 0; s < kStatusSlots; ++s) {
      const auto n = per_route_[i].by_status[s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      fmt::format_to(std::back_inserter(out),
                     "ventanilla_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                     route_name(i), s, n);
    }
  }
  out +=
      "# HELP ventanilla_http_request_duration_seconds Time from request read to response "
      "written, by route.\n";
  out += "# TYPE ventanilla_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i <= route_names_.size(); ++i) {
    if (per_route_[i].latency.count() == 0 && i == route_names_.size()) continue;
    per_route_[i].latency.render(out, "ventanilla_http_request_duration_seconds",
                                 fmt::format("route=\"{}\"", route_name(i)));
  }
  out += "# HELP ventanilla_http_open_connections Client connections currently open.\n";
  out += "# TYPE ventanilla_http_open_connections gauge\n";
  fmt::format_to(std::back_inserter(out), "ventanilla_http_open_connections {}\n",
                 open_connections());
  out +=
      "# HELP ventanilla_http_inflight Requests being handled now, on every listener sharing "
      "the in-flight budget.\n";
  out += "# TYPE ventanilla_http_inflight gauge\n";
  fmt::format_to(std::back_inserter(out), "ventanilla_http_inflight {}\n", inflight());
  // One series per class for in-flight sheds (their sum is what reason="inflight" alone used to
  // be, so sum(...{reason="inflight"}) keeps its meaning); connections have no class.
  out +=
      "# HELP ventanilla_http_shed_total Requests shed under load (by shed class; USSD gets its "
      "end-of-session apology, the rest 503) or connections refused with 503.\n";
  out += "# TYPE ventanilla_http_shed_total counter\n";
  for (const ShedClass c : {ShedClass::kAdmin, ShedClass::kSms, ShedClass::kUssd}) {
    fmt::format_to(std::back_inserter(out),
                   "ventanilla_http_shed_total{{reason=\"inflight\",class=\"{}\"}} {}\n",
                   to_string(c), shed(c));
  }
  fmt::format_to(std::back_inserter(out),
                 "ventanilla_http_shed_total{{reason=\"connections\"}} {}\n",
                 shed(ShedReason::kConnections));
}

}  // namespace ventanilla::http
