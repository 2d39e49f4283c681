#include "dialog/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "dialog/screen_layout.hpp"
#include "directory/nearest_hubs.hpp"
#include "directory/place_search.hpp"
#include "directory/text_fold.hpp"

namespace ventanilla::dialog {

namespace {

using directory::Directory;

constexpr int kStaleAfterYears = 3;

// One numbered line of a screen and what picking it means.
struct Item {
  std::string label;
  std::string value;       // language code, ISO2, admin1 code, place id or hub id
  std::size_t option = 0;  // choice and hub nodes: index into Node::options
};

// A screen before layout.
struct Content {
  std::string title;
  std::string body;
  std::vector<Item> items;
  bool end = false;
};

std::size_t language_index(const MenuSet& menus, const State& state) {
  const int i = menus.language_index(state.language);
  return i < 0 ? 0 : static_cast<std::size_t>(i);
}

std::string_view message(const MenuSet& menus, std::size_t lang, MessageIndex m) {
  return m == kNoMessage ? std::string_view() : std::string_view(menus.text(lang, m));
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// Cuts to at most `max` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return s;
}

std::optional<std::size_t> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  std::size_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string country_label(const Context& ctx, std::size_t lang, const directory::Country& c) {
  std::string id(messages::kCountryPrefix);
  id += c.iso2;
  const std::string_view t = ctx.menus.text(lang, id);
  if (!t.empty()) return std::string(t);
  return ctx.menus.languages()[lang] == "es" ? c.name_es : c.name_en;
}

bool hub_unverified(const Context& ctx, const directory::Hub& hub) {
  if (hub.confidence != "confirmed") return true;
  const std::int32_t day = directory::parse_source_day(hub.source_date);
  if (day == Directory::kUnknownDay) return true;
  const auto today = ctx.today.time_since_epoch().count();
  return static_cast<double>(today - day) > kStaleAfterYears * 365.2425;
}

std::vector<directory::HubMatch> nearest_for(const Context& ctx, const State& state) {
  const directory::Place* place = ctx.directory.place(state.place_id);
  if (place == nullptr) return {};
  directory::NearestOptions options;
  options.country = state.country;
  options.service = state.service;
  options.limit = kMaxListItems;
  options.today = ctx.today;
  auto hubs = directory::nearest_hubs(ctx.directory, place->lat, place->lon, options);
  if (hubs.empty() && !options.service.empty()) {
    // Nobody lists that service here: the nearest hubs can still refer the caller.
    options.service.clear();
    hubs = directory::nearest_hubs(ctx.directory, place->lat, place->lon, options);
  }
  return hubs;
}

std::string hub_details(const Context& ctx, std::size_t lang, const directory::Hub& hub) {
  const MenuSet& m = ctx.menus;
  std::string body = hub.name;
  if (!hub.address.empty()) body += "\n" + hub.address;
  body += '\n';
  if (hub.phone.empty()) {
    body += m.text(lang, messages::kHubNoPhone);
  } else {
    body += fmt::format("{} {}", m.text(lang, messages::kHubPhone), hub.phone);
  }
  if (!hub.hours.empty())
    body += fmt::format("\n{} {}", m.text(lang, messages::kHubHours), hub.hours);
  if (hub_unverified(ctx, hub)) {
    body += '\n';
    body += m.text(lang, messages::kHubUnverified);
  }
  return body;
}

// Hub details for one SMS. What matters most survives when the whole does not fit: the phone
// and the name always; the "not verified, call first" caution before the address and hours,
// because acting on stale details can send someone on a wasted, risky trip. Order of sacrifice:
// footer, hours, then the address shortened, then the caution, then the name shortened.
std::string hub_sms(const Context& ctx, std::size_t lang, const directory::Hub& hub) {
  const MenuSet& m = ctx.menus;
  std::string name = hub.name;
  std::string address = hub.address;
  std::string phone = hub.phone.empty()
                          ? std::string(m.text(lang, messages::kHubNoPhone))
                          : fmt::format("{} {}", m.text(lang, messages::kHubPhone), hub.phone);
  std::string hours = hub.hours.empty()
                          ? std::string()
                          : fmt::format("{} {}", m.text(lang, messages::kHubHours), hub.hours);
  std::string caution = hub_unverified(ctx, hub)
                            ? std::string(m.text(lang, messages::kHubUnverified))
                            : std::string();
  std::string footer(m.text(lang, messages::kSmsFooter));
  auto compose = [&] {
    std::string out;
    for (const std::string* part : {&name, &address, &phone, &hours, &caution, &footer}) {
      if (part->empty()) continue;
      if (!out.empty()) out += '\n';
      out += *part;
    }
    return out;
  };
  auto fits = [&](const std::string& s) {
    return text::screen_fit(text::text_cost(s), ctx.sms).fits();
  };
  // `part` cut (at a word) to what is left beside the rest; empty when not even a word fits.
  auto shorten = [&](std::string& part) {
    if (part.empty()) return;
    std::string saved = std::move(part);
    part.clear();
    const text::TextCost reserved = text::text_cost(compose()) + text::TextCost{1, 1, true};
    part = text::truncate_to_fit(saved, reserved, ctx.sms);
  };
  std::string out = compose();
  if (fits(out)) return out;
  footer.clear();
  if (out = compose(); fits(out)) return out;
  hours.clear();
  if (out = compose(); fits(out)) return out;
  shorten(address);
  if (out = compose(); fits(out)) return out;
  caution.clear();
  address = hub.address;  // more room now: keep more of the address
  shorten(address);
  if (out = compose(); fits(out)) return out;
  shorten(name);
  return compose();
}

// The ids of the places a typed town name finds in `country`, best first.
std::vector<std::string> search_town(const Context& ctx, const std::string& country,
                                     std::string_view query) {
  directory::SearchOptions options;
  options.country = country;
  options.limit = kMaxListItems;
  std::vector<std::string> ids;
  for (const auto& match : directory::search_places(ctx.directory, query, options))
    ids.push_back(match.place->id);
  return ids;
}

Content build_content(const Context& ctx, const State& state) {
  const MenuSet& m = ctx.menus;
  const Directory& dir = ctx.directory;
  const std::size_t lang = language_index(m, state);
  Content c;
  if (state.resume_offered) {
    c.title = m.text(lang, messages::kResumeTitle);
    c.items.push_back({std::string(m.text(lang, messages::kResumeContinue)), "continue", 0});
    c.items.push_back({std::string(m.text(lang, messages::kResumeRestart)), "restart", 0});
    return c;
  }
  const Node& node = m.node(m.find_node(state.node));
  c.title = message(m, lang, node.title);
  switch (node.kind) {
    case NodeKind::kLanguage:
      for (std::size_t l = 0; l < m.languages().size(); ++l) {
        c.items.push_back({std::string(m.text(l, messages::kLanguageName)), m.languages()[l], 0});
      }
      break;
    case NodeKind::kCountry: {
      const auto* detected = dir.country(state.detected_country);
      if (detected != nullptr)
        c.items.push_back({country_label(ctx, lang, *detected), detected->iso2, 0});
      for (const auto& country : dir.countries()) {
        if (&country == detected) continue;
        c.items.push_back({country_label(ctx, lang, country), country.iso2, 0});
      }
      break;
    }
    case NodeKind::kChoice:
    case NodeKind::kHub:
      if (node.kind == NodeKind::kHub) {
        const auto* hub = dir.hub(state.hub_id);
        if (hub != nullptr) c.body = hub_details(ctx, lang, *hub);
      }
      for (std::size_t o = 0; o < node.options.size(); ++o) {
        c.items.push_back({std::string(message(m, lang, node.options[o].label)), {}, o});
      }
      break;
    case NodeKind::kAdmin1: {
      std::vector<std::pair<std::string, const directory::Admin1*>> areas;
      for (const auto& a : dir.admin1_areas()) {
        if (a.country != state.country) continue;
        areas.emplace_back(directory::fold(a.display_name), &a);
      }
      std::sort(areas.begin(), areas.end());
      for (const auto& [key, a] : areas) c.items.push_back({a->display_name, a->code, 0});
      break;
    }
    case NodeKind::kInput:
      break;
    case NodeKind::kPlaces: {
      std::vector<std::string> searched;
      if (!state.place_matches) searched = search_town(ctx, state.country, state.query);
      const auto& matches = state.place_matches ? *state.place_matches : searched;
      std::vector<const directory::Place*> places;
      places.reserve(matches.size());
      for (const auto& id : matches) {
        // A place the directory no longer has (republished since the search) is left out.
        if (const auto* place = dir.place(id)) places.push_back(place);
      }
      auto labels = directory::place_labels(dir, places);
      for (std::size_t i = 0; i < places.size(); ++i)
        c.items.push_back({std::move(labels[i]), places[i]->id, 0});
      if (c.items.empty()) c.body = message(m, lang, node.empty);
      break;
    }
    case NodeKind::kHubs: {
      for (const auto& match : nearest_for(ctx, state)) {
        const long km = std::lround(match.distance_km);
        c.items.push_back({fmt::format("{} {} km", match.hub->name, km), match.hub->id, 0});
      }
      if (c.items.empty()) c.body = message(m, lang, node.empty);
      break;
    }
    case NodeKind::kInfo:
    case NodeKind::kEnd: {
      std::string_view text;
      if (node.per_country && !state.country.empty()) {
        text = m.text(lang, fmt::format("{}.{}", m.message_id(node.text), state.country));
      }
      if (text.empty()) text = message(m, lang, node.text);
      c.body = text;
      c.end = node.kind == NodeKind::kEnd;
      break;
    }
  }
  return c;
}

// The screens on the way from start to home (language, country): "home" is not offered there,
// so going back to them shows them exactly as they were first shown.
bool on_path_to_home(const MenuSet& m, std::string_view node) {
  NodeIndex n = m.start();
  for (std::size_t guard = 0; n != kNoNode && n != m.home() && guard < kMaxHistory; ++guard) {
    if (m.node(n).id == node) return true;
    n = m.node(n).next;
  }
  return false;
}

bool can_go_home(const MenuSet& m, const State& s) {
  return !s.resume_offered && !s.country.empty() && m.home() != kNoNode &&
         s.node != m.node(m.home()).id && !on_path_to_home(m, s.node);
}

// The page of `content` the state asks for (or its last), laid out before encoding.
PageLayout lay_out(const Context& ctx, const State& state, const Content& content,
                   std::string_view hint) {
  const MenuSet& m = ctx.menus;
  const std::size_t lang = language_index(m, state);
  std::vector<std::string> lines;
  lines.reserve(content.items.size());
  for (std::size_t i = 0; i < content.items.size(); ++i)
    lines.push_back(fmt::format("{} {}", i + 1, content.items[i].label));
  const Navigation& nav = m.navigation();
  const std::string next = fmt::format("{} {}", nav.next, m.text(lang, messages::kNavNext));
  const std::string previous =
      fmt::format("{} {}", nav.previous, m.text(lang, messages::kNavPrevious));
  std::string back;
  std::string home;
  if (!content.end) {
    if (!state.history.empty() && !state.resume_offered)
      back = fmt::format("{} {}", nav.back, m.text(lang, messages::kNavBack));
    if (can_go_home(m, state))
      home = fmt::format("{} {}", nav.home, m.text(lang, messages::kNavHome));
  }
  ScreenContent sc;
  // Every page keeps room for the hint (so showing it never moves a page break): it is given on
  // every hop and shown only when there is one.
  sc.hint = hint.empty() ? m.text(lang, messages::kHintInvalid) : hint;
  sc.show_hint = !hint.empty();
  sc.title = content.title;
  sc.body = content.body;
  sc.items = lines;
  sc.next = next;
  sc.previous = previous;
  sc.back = back;
  sc.home = home;
  return layout_page(sc, state.page, ctx.screen);
}

Screen render(const Context& ctx, const State& state, const Content& content,
              std::string_view hint) {
  PageLayout page = lay_out(ctx, state, content, hint);
  auto encoded = text::apply_policy(page.text, ctx.screen.policy);
  Screen screen;
  screen.text = std::move(encoded.text);
  screen.encoding = encoded.encoding;
  screen.units = encoded.units;
  screen.end = content.end;
  screen.page = page.page;
  screen.page_count = page.page_count;
  screen.shortened = page.shortened;
  screen.longest_cut = page.longest_cut;
  return screen;
}

// A state that names nodes this menu version does not have (edited menus) starts over at home,
// or at the start when there is no country yet.
void normalize(const MenuSet& m, State& s) {
  if (m.find_node(s.node) == kNoNode) {
    s.node = m.node(!s.country.empty() && m.home() != kNoNode ? m.home() : m.start()).id;
    s.page = 0;
    s.history.clear();
  }
  std::erase_if(s.history, [&m](const Frame& f) { return m.find_node(f.node) == kNoNode; });
}

void go_to(const Context& ctx, State& s, NodeIndex target, std::vector<Effect>& effects) {
  const MenuSet& m = ctx.menus;
  s.history.push_back({s.node, s.page});
  if (s.history.size() > kMaxHistory) s.history.erase(s.history.begin());
  const Node& node = m.node(target);
  s.node = node.id;
  s.page = 0;
  if (node.kind == NodeKind::kEnd) {
    if (node.action == Action::kOptOut)
      effects.push_back({Effect::Kind::kOptOut, s.language, {}, {}});
    s.ended = true;
    s.query.clear();
    s.place_matches.reset();
    s.history.clear();
  }
}

// The screens from start to home along `next` links: what "back" walks after "home".
std::vector<Frame> path_to_home(const MenuSet& m) {
  std::vector<Frame> path;
  NodeIndex n = m.start();
  while (n != kNoNode && n != m.home() && path.size() < kMaxHistory) {
    path.push_back({m.node(n).id, 0});
    n = m.node(n).next;
  }
  if (n != m.home()) path.clear();
  return path;
}

// The screen of `state`. `shown` is its content when the caller has it already (the state moved
// at most to another page of the same screen), which spares building it twice in one step.
StepResult finish(const Context& ctx, State state, std::vector<Effect> effects,
                  std::string_view hint = {}, const Content* shown = nullptr) {
  Content built;
  if (shown == nullptr) {
    built = build_content(ctx, state);
    shown = &built;
  }
  Screen screen = render(ctx, state, *shown, hint);
  if (state.page >= screen.page_count) state.page = static_cast<std::uint16_t>(screen.page);
  return {std::move(state), std::move(screen), std::move(effects)};
}

}  // namespace

State new_session(const MenuSet& menus, std::string_view remembered_language,
                  std::string_view detected_country) {
  State s;
  s.detected_country = std::string(detected_country);
  s.node = menus.node(menus.start()).id;
  if (!remembered_language.empty() && menus.language_index(remembered_language) >= 0) {
    s.language = std::string(remembered_language);
    const Node& start = menus.node(menus.start());
    if (start.kind == NodeKind::kLanguage && start.next != kNoNode) {
      s.history.push_back({start.id, 0});
      s.node = menus.node(start.next).id;
    }
  }
  return s;
}

State offer_resume(State previous) {
  previous.resume_offered = true;
  previous.ended = false;
  return previous;
}

StepResult show(const Context& ctx, State state) {
  normalize(ctx.menus, state);
  return finish(ctx, std::move(state), {});
}

StepResult step(const Context& ctx, State state, std::string_view raw_input) {
  const MenuSet& m = ctx.menus;
  normalize(m, state);
  std::vector<Effect> effects;
  if (state.ended) return finish(ctx, std::move(state), std::move(effects));
  const std::string input = trim(raw_input);
  const std::size_t lang = language_index(m, state);
  const std::string_view invalid = m.text(lang, messages::kHintInvalid);

  if (state.resume_offered) {
    if (input == "1") {
      state.resume_offered = false;
      return finish(ctx, std::move(state), std::move(effects));
    }
    if (input == "2") {
      State fresh = new_session(m, state.language, state.detected_country);
      return finish(ctx, std::move(fresh), std::move(effects));
    }
    return finish(ctx, std::move(state), std::move(effects), invalid);
  }

  const Navigation& nav = m.navigation();
  if (input == nav.home && can_go_home(m, state)) {
    state.node = m.node(m.home()).id;
    state.page = 0;
    state.history = path_to_home(m);
    return finish(ctx, std::move(state), std::move(effects));
  }
  if (input == nav.back) {
    if (state.history.empty()) return finish(ctx, std::move(state), std::move(effects), invalid);
    Frame f = std::move(state.history.back());
    state.history.pop_back();
    state.node = std::move(f.node);
    state.page = f.page;
    return finish(ctx, std::move(state), std::move(effects));
  }

  // What the caller is answering. Every "invalid" below re-shows it, and paging shows another
  // page of it: those pass it on to finish rather than build it again.
  const Content current = build_content(ctx, state);
  auto invalid_answer = [&] {
    return finish(ctx, std::move(state), std::move(effects), invalid, &current);
  };
  if (input == nav.next || input == nav.previous) {
    const bool forward = input == nav.next;
    const std::size_t page_count = lay_out(ctx, state, current, {}).page_count;
    if (forward ? std::size_t{state.page} + 1 >= page_count : state.page == 0) {
      return invalid_answer();
    }
    state.page = static_cast<std::uint16_t>(forward ? state.page + 1 : state.page - 1);
    return finish(ctx, std::move(state), std::move(effects), {}, &current);
  }

  const Node& node = m.node(m.find_node(state.node));
  if (node.kind == NodeKind::kInput) {
    std::string query = cut_utf8(input, kMaxQueryBytes);
    if (directory::fold(query).size() < 2) {
      return invalid_answer();
    }
    state.place_matches = search_town(ctx, state.country, query);
    state.query = std::move(query);
    go_to(ctx, state, node.next, effects);
    return finish(ctx, std::move(state), std::move(effects));
  }

  const auto number = parse_number(input);
  if (!number || *number < 1 || *number > current.items.size()) {
    return invalid_answer();
  }
  const Item& item = current.items[*number - 1];
  switch (node.kind) {
    case NodeKind::kLanguage:
      state.language = item.value;
      effects.push_back({Effect::Kind::kRememberLanguage, item.value, {}, {}});
      go_to(ctx, state, node.next, effects);
      break;
    case NodeKind::kCountry:
      state.country = item.value;
      go_to(ctx, state, node.next, effects);
      break;
    case NodeKind::kAdmin1: {
      const auto* seat = ctx.directory.admin1_seat(state.country, item.value);
      if (seat == nullptr) return invalid_answer();
      state.place_id = seat->id;
      go_to(ctx, state, node.next, effects);
      break;
    }
    case NodeKind::kPlaces:
      state.place_id = item.value;
      go_to(ctx, state, node.next, effects);
      break;
    case NodeKind::kHubs:
      state.hub_id = item.value;
      go_to(ctx, state, node.next, effects);
      break;
    case NodeKind::kChoice:
    case NodeKind::kHub: {
      const Option& option = node.options[item.option];
      if (!option.service.empty()) state.service = option.service;
      if (option.action == Action::kSendHubSms) {
        const auto* hub = ctx.directory.hub(state.hub_id);
        if (hub == nullptr) return invalid_answer();
        effects.push_back(
            {Effect::Kind::kSendHubSms, m.languages()[lang], hub->id, hub_sms(ctx, lang, *hub)});
      } else if (option.action == Action::kOptOut) {
        effects.push_back({Effect::Kind::kOptOut, m.languages()[lang], {}, {}});
      }
      go_to(ctx, state, option.target, effects);
      break;
    }
    case NodeKind::kInput:
    case NodeKind::kInfo:
    case NodeKind::kEnd:
      return invalid_answer();
  }
  return finish(ctx, std::move(state), std::move(effects));
}

Screen apology(const MenuSet& menus, std::string_view language, const text::ScreenLimit& screen) {
  const int l = menus.language_index(language);
  const std::string_view t =
      menus.text(l < 0 ? 0 : static_cast<std::size_t>(l), messages::kErrorApology);
  auto encoded = text::apply_policy(t, screen.policy);
  Screen s;
  s.text = std::move(encoded.text);
  s.encoding = encoded.encoding;
  s.units = encoded.units;
  s.end = true;
  return s;
}

}  // namespace ventanilla::dialog
