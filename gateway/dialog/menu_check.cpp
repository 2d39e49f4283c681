#include "dialog/menu_check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "dialog/engine.hpp"
#include "directory/nearest_hubs.hpp"

namespace ventanilla::dialog {

namespace {

std::string_view encoding_name(text::Encoding e) {
  return e == text::Encoding::kGsm7 ? "GSM-7" : "UCS-2";
}

std::size_t capacity(const text::ScreenLimit& limit, text::Encoding e) {
  return e == text::Encoding::kGsm7 ? limit.septets : limit.ucs2_units();
}

bool static_content(NodeKind kind) {
  return kind != NodeKind::kHubs && kind != NodeKind::kPlaces && kind != NodeKind::kAdmin1 &&
         kind != NodeKind::kHub;
}

class Checker {
 public:
  Checker(const MenuSet& menus, const directory::Directory& directory, CheckReport& report)
      : menus_(menus), directory_(directory), report_(report) {}

  void run(const std::vector<RouteProfile>& routes, const text::ScreenLimit& sms) {
    check_references();
    pick_worst_cases();
    for (const auto& route : routes) {
      for (std::size_t l = 0; l < menus_.languages().size(); ++l) {
        for (const auto& country : countries_) {
          for (NodeIndex n = 0; n < menus_.nodes().size(); ++n) check_node(route, l, n, country);
        }
        check_resume(route, l);
      }
    }
    check_sms(sms);
  }

 private:
  std::string text_file(std::size_t l) const { return "texts/" + menus_.languages()[l] + ".toml"; }

  void add(bool error, std::string file, std::uint32_t line, std::size_t l, const Node* node,
           std::string message) {
    Diagnostic d{std::move(file), line, menus_.languages()[l], node ? node->id : "",
                 std::move(message)};
    // The same problem shows up once per country rendered: report it once.
    auto& list = error ? report_.errors : report_.warnings;
    if (std::find_if(list.begin(), list.end(), [&d](const Diagnostic& x) {
          return x.file == d.file && x.line == d.line && x.language == d.language &&
                 x.node == d.node && x.message == d.message;
        }) == list.end()) {
      list.push_back(std::move(d));
    }
  }

  // Options naming services the directory does not know; countries without a name.
  void check_references() {
    for (const auto& node : menus_.nodes()) {
      for (const auto& o : node.options) {
        if (!o.service.empty() && directory_.service(o.service) == nullptr) {
          report_.errors.push_back({"menu.toml", o.line, "", node.id,
                                    fmt::format("service `{}` is not in the directory's "
                                                "service codes",
                                                o.service)});
        }
      }
    }
    for (std::size_t l = 0; l < menus_.languages().size(); ++l) {
      for (const auto& c : directory_.countries()) {
        if (menus_.find_message(std::string(messages::kCountryPrefix) + c.iso2) == kNoMessage) {
          report_.warnings.push_back(
              {text_file(l), 0, menus_.languages()[l], "",
               fmt::format("no `country.{}`: the directory's name is shown", c.iso2)});
        }
      }
    }
  }

  void pick_worst_cases() {
    for (const auto& c : directory_.countries()) {
      Worst w;
      w.iso2 = c.iso2;
      std::size_t longest_name = 0;
      std::size_t longest_details = 0;
      for (const auto& h : directory_.hubs()) {
        if (h.country != c.iso2) continue;
        if (h.name.size() > longest_name) {
          longest_name = h.name.size();
          w.longest_name_hub = h.id;
        }
        const std::size_t details =
            h.name.size() + h.address.size() + h.hours.size() + h.phone.size();
        if (details > longest_details) {
          longest_details = details;
          w.longest_details_hub = h.id;
        }
      }
      // A place near that hub, so the hub list shows it: the hub's nearest populated place.
      const directory::Hub* hub = directory_.hub(w.longest_name_hub);
      double best = 1e18;
      for (const auto& p : directory_.places()) {
        if (p.country != c.iso2) continue;
        const double d =
            hub != nullptr ? directory::haversine_km(p.lat, p.lon, hub->lat, hub->lon) : 0.0;
        if (d < best) {
          best = d;
          w.place_id = p.id;
        }
        if (hub == nullptr) break;
      }
      countries_.push_back(std::move(w));
    }
    if (countries_.empty()) countries_.push_back({});
  }

  struct Worst {
    std::string iso2;
    std::string place_id;
    std::string longest_name_hub;
    std::string longest_details_hub;
  };

  State state_for(std::size_t l, NodeIndex n, const Worst& w, bool details) const {
    State s;
    s.node = menus_.node(n).id;
    s.language = menus_.languages()[l];
    s.country = w.iso2;
    s.detected_country = w.iso2;
    s.place_id = w.place_id;
    s.query = "san";  // a common word: the longest lists of matches
    s.hub_id = details ? w.longest_details_hub : w.longest_name_hub;
    s.history.push_back({menus_.node(menus_.start()).id, 0});  // "0 Back" on every screen
    return s;
  }

  void measure(const RouteProfile& route, std::size_t l, const Node* node, const Screen& screen,
               std::uint32_t line, const std::string& what, bool cut_is_error) {
    ++report_.screens_checked;
    const std::size_t cap = capacity(route.screen, screen.encoding);
    // Blame the text's line in the language file; a screen without one (a dynamic list), the
    // node in menu.toml.
    std::string file = text_file(l);
    if (line == 0 && node != nullptr) {
      file = "menu.toml";
      line = node->line;
    }
    if (screen.units > cap) {
      add(true, file, line, l, node,
          fmt::format("{} screen {} of {}: {} {} units, limit {} (route {})", what, screen.page + 1,
                      screen.page_count, screen.units, encoding_name(screen.encoding), cap,
                      route.name));
    }
    if (screen.shortened) {
      add(cut_is_error, file, line, l, node,
          fmt::format("{}: a line of {} {} units had to be cut to fit the screen's limit of {} "
                      "(route {})",
                      what,
                      screen.encoding == text::Encoding::kGsm7 ? screen.longest_cut.gsm7_septets
                                                               : screen.longest_cut.ucs2_units,
                      encoding_name(screen.encoding), cap, route.name));
    }
  }

  Context context(const RouteProfile& route) const {
    return Context{menus_, directory_, route.screen, {160, text::EncodingPolicy::kGsm7}, {}};
  }

  void check_node(const RouteProfile& route, std::size_t l, NodeIndex n, const Worst& w) {
    const Node& node = menus_.node(n);
    const Context ctx = context(route);
    const MessageIndex main = node.title != kNoMessage ? node.title : node.text;
    const std::uint32_t line = main != kNoMessage ? menus_.text_line(l, main) : 0;
    for (const bool details : {false, true}) {
      if (details && node.kind != NodeKind::kHub) continue;
      State s = state_for(l, n, w, details);
      StepResult first = show(ctx, s);
      const std::size_t pages = first.screen.page_count;
      for (std::size_t p = 0; p < pages && p < 50; ++p) {
        State page_state = s;
        page_state.page = static_cast<std::uint16_t>(p);
        const StepResult r = show(ctx, page_state);
        measure(route, l, &node, r.screen, line,
                node.kind == NodeKind::kHub ? "hub details" : std::string(to_string(node.kind)),
                static_content(node.kind));
      }
      if (node.kind == NodeKind::kEnd) continue;
      // The invalid-input variant adds the hint line to the first page.
      const StepResult invalid = step(ctx, s, "987");
      if (!invalid.screen.end) {
        measure(route, l, &node, invalid.screen,
                menus_.text_line(l, menus_.find_message(messages::kHintInvalid)),
                "screen with the invalid-input hint", static_content(node.kind));
      }
    }
  }

  void check_resume(const RouteProfile& route, std::size_t l) {
    State s;
    s.node = menus_.node(menus_.home() != kNoNode ? menus_.home() : menus_.start()).id;
    s.language = menus_.languages()[l];
    s.country = countries_.front().iso2;
    const StepResult r = show(context(route), offer_resume(s));
    measure(route, l, nullptr, r.screen,
            menus_.text_line(l, menus_.find_message(messages::kResumeTitle)), "resume question",
            true);
  }

  void check_sms(const text::ScreenLimit& sms) {
    for (std::size_t l = 0; l < menus_.languages().size(); ++l) {
      for (const auto& w : countries_) {
        const directory::Hub* hub = directory_.hub(w.longest_details_hub);
        if (hub == nullptr) continue;
        // The engine composes the SMS when the caller asks for it: do exactly that.
        for (NodeIndex n = 0; n < menus_.nodes().size(); ++n) {
          const Node& node = menus_.node(n);
          if (node.kind != NodeKind::kHub) continue;
          for (std::size_t o = 0; o < node.options.size(); ++o) {
            if (node.options[o].action != Action::kSendHubSms) continue;
            const RouteProfile route{"sms", sms};
            State s = state_for(l, n, w, true);
            const StepResult r = step(context(route), s, std::to_string(o + 1));
            for (const auto& e : r.effects) {
              if (e.kind != Effect::Kind::kSendHubSms) continue;
              const auto fit = text::screen_fit(text::text_cost(e.body), sms);
              ++report_.screens_checked;
              if (!fit.fits()) {
                add(true, text_file(l), 0, l, &node,
                    fmt::format("SMS with the details of {}: {} units, limit {}", hub->id,
                                fit.units, fit.capacity));
              }
            }
          }
        }
      }
    }
  }

  const MenuSet& menus_;
  const directory::Directory& directory_;
  CheckReport& report_;
  std::vector<Worst> countries_;
};

}  // namespace

CheckReport check_menus(const MenuSet& menus, const directory::Directory& directory,
                        const std::vector<RouteProfile>& routes, const text::ScreenLimit& sms) {
  CheckReport report;
  Checker(menus, directory, report).run(routes, sms);
  return report;
}

}  // namespace ventanilla::dialog
