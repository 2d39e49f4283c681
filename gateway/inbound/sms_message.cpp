#include "inbound/sms_message.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dialog/engine.hpp"
#include "dialog/keywords.hpp"
#include "directory/nearest_hubs.hpp"
#include "directory/place_search.hpp"
#include "inbound/effects.hpp"
#include "inbound/usage_count.hpp"
#include "inbound/ussd_hop.hpp"
#include "storage/session_store.hpp"

namespace ventanilla::inbound {

namespace {

// Stored replies distinguish "answered with this text" from "answered with silence" (opted out):
// a replay must repeat either exactly.
constexpr std::string_view kReplyPrefix = "R:";
constexpr std::string_view kSilence = "-";

std::string encode_reply(const std::optional<std::string>& reply) {
  return reply ? std::string(kReplyPrefix) + *reply : std::string(kSilence);
}

std::optional<std::string> decode_reply(const std::string& stored) {
  if (stored.starts_with(kReplyPrefix)) return stored.substr(kReplyPrefix.size());
  return std::nullopt;
}

std::size_t language_index(const dialog::MenuSet& menus, std::string_view code,
                           std::size_t fallback) {
  const int i = menus.language_index(code);
  return i < 0 ? fallback : static_cast<std::size_t>(i);
}

std::string message(const dialog::MenuSet& menus, std::size_t lang, std::string_view id,
                    const text::ScreenLimit& screen) {
  return text::apply_policy(menus.text(lang, id), screen.policy).text;
}

// "CENTRO Tapachula": the nearest hubs to the best match for the town, in one reply. Migrants
// often carry a phone from another country, so the town is searched everywhere, the caller's
// country first.
std::string hub_lookup(const SmsContext& ctx, std::size_t lang, std::string_view town,
                       std::string_view country, std::chrono::sys_days today) {
  const auto& dir = ctx.directory;
  const text::ScreenLimit screen = ctx.settings.screen();
  directory::SearchOptions options;
  options.limit = 1;
  options.country = std::string(country);
  auto matches = directory::search_places(dir, town, options);
  if (matches.empty() || matches.front().score < 0.6) {
    options.country.clear();
    auto anywhere = directory::search_places(dir, town, options);
    if (!anywhere.empty() && (matches.empty() || anywhere.front().score > matches.front().score))
      matches = std::move(anywhere);
  }
  if (matches.empty()) return message(ctx.menus, lang, dialog::messages::kSmsHubNone, screen);
  const directory::Place& place = *matches.front().place;
  directory::NearestOptions nearest;
  nearest.country = place.country;
  nearest.service = "info";
  nearest.limit = 3;
  nearest.today = today;
  auto hubs = directory::nearest_hubs(dir, place.lat, place.lon, nearest);
  if (hubs.empty()) {
    nearest.service.clear();
    hubs = directory::nearest_hubs(dir, place.lat, place.lon, nearest);
  }
  if (hubs.empty()) return message(ctx.menus, lang, dialog::messages::kSmsHubNone, screen);

  const auto& menus = ctx.menus;
  auto line_for = [&](const directory::HubMatch& m) {
    const std::string phone =
        m.hub->phone.empty()
            ? std::string(menus.text(lang, dialog::messages::kHubNoPhone))
            : fmt::format("{} {}", menus.text(lang, dialog::messages::kHubPhone), m.hub->phone);
    return fmt::format("{} ({} km). {}", m.hub->name, std::lround(m.distance_km), phone);
  };
  auto fits = [&screen](const std::string& s) {
    return text::screen_fit(text::text_cost(s), screen).fits();
  };
  std::string reply;
  bool unverified = false;
  for (const auto& m : hubs) {
    std::string candidate = reply.empty() ? line_for(m) : reply + "\n" + line_for(m);
    if (!fits(candidate)) {
      if (reply.empty()) reply = text::truncate_to_fit(candidate, {}, screen);
      break;
    }
    reply = std::move(candidate);
    unverified = unverified || m.approximate || m.stale;
  }
  if (unverified) {
    std::string with =
        reply + "\n" + std::string(menus.text(lang, dialog::messages::kHubUnverified));
    if (fits(with)) reply = std::move(with);
  }
  return text::apply_policy(reply, screen.policy).text;
}

}  // namespace

SmsOutcome run_sms_message(storage::Database& db, const SmsContext& ctx,
                           const SmsMessageInput& input, std::int64_t now_ms,
                           std::chrono::sys_days today) {
  const auto& st = ctx.settings;
  const std::string subscriber(input.subscriber.value());
  SmsOutcome outcome;

  const bool by_id = !input.external_id.empty();
  const std::string key =
      by_id ? "id:" + input.external_id : "content:" + hop_dedupe_key(subscriber, input.text);
  const std::int64_t retention = by_id ? st.reply_retention.count() : st.content_window.count();
  if (auto stored = storage::find_stored_reply(db, st.route, key, now_ms)) {
    outcome.reply = decode_reply(*stored);
    outcome.replayed = true;
    return outcome;
  }

  // A part of a longer message waits (stored, acknowledged, unanswered) for the others; the last
  // one to arrive carries the whole text through the pipeline, once.
  std::string text = input.text;
  if (input.part) {
    auto whole = storage::add_sms_part(db, st.route, subscriber, input.part->ref, input.part->index,
                                       input.part->total, input.text, now_ms);
    if (!whole) {
      storage::store_reply(db, st.route, key, encode_reply(std::nullopt), now_ms,
                           now_ms + retention);
      return outcome;
    }
    text = std::move(*whole);
  }

  const auto settings_row = storage::load_subscriber(db, subscriber);
  const std::string detected =
      input.phone != nullptr
          ? detect_country(ctx.directory, input.network_code, *input.phone, st.default_country)
          : st.default_country;
  const std::size_t default_lang = language_index(ctx.menus, st.default_language, 0);
  std::size_t lang = language_index(ctx.menus, settings_row.language.value_or(""), default_lang);
  const text::ScreenLimit screen = st.screen();
  const dialog::Context dctx{ctx.menus, ctx.directory, screen, screen, today};

  std::optional<std::string> reply;
  std::vector<dialog::Effect> effects;
  auto start_conversation = [&]() {
    const std::string remembered =
        settings_row.language ? *settings_row.language : st.default_language;
    auto r = dialog::show(dctx, dialog::new_session(ctx.menus, remembered, detected));
    return r;
  };
  auto save = [&](const dialog::State& state) {
    storage::StoredSession row;
    row.carrier = st.route;
    row.session_key = subscriber;
    row.subscriber = subscriber;
    row.state = dialog::serialize(state);
    row.created_ms = now_ms;
    row.updated_ms = now_ms;
    row.expires_ms = now_ms + st.conversation_timeout.count();
    row.ended = state.ended;
    storage::save_session(db, row);
  };

  std::string dims;  // usage dimensions of any SMS this message queues
  const auto keyword = dialog::match_keyword(ctx.menus, text);
  if (keyword) {
    // A keyword's answer speaks the language its word was in, unless the sender chose one.
    if (!settings_row.language) lang = keyword->language;
    switch (keyword->keyword) {
      case dialog::Keyword::kStop:
        storage::set_opted_out(db, subscriber, true, now_ms);
        storage::end_session(db, st.route, subscriber);
        reply = message(ctx.menus, lang, dialog::messages::kSmsStopped, screen);
        break;
      case dialog::Keyword::kStart:
        storage::set_opted_out(db, subscriber, false, now_ms);
        reply = message(ctx.menus, lang, dialog::messages::kSmsStarted, screen);
        break;
      case dialog::Keyword::kHelp:
        reply = message(ctx.menus, lang, dialog::messages::kSmsHelp, screen);
        break;
      case dialog::Keyword::kErase:
        storage::erase_subscriber(db, subscriber);
        reply = message(ctx.menus, lang, dialog::messages::kSmsErased, screen);
        break;
      case dialog::Keyword::kMenu:
        if (!settings_row.opted_out) {
          auto r = start_conversation();
          count_step(db, "sms", now_ms, ctx.menus, true, "", r.state);
          save(r.state);
          reply = std::move(r.screen.text);
        }
        break;
      case dialog::Keyword::kHub:
        if (!settings_row.opted_out) {
          reply = keyword->rest.empty()
                      ? message(ctx.menus, lang, dialog::messages::kSmsHubUsage, screen)
                      : hub_lookup(ctx, lang, keyword->rest, detected, today);
          if (!keyword->rest.empty()) {
            count_keyword_lookup(db, "sms", now_ms, detected, ctx.menus.languages()[lang]);
          }
        }
        break;
    }
  } else if (!settings_row.opted_out) {
    // Opted-out senders get silence: opt-out is honoured on every send until START.
    auto session = storage::load_session(db, st.route, subscriber);
    std::optional<dialog::State> state;
    if (session && !session->ended && session->expires_ms >= now_ms) {
      state = dialog::deserialize(session->state);
    }
    const bool new_session = !state.has_value();
    const std::string node_before = state ? state->node : std::string();
    dialog::StepResult r =
        state ? dialog::step(dctx, std::move(*state), text) : start_conversation();
    count_step(db, "sms", now_ms, ctx.menus, new_session, node_before, r.state);
    effects = std::move(r.effects);
    save(r.state);
    reply = std::move(r.screen.text);
    lang = language_index(ctx.menus, r.state.language, lang);
    dims = usage_dims("sms", r.state);
  }
  // Keyword answers have no conversation state: the sender's country and the answer's language.
  if (dims.empty()) dims = "sms|" + detected + "|" + ctx.menus.languages()[lang] + "|";

  const std::string key_prefix = fmt::format("{}:{}", st.route, key);
  outcome.queued = apply_effects(db, effects, key_prefix, subscriber, input.phone,
                                 ctx.pseudonymizer, st.route, now_ms, dims);
  if (reply && !st.replies_inline && input.phone != nullptr &&
      queue_sms(db, key_prefix + ":reply", subscriber, *input.phone, ctx.pseudonymizer, *reply,
                st.route, now_ms, dims)) {
    ++outcome.queued;
  }
  storage::store_reply(db, st.route, key, encode_reply(reply), now_ms, now_ms + retention);
  outcome.reply = std::move(reply);
  outcome.language = ctx.menus.languages()[lang];
  return outcome;
}

}  // namespace ventanilla::inbound
