// What staff and operators write (the configuration file, menu definitions and translations) and
// the USSD `text` path a migrant drives through the shipped content.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "app/menu_files.hpp"
#include "config/config.hpp"
#include "dialog/engine.hpp"
#include "dialog/menu_set.hpp"
#include "directory/directory.hpp"
#include "directory/directory_files.hpp"
#include "fuzz_target.hpp"
#include "inbound/ussd_hop.hpp"
#include "text/encoding.hpp"
#include "text/gsm7.hpp"

namespace ventanilla::fuzz {
namespace {

std::vector<dialog::MenuFile> shipped_menu_files() {
  auto files = app::read_menu_dir(std::string(VENTANILLA_SOURCE_DIR) + "/menus");
  if (!files) property_failed("menus/ reads", __FILE__, __LINE__);
  return std::move(*files);
}

// Every line of a multi-line error detail starts with `prefix`.
bool every_line_starts_with(const std::string& detail, std::string_view prefix) {
  for (std::size_t at = 0; at <= detail.size();) {
    const auto end = std::min(detail.find('\n', at), detail.size());
    if (!std::string_view(detail).substr(at, end - at).starts_with(prefix)) return false;
    at = end + 1;
  }
  return true;
}

}  // namespace
}  // namespace ventanilla::fuzz

namespace vf = ventanilla::fuzz;

VENTANILLA_FUZZ_TARGET(config) {
  auto parsed = ventanilla::config::parse_config(data, "fuzz.toml");
  if (!parsed) FUZZ_CHECK(vf::every_line_starts_with(parsed.error().detail, "fuzz.toml"));
}

// The first byte picks which shipped menu file (menu.toml or a language) the rest replaces.
VENTANILLA_FUZZ_TARGET(menu_files) {
  static const std::vector<ventanilla::dialog::MenuFile> shipped = vf::shipped_menu_files();
  if (data.empty()) return;
  std::vector<ventanilla::dialog::MenuFile> files = shipped;
  auto& replaced = files[static_cast<unsigned char>(data[0]) % files.size()];
  replaced.content = std::string(data.substr(1));
  const auto build = ventanilla::dialog::MenuSet::build(std::move(files));
  FUZZ_CHECK((build.menus == nullptr) == !build.errors.empty());
  for (const auto& d : build.errors) FUZZ_CHECK(!d.file.empty() && !d.message.empty());
}

// Input as Africa's Talking sends it: every answer so far joined by '*'. Each answer, up to the
// hop's bound, is one step through the shipped menus; every screen must fit the 182-septet USSD
// screen in GSM-7.
VENTANILLA_FUZZ_TARGET(ussd_text) {
  namespace dialog = ventanilla::dialog;
  static const std::shared_ptr<const dialog::MenuSet> menus = [] {
    auto build = dialog::MenuSet::build(vf::shipped_menu_files());
    if (!build.menus) vf::property_failed("menus/ builds", __FILE__, __LINE__);
    return build.menus;
  }();
  static const std::shared_ptr<const ventanilla::directory::Directory> directory = [] {
    auto loaded =
        ventanilla::directory::load_directory_files(std::string(VENTANILLA_SOURCE_DIR) + "/data");
    if (!loaded) vf::property_failed("data/ loads", __FILE__, __LINE__);
    return ventanilla::directory::Directory::build(std::move(*loaded));
  }();
  const dialog::Context context{*menus,
                                *directory,
                                {182, ventanilla::text::EncodingPolicy::kGsm7},
                                {160, ventanilla::text::EncodingPolicy::kGsm7},
                                std::chrono::sys_days{std::chrono::year{2026} / 11 / 29}};
  dialog::State state = dialog::new_session(*menus, data.size() % 2 ? "es" : "", "GT");
  auto check = [](const dialog::Screen& screen) {
    FUZZ_CHECK(screen.encoding == ventanilla::text::Encoding::kGsm7);
    const auto septets = ventanilla::text::septet_count(screen.text);
    FUZZ_CHECK(septets.has_value() && *septets == screen.units && screen.units <= 182);
  };
  check(dialog::show(context, state).screen);
  // As run_ussd_hop steps a dial's answers: at most kMaxAnswersPerHop of them.
  const auto answers = ventanilla::inbound::split_ussd_text(data);
  const auto count = std::min(answers.size(), ventanilla::inbound::kMaxAnswersPerHop);
  for (std::size_t i = 0; i < count; ++i) {
    auto result = dialog::step(context, std::move(state), answers[i]);
    check(result.screen);
    for (const auto& e : result.effects)
      if (e.kind == dialog::Effect::Kind::kSendHubSms) {
        // The body stays UTF-8 (the sending route applies its own policy) but must fit one
        // GSM-7 SMS once transliterated.
        const auto sms =
            ventanilla::text::apply_policy(e.body, ventanilla::text::EncodingPolicy::kGsm7);
        FUZZ_CHECK(sms.units <= 160);
      }
    if (result.screen.end) break;
    state = std::move(result.state);
  }
}
