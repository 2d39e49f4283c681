#pragma once
// Prometheus text-format metrics, lock-free on the recording side: every counter is an atomic, so
// network threads record without contention and /metrics renders a consistent-enough snapshot.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/load_gauge.hpp"

namespace ventanilla::http {

// Cumulative histogram with fixed upper bounds (seconds). Thread-safe.
class Histogram {
 public:
  // Latency buckets from 100 µs to 10 s: USSD hops are sub-millisecond, commits a few ms.
  static std::span<const double> default_bounds() noexcept;

  explicit Histogram(std::span<const double> bounds = default_bounds());
  void observe(double seconds) noexcept;
  // Appends `name_bucket{labels,le="…"} N` lines, `_sum` and `_count`. `labels` is either empty
  // or `key="value",...` without braces.
  void render(std::string& out, std::string_view name, std::string_view labels) const;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1 (the +Inf bucket)
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

// kInflight: requests refused because too much work was in flight (counted by ShedClass too);
// kConnections: connections refused at accept beyond limits.max_connections.
enum class ShedReason : std::uint8_t { kInflight, kConnections };

// The HTTP server's own metrics. Route indexes are those of the Router; index `route_count`
// stands for requests that matched no route (or failed before routing).
class ServerMetrics {
 public:
  explicit ServerMetrics(std::vector<std::string> route_names);

  std::size_t unmatched_index() const noexcept { return route_names_.size(); }
  void record_request(std::size_t route_index, unsigned status, double seconds) noexcept;
  void connection_opened() noexcept { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() noexcept { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  // For connection refusals; a request shed for load is recorded with its class below.
  void record_shed(ShedReason reason) noexcept;
  // A request of `shed_class` refused because too much work was in flight.
  void record_shed(ShedClass shed_class) noexcept;
  // The gauge rendered as ventanilla_http_inflight. Call before serving (the server's
  // constructor does); not synchronised with render().
  void show_load(std::shared_ptr<const LoadGauge> load) noexcept { load_ = std::move(load); }
  // Requests in flight on the shown gauge (0 when none is shown).
  std::uint32_t inflight() const noexcept { return load_ ? load_->current() : 0; }
  std::int64_t open_connections() const noexcept {
    return open_connections_.load(std::memory_order_relaxed);
  }
  std::uint64_t requests(std::size_t route_index, unsigned status) const noexcept;
  std::uint64_t shed(ShedReason reason) const noexcept;  // kInflight: every class together
  std::uint64_t shed(ShedClass shed_class) const noexcept;

  void render(std::string& out) const;

 private:
  static constexpr unsigned kStatusSlots = 600;
  struct PerRoute {
    std::array<std::atomic<std::uint64_t>, kStatusSlots> by_status{};
    Histogram latency;
  };
  std::vector<std::string> route_names_;
  std::unique_ptr<PerRoute[]> per_route_;  // route_names_.size() + 1
  std::atomic<std::int64_t> open_connections_{0};
  std::array<std::atomic<std::uint64_t>, 2> shed_{};
  std::array<std::atomic<std::uint64_t>, kShedClassCount> shed_by_class_{};
  std::shared_ptr<const LoadGauge> load_;
};

}  // namespace ventanilla::http
