#include "inbound/effects.hpp"

#include <fmt/format.h>

#include <string>

#include "storage/session_store.hpp"

namespace ventanilla::inbound {

bool queue_sms(storage::Database& db, std::string_view idempotency_key, std::string_view subscriber,
               const privacy::PhoneNumber& phone, const privacy::Pseudonymizer& pseudonymizer,
               std::string_view body, std::string_view route, std::int64_t now_ms,
               std::string_view usage_dims) {
  storage::OutboxMessage message{std::string(idempotency_key),
                                 std::string(subscriber),
                                 pseudonymizer.seal(phone, idempotency_key),
                                 std::string(body),
                                 std::string(route),
                                 now_ms,
                                 std::string(usage_dims)};
  return storage::enqueue_sms(db, message);
}

std::size_t apply_effects(storage::Database& db, std::span<const dialog::Effect> effects,
                          std::string_view key_prefix, std::string_view subscriber,
                          const privacy::PhoneNumber* phone,
                          const privacy::Pseudonymizer& pseudonymizer, std::string_view route,
                          std::int64_t now_ms, std::string_view usage_dims) {
  std::size_t queued = 0;
  for (std::size_t i = 0; i < effects.size(); ++i) {
    const auto& e = effects[i];
    switch (e.kind) {
      case dialog::Effect::Kind::kRememberLanguage:
        storage::remember_language(db, subscriber, e.language, now_ms);
        break;
      case dialog::Effect::Kind::kOptOut:
        storage::set_opted_out(db, subscriber, true, now_ms);
        break;
      case dialog::Effect::Kind::kSendHubSms:
        if (phone == nullptr) break;
        if (queue_sms(db, fmt::format("{}:effect{}", key_prefix, i), subscriber, *phone,
                      pseudonymizer, e.body, route, now_ms, usage_dims)) {
          ++queued;
        }
        break;
    }
  }
  return queued;
}

std::string usage_dims(std::string_view channel, const dialog::State& state) {
  const std::string& country = state.country.empty() ? state.detected_country : state.country;
  return std::string(channel) + "|" + country + "|" + state.language + "|" + state.service;
}

}  // namespace ventanilla::inbound
