#include "inbound/ussd_hop.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "inbound/effects.hpp"
#include "inbound/usage_count.hpp"
#include "storage/session_store.hpp"

namespace ventanilla::inbound {

std::vector<std::string_view> split_ussd_text(std::string_view text) {
  std::vector<std::string_view> tokens;
  if (text.empty()) return tokens;
  std::size_t start = 0;
  for (;;) {
    const auto star = text.find('*', start);
    tokens.push_back(text.substr(start, star - start));
    if (star == std::string_view::npos) break;
    start = star + 1;
  }
  return tokens;
}

std::string hop_dedupe_key(std::string_view session_id, std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw std::runtime_error("EVP_MD_CTX_new failed");
  const unsigned char separator = 0;
  const bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, session_id.data(), session_id.size()) == 1 &&
                  EVP_DigestUpdate(ctx, &separator, 1) == 1 &&
                  EVP_DigestUpdate(ctx, text.data(), text.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest.data(), &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::string detect_country(const directory::Directory& directory, std::string_view network_code,
                           const privacy::PhoneNumber& phone, std::string_view fallback) {
  if (network_code.size() >= 3) {
    if (const auto* c = directory.country_by_mcc(network_code.substr(0, 3))) return c->iso2;
  }
  if (const auto* c = directory.country_for_number(phone.digits())) return c->iso2;
  return std::string(fallback);
}

std::string hop_language(storage::Database& db, const UssdHopContext& context,
                         const UssdHopInput& input, std::int64_t now_ms) {
  const auto session = storage::load_session(db, context.settings.carrier, input.session_id);
  if (session && !session->ended && session->expires_ms >= now_ms) {
    if (auto state = dialog::deserialize(session->state); state && !state->language.empty())
      return state->language;
  }
  return storage::load_subscriber(db, input.subscriber.value()).language.value_or(std::string());
}

UssdHopOutcome run_ussd_hop(storage::Database& db, const UssdHopContext& ctx,
                            const UssdHopInput& input, std::int64_t now_ms,
                            std::chrono::sys_days today) {
  const auto& settings = ctx.settings;
  const std::string& carrier = settings.carrier;
  UssdHopOutcome outcome;
  const std::string dedupe_key = hop_dedupe_key(input.session_id, input.text);
  if (auto stored = storage::find_stored_reply(db, carrier, dedupe_key, now_ms)) {
    outcome.body = std::move(*stored);
    outcome.replayed = true;
    return outcome;
  }

  const dialog::Context dctx{ctx.menus, ctx.directory, settings.screen, settings.sms, today};
  const std::string subscriber(input.subscriber.value());
  auto session = storage::load_session(db, carrier, input.session_id);
  dialog::State state;
  std::int64_t consumed = 0;
  std::int64_t created_ms = now_ms;
  bool live = false;
  if (session && !session->ended && session->expires_ms >= now_ms) {
    if (auto restored = dialog::deserialize(session->state)) {
      state = std::move(*restored);
      consumed = session->consumed;
      created_ms = session->created_ms;
      live = true;
    }
  }
  const auto tokens = split_ussd_text(input.text);
  if (!live) {
    const auto settings_row = storage::load_subscriber(db, subscriber);
    std::string detected = input.phone != nullptr
                               ? detect_country(ctx.directory, input.network_code, *input.phone,
                                                settings.default_country)
                               : settings.default_country;
    // A shortcut string (*123*1*2#) means the same for every caller: it walks from the first
    // screen, whether or not a language is remembered.
    state = dialog::new_session(ctx.menus, tokens.empty() ? settings_row.language.value_or("") : "",
                                detected);
    // The same session id after our timeout: its text still carries the inputs the old session
    // consumed, and replaying them from a new start would land the caller on screens they never
    // chose. Show the start (or the resume offer) and consume them.
    const bool expired_same_session = session.has_value();
    // A caller who dropped out mid-walk (network lost, timeout) is offered to continue — but
    // not when they dialled a shortcut string, which says where they want to go.
    if (tokens.empty() || expired_same_session) {
      if (expired_same_session) {
        state = dialog::new_session(ctx.menus, settings_row.language.value_or(""), detected);
      }
      const std::int64_t since = now_ms - settings.resume_window.count();
      std::optional<storage::StoredSession> previous;
      if (session && !session->ended && session->updated_ms >= since) {
        previous = session;  // the same session id, expired: resume it too
      } else {
        previous =
            storage::find_resumable_session(db, subscriber, since, carrier, input.session_id);
      }
      if (previous) {
        auto old = dialog::deserialize(previous->state);
        if (old && !old->ended && old->node != state.node && !old->country.empty()) {
          old->detected_country = state.detected_country;
          state = dialog::offer_resume(std::move(*old));
        }
        storage::end_session(db, previous->carrier, previous->session_key);
      }
    }
    consumed = expired_same_session ? static_cast<std::int64_t>(tokens.size()) : 0;
  }

  // New inputs: those after the ones already consumed. A carrier that sends only the last input
  // (not the cumulative text) still works: its one token is the new input.
  std::vector<std::string_view> fresh;
  if (static_cast<std::int64_t>(tokens.size()) > consumed) {
    const auto first = tokens.begin() + consumed;
    const auto count = std::min(static_cast<std::size_t>(tokens.end() - first), kMaxAnswersPerHop);
    fresh.assign(first, first + static_cast<std::ptrdiff_t>(count));
  } else if (live && !tokens.empty()) {
    fresh.push_back(tokens.back());
  }

  const std::string node_before = live ? state.node : std::string();
  dialog::StepResult result;
  std::vector<dialog::Effect> effects;
  if (fresh.empty()) {
    result = dialog::show(dctx, std::move(state));
  } else {
    for (const auto token : fresh) {
      result = dialog::step(dctx, std::move(state), token);
      state = result.state;
      for (auto& e : result.effects) effects.push_back(std::move(e));
      if (result.screen.end) break;
    }
  }

  outcome.sms_queued =
      apply_effects(db, effects, fmt::format("{}:{}", carrier, dedupe_key), subscriber, input.phone,
                    ctx.pseudonymizer, settings.sms_route.empty() ? carrier : settings.sms_route,
                    now_ms, usage_dims("ussd", result.state));

  const auto& final_state = result.state;
  count_step(db, "ussd", now_ms, ctx.menus, !live, node_before, final_state);
  storage::StoredSession row;
  row.carrier = carrier;
  row.session_key = input.session_id;
  row.subscriber = subscriber;
  row.state = dialog::serialize(final_state);
  row.consumed = static_cast<std::int64_t>(tokens.size());
  row.created_ms = created_ms;
  row.updated_ms = now_ms;
  row.expires_ms = now_ms + settings.session_timeout.count();
  row.ended = final_state.ended;
  storage::save_session(db, row);

  auto reply = ctx.protocol.reply(result.screen.text, result.screen.end);
  storage::store_reply(db, carrier, dedupe_key, reply.body, now_ms,
                       now_ms + settings.reply_retention.count());
  outcome.body = std::move(reply.body);
  outcome.end = result.screen.end;
  outcome.language = final_state.language;
  return outcome;
}

}  // namespace ventanilla::inbound
