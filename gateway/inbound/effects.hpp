#pragma once
// What the menu engine asks for besides a screen (remember a language, opt out, send hub details
// by SMS), carried out inside the same transaction as the hop or message that caused it, for
// USSD and SMS alike.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dialog/engine.hpp"
#include "privacy/phone_number.hpp"
#include "privacy/pseudonymizer.hpp"
#include "storage/database.hpp"

namespace ventanilla::inbound {

// Queues `body` for `phone` in the outbox under `idempotency_key`, the number sealed (bound to
// that key). False when the key was queued before (a replay). Throws on storage errors.
// `usage_dims` ("channel|country|language|service") is counted when the carrier accepts it.
bool queue_sms(storage::Database& db, std::string_view idempotency_key, std::string_view subscriber,
               const privacy::PhoneNumber& phone, const privacy::Pseudonymizer& pseudonymizer,
               std::string_view body, std::string_view route, std::int64_t now_ms,
               std::string_view usage_dims = {});

// Applies `effects` in order. `key_prefix` (route and dedupe key of the inbound) makes each
// queued SMS's idempotency key, so a replayed inbound never queues twice. An SMS the caller asked
// for is sent even after an opt-out: they asked for this very message; opt-out stops the rest.
// Returns the number of SMS queued.
std::size_t apply_effects(storage::Database& db, std::span<const dialog::Effect> effects,
                          std::string_view key_prefix, std::string_view subscriber,
                          const privacy::PhoneNumber* phone,
                          const privacy::Pseudonymizer& pseudonymizer, std::string_view route,
                          std::int64_t now_ms, std::string_view usage_dims = {});

// "channel|country|language|service" of a conversation after a step (usage_store.hpp).
std::string usage_dims(std::string_view channel, const dialog::State& state);

}  // namespace ventanilla::inbound
