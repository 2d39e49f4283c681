#include "app/content_commands.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "app/app.hpp"
#include "app/menu_files.hpp"
#include "app/outbound_routes.hpp"
#include "app/sms_routes.hpp"
#include "app/ussd_route.hpp"
#include "dialog/engine.hpp"
#include "dialog/menu_check.hpp"
#include "directory/directory_files.hpp"
#include "privacy/pseudonymizer.hpp"

namespace ventanilla::app {

// The route profiles content must fit: the [ussd] route and every generic-ussd [[route]] (each
// may have its own screen size and encoding).
std::vector<dialog::RouteProfile> route_profiles(const config::Config& cfg) {
  std::vector<dialog::RouteProfile> profiles{{"ussd", ussd_settings(cfg.ussd).screen}};
  for (const auto& r : cfg.routes) {
    if (r.enabled && r.is_ussd())
      profiles.push_back({r.name, generic_ussd_settings(cfg, r).screen});
  }
  return profiles;
}

namespace {

std::string option_or(const CommandLine& cl, const std::string& name, const std::string& fallback) {
  auto it = cl.options.find(name);
  return it == cl.options.end() ? fallback : it->second;
}

struct LoadedContent {
  std::shared_ptr<const dialog::MenuSet> menus;
  std::shared_ptr<const directory::Directory> directory;
};

// Reads and validates the menus and data files; prints every problem. nullopt when any.
std::optional<LoadedContent> load_content(const std::string& menus_dir, const std::string& data_dir,
                                          std::vector<dialog::Diagnostic>* warnings) {
  bool ok = true;
  LoadedContent out;
  auto data = directory::load_directory_files(data_dir);
  if (!data) {
    std::fprintf(stderr, "%s\n", data.error().detail.c_str());
    ok = false;
  } else {
    out.directory = directory::Directory::build(std::move(*data));
  }
  auto files = read_menu_dir(menus_dir);
  if (!files) {
    std::fprintf(stderr, "%s\n", files.error().message().c_str());
    return std::nullopt;
  }
  auto built = dialog::MenuSet::build(std::move(*files));
  std::fputs(describe(built.errors, menus_dir).c_str(), stderr);
  if (warnings != nullptr) {
    for (auto& w : built.warnings) warnings->push_back(std::move(w));
  }
  if (!built.menus) return std::nullopt;
  out.menus = std::move(built.menus);
  if (!ok) return std::nullopt;
  return out;
}

// The screen of the route named `route` ("ussd" or a generic-ussd route's name); nullopt when
// there is no such USSD route.
std::optional<text::ScreenLimit> profile_for(const config::Config& cfg, const std::string& route) {
  for (const auto& p : route_profiles(cfg)) {
    if (p.name == route) return p.screen;
  }
  return std::nullopt;
}

std::string profile_names(const config::Config& cfg) {
  std::string names;
  for (const auto& p : route_profiles(cfg)) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

}  // namespace

int run_check(const CommandLine& cl) {
  auto cfg = load_configuration(cl);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message().c_str());
    return kExitUsage;
  }
  const std::string source = cfg->source.empty() ? "<built-in defaults>" : cfg->source;
  // The key must already exist and be private; check never creates one.
  std::error_code ec;
  if (std::filesystem::exists(cfg->privacy.key_file, ec)) {
    auto key = privacy::Pseudonymizer::from_key_file(cfg->privacy.key_file, false);
    if (!key) {
      std::fprintf(stderr, "%s: privacy.key_file: %s\n", source.c_str(),
                   key.error().message().c_str());
      return kExitUsage;
    }
  } else if (!cfg->privacy.create_key_if_missing) {
    std::fprintf(stderr, "%s: privacy.key_file: %s does not exist\n", source.c_str(),
                 cfg->privacy.key_file.c_str());
    return kExitUsage;
  }
  // The secrets `serve` will read: a route that would stop start-up fails check too (systemd runs
  // check before every start), and a route serve would leave off is named.
  for (const auto& r : cfg->routes) {
    if (!r.enabled) continue;
    std::optional<Error> problem;
    if (auto webhook = resolve_route_secrets(r); !webhook) {
      problem = webhook.error();
    } else if (!r.send_url.empty()) {
      if (auto sending = resolve_send_secret(r); !sending) problem = sending.error();
    }
    if (!problem) continue;
    if (problem->code == ErrorCode::kNotFound && r.if_secret_missing == "skip") {
      std::printf("route %s: off (%s)\n", r.name.c_str(), problem->detail.c_str());
      continue;
    }
    std::fprintf(stderr, "%s: %s\n", source.c_str(), problem->message().c_str());
    return kExitUsage;
  }
  if (cfg->ussd.enabled) {
    if (auto ussd = resolve_ussd_secrets(cfg->ussd); !ussd) {
      std::fprintf(stderr, "%s: %s\n", source.c_str(), ussd.error().message().c_str());
      return kExitUsage;
    }
  }
  std::printf("%s: ok\n", source.c_str());

  const std::string menus_dir = option_or(cl, "--menus", cfg->content.menus_dir);
  const std::string data_dir = option_or(cl, "--data", cfg->content.data_dir);
  std::vector<dialog::Diagnostic> warnings;
  auto content = load_content(menus_dir, data_dir, &warnings);
  if (!content) {
    std::fprintf(stderr, "content: errors above; fix them before importing\n");
    return kExitFailure;
  }
  std::printf("%s: %zu hubs, %zu places: ok\n", data_dir.c_str(), content->directory->hubs().size(),
              content->directory->places().size());
  const auto report =
      dialog::check_menus(*content->menus, *content->directory, route_profiles(*cfg));
  for (const auto& w : report.warnings) warnings.push_back(w);
  for (const auto& w : warnings) {
    std::fprintf(stderr, "%s", describe({w}, menus_dir).insert(0, "warning: ").c_str());
  }
  std::fputs(describe(report.errors, menus_dir).c_str(), stderr);
  std::printf("%s: %zu nodes, %zu languages, %zu screens checked: %zu error(s), %zu warning(s)\n",
              menus_dir.c_str(), content->menus->nodes().size(), content->menus->languages().size(),
              report.screens_checked, report.errors.size(), warnings.size());
  return report.errors.empty() ? kExitOk : kExitFailure;
}

int run_simulate(const CommandLine& cl) {
  auto cfg = load_configuration(cl);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message().c_str());
    return kExitUsage;
  }
  const std::string route = option_or(cl, "--route", "ussd");
  const auto profile = profile_for(*cfg, route);
  if (!profile) {
    std::fprintf(stderr, "ventanilla simulate: unknown route '%s' (known: %s)\n", route.c_str(),
                 profile_names(*cfg).c_str());
    return kExitUsage;
  }
  auto content = load_content(option_or(cl, "--menus", cfg->content.menus_dir),
                              option_or(cl, "--data", cfg->content.data_dir), nullptr);
  if (!content) return kExitFailure;
  const dialog::MenuSet& menus = *content->menus;
  const std::string lang = option_or(cl, "--lang", "");
  if (!lang.empty() && menus.language_index(lang) < 0) {
    std::fprintf(stderr, "ventanilla simulate: no language '%s' in the menus\n", lang.c_str());
    return kExitUsage;
  }
  const std::string country = option_or(cl, "--country", cfg->ussd.default_country);
  if (!country.empty() && content->directory->country(country) == nullptr) {
    std::fprintf(stderr, "ventanilla simulate: no country '%s' in the directory\n",
                 country.c_str());
    return kExitUsage;
  }
  const text::ScreenLimit screen = *profile;
  const dialog::Context ctx{
      menus,
      *content->directory,
      screen,
      {160, text::EncodingPolicy::kGsm7},
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};

  auto print = [&screen](const dialog::StepResult& r) {
    const bool gsm = r.screen.encoding == text::Encoding::kGsm7;
    const std::size_t cap = gsm ? screen.septets : screen.ucs2_units();
    std::printf("---- %s · %zu/%zu %s · page %zu/%zu%s ----\n%s %s\n", gsm ? "GSM-7" : "UCS-2",
                r.screen.units, cap, gsm ? "septets" : "UCS-2 units", r.screen.page + 1,
                r.screen.page_count, r.screen.shortened ? " · a line was cut" : "",
                r.screen.end ? "END" : "CON", r.screen.text.c_str());
    for (const auto& e : r.effects) {
      switch (e.kind) {
        case dialog::Effect::Kind::kRememberLanguage:
          std::printf("[language remembered: %s]\n", e.language.c_str());
          break;
        case dialog::Effect::Kind::kOptOut:
          std::printf("[opted out of SMS]\n");
          break;
        case dialog::Effect::Kind::kSendHubSms:
          std::printf("[SMS queued, %s]\n%s\n", e.hub_id.c_str(), e.body.c_str());
          break;
      }
    }
  };

  std::string remembered = lang;
  dialog::StepResult r = dialog::show(ctx, dialog::new_session(menus, remembered, country));
  print(r);
  std::string line;
  while (std::printf("> "), std::fflush(stdout), std::getline(std::cin, line)) {
    // Like a USSD text, a line may hold several inputs joined by '*'.
    std::size_t start = 0;
    for (;;) {
      const auto star = line.find('*', start);
      const std::string token = line.substr(start, star - start);
      r = dialog::step(ctx, r.state, token);
      for (const auto& e : r.effects)
        if (e.kind == dialog::Effect::Kind::kRememberLanguage) remembered = e.language;
      if (r.screen.end || star == std::string::npos) break;
      start = star + 1;
    }
    print(r);
    if (r.screen.end) {
      std::printf("(session ended; a new one starts)\n");
      r = dialog::show(ctx, dialog::new_session(menus, remembered, country));
      print(r);
    }
  }
  std::printf("\n");
  return kExitOk;
}

}  // namespace ventanilla::app
