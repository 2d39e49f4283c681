// USSD end to end against the real `ventanilla serve`: the Africa's Talking-style route as a
// carrier posts it (form fields, cumulative `text`), on the shipped data and menus. Screens are
// asserted by their text as a caller reads it; every reply is checked to be CON/END and to fit one
// 182-septet GSM-7 screen. One server per suite (start-up imports the whole gazetteer); each test
// uses its own session ids and phone numbers because the language is remembered per number.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "directory/csv_reader.hpp"
#include "directory/text_fold.hpp"
#include "inbound/ussd_hop.hpp"
#include "support/percent_encoding.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/shipped_data.hpp"
#include "text/gsm7.hpp"
#include "text/transliterate.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kRoute = "/v1/africastalking/ussd";
constexpr std::size_t kScreenSeptets = 182;

// Screens of the shipped Spanish and English texts, as a GSM-7 phone shows them (transliterated).
constexpr std::string_view kLanguageTitleEs =
    "Ventanilla: informacion para migrantes. Elija su idioma:";
constexpr std::string_view kCountryTitleEs = "¿En qué pais esta?";
constexpr std::string_view kNeedTitleEs = "¿Qué necesita?";
constexpr std::string_view kWhereTitleEs = "¿Donde esta usted?";
constexpr std::string_view kTownPromptEs = "Escriba el nombre de su ciudad o pueblo:";
constexpr std::string_view kTownMatchesEs = "¿Cual de estos lugares?";
constexpr std::string_view kHubsTitleEs = "Lugares cercanos que pueden ayudar:";
constexpr std::string_view kHintEs = "Opcion no valida. Reintente.";
constexpr std::string_view kResumeTitleEs = "Tiene una consulta sin terminar.";
constexpr std::string_view kCountryTitleEn = "Which country are you in?";
constexpr std::string_view kNeedTitleEn = "What do you need?";
constexpr std::string_view kResumeTitleEn = "You have an unfinished session.";

// --- GSM-7 screen size, counted independently of the server's own layout code ----------------

// The GSM 03.38 default alphabet (one septet each; LF and CR included) and its extension table
// (two septets each: escape + character).
constexpr std::u32string_view kGsm7Basic =
    U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    U"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
constexpr std::u32string_view kGsm7Extension = U"^{}\\[~]|€\f";

struct SeptetCount {
  std::size_t septets = 0;
  std::u32string outside;  // characters GSM-7 cannot carry
};

SeptetCount count_septets(std::string_view utf8) {
  SeptetCount c;
  for (const char32_t cp : text::decode_utf8(utf8)) {
    if (kGsm7Basic.find(cp) != std::u32string_view::npos) {
      c.septets += 1;
    } else if (kGsm7Extension.find(cp) != std::u32string_view::npos) {
      c.septets += 2;
    } else {
      c.outside += cp;
    }
  }
  return c;
}

// Every reply: "CON " or "END ", then one screen of GSM-7 text.
void expect_one_screen(const std::string& body) {
  const bool con = body.rfind("CON ", 0) == 0;
  const bool end = body.rfind("END ", 0) == 0;
  EXPECT_TRUE(con || end) << "reply is neither CON nor END:\n" << body;
  if (!con && !end) return;
  const SeptetCount c = count_septets(std::string_view(body).substr(4));
  EXPECT_TRUE(c.outside.empty()) << "characters outside GSM-7 on a gsm7 screen:\n" << body;
  EXPECT_LE(c.septets, kScreenSeptets) << body;
}

// --- Form bodies ------------------------------------------------------------------------------

std::string ussd_form(std::string_view session, std::string_view phone,
                      std::string_view network_code, std::string_view text) {
  return "sessionId=" + form_encode(session) + "&serviceCode=" + form_encode("*123#") +
         "&phoneNumber=" + form_encode(phone) + "&networkCode=" + form_encode(network_code) +
         "&text=" + form_encode(text);
}

// --- Screens ----------------------------------------------------------------------------------

std::vector<std::string> lines_of(std::string_view body) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(body)};
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The numbered items of a screen ("3 Albergues" → {3, "Albergues"}); navigation lines ("98 Mas
// 0 Atras") are left out.
struct ScreenItem {
  int number = 0;
  std::string label;
};

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  for (std::size_t start = 0; start <= line.size();) {
    const auto space = std::min(line.find(' ', start), line.size());
    words.push_back(line.substr(start, space - start));
    start = space + 1;
  }
  return words;
}

// "98 Mas 0 Atras", "0 Back 00 Home": navigation keys, each followed by one word.
bool is_navigation(std::string_view line) {
  const auto words = words_of(line);
  if (words.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < words.size(); i += 2) {
    if (words[i] != "98" && words[i] != "99" && words[i] != "0" && words[i] != "00") return false;
  }
  return true;
}

std::vector<ScreenItem> items_of(std::string_view body) {
  std::vector<ScreenItem> items;
  for (const auto& line : lines_of(body)) {
    const auto space = line.find(' ');
    if (space == std::string::npos || space > 2 || space + 1 == line.size()) continue;
    if (!all_digits(std::string_view(line).substr(0, space)) || is_navigation(line)) continue;
    items.push_back({std::stoi(line.substr(0, space)), line.substr(space + 1)});
  }
  return items;
}

// A hubs-list label, "<name> <N> km", split; nullopt without the distance.
struct HubLine {
  std::string name;
  int km = 0;
};

std::optional<HubLine> hub_line(std::string_view label) {
  constexpr std::string_view kKm = " km";
  if (label.size() <= kKm.size() || label.substr(label.size() - kKm.size()) != kKm) {
    return std::nullopt;
  }
  label.remove_suffix(kKm.size());
  const auto space = label.rfind(' ');
  if (space == std::string_view::npos || !all_digits(label.substr(space + 1))) return std::nullopt;
  return HubLine{std::string(label.substr(0, space)),
                 std::stoi(std::string(label.substr(space + 1)))};
}

// The screen text without its "CON "/"END " prefix.
std::string_view screen_of(const std::string& body) {
  return body.size() >= 4 ? std::string_view(body).substr(4) : std::string_view(body);
}

// The first line of a screen (its title), without the prefix.
std::string title_of(const std::string& body) {
  const auto lines = lines_of(screen_of(body));
  return lines.empty() ? std::string() : lines.front();
}

// --- Shipped data the screens are checked against ---------------------------------------------

struct HubRow {
  std::string country;
  std::string name;
};

std::vector<directory::CsvRecord> read_csv(const std::string& file) {
  const std::string text = read_file(shipped_data_dir() + "/" + file);
  auto table = directory::parse_csv(text);
  EXPECT_TRUE(table.problems.empty()) << file;
  if (!table.records.empty()) table.records.erase(table.records.begin());  // header
  return std::move(table.records);
}

const std::vector<HubRow>& shipped_hubs() {
  static const std::vector<HubRow> hubs = [] {
    std::vector<HubRow> out;
    for (const auto& r : read_csv("hubs.csv")) {
      if (r.fields.size() > 3) out.push_back({r.fields[1].value, r.fields[3].value});
    }
    return out;
  }();
  return hubs;
}

// The hub of `country` whose name a screen shows (transliterated to GSM-7) as `shown`.
const HubRow* hub_named(std::string_view country, std::string_view shown) {
  for (const auto& h : shipped_hubs()) {
    if (h.country == country && text::transliterate_gsm7(h.name) == shown) return &h;
  }
  return nullptr;
}

bool place_exists(std::string_view country, std::string_view name) {
  static const std::vector<std::pair<std::string, std::string>> places = [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : read_csv("places.csv")) {
      if (r.fields.size() > 2)
        out.emplace_back(r.fields[0].value, directory::fold(r.fields[2].value));
    }
    return out;
  }();
  const std::string folded = directory::fold(name);
  return std::any_of(places.begin(), places.end(),
                     [&](const auto& p) { return p.first == country && p.second == folded; });
}

// --- Raw database reads -----------------------------------------------------------------------

struct OutboxRow {
  std::int64_t id = 0;
  std::string body;
  std::string status;
  std::string destination_sealed;
};

std::vector<OutboxRow> outbox_rows(const std::string& db_path) {
  std::vector<OutboxRow> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db_path << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT id, body, status, destination_sealed FROM outbox ORDER BY id",
                         -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db);
  } else {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      OutboxRow r;
      r.id = sqlite3_column_int64(stmt, 0);
      r.body = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
      r.status = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2));
      const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, 3));
      r.destination_sealed.assign(blob == nullptr ? "" : blob,
                                  static_cast<std::size_t>(sqlite3_column_bytes(stmt, 3)));
      rows.push_back(std::move(r));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::int64_t session_created_ms(const std::string& db_path, const std::string& session) {
  sqlite3* db = nullptr;
  std::int64_t out = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT created_ms FROM sessions WHERE session_key = ?1", -1, &stmt,
                           nullptr) == SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, session.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(stmt) == SQLITE_ROW) out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

// --- The server and a caller ------------------------------------------------------------------

// One server per suite; `Options` says how it is started.
template <typename Options>
class UssdServerSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>("ventanilla-ussd");
    try {
      server_ = std::make_unique<ServeProcess>(
          *dir_, ServeOptions{.extra_args = Options::extra_args(), .seed_directory = true});
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    server_.reset();
    dir_.reset();
  }
  void SetUp() override { ASSERT_TRUE(server_) << "server did not start: " << start_error_; }

  static ServeProcess& server() { return *server_; }

  // Every number a test of this suite dialled from, for the privacy checks.
  static inline std::vector<std::string> phones_;

 public:
  // One carrier session: each press() appends an input to the cumulative `text` and posts it.
  class Caller {
   public:
    Caller(std::string session, std::string phone, std::string network_code)
        : session_(std::move(session)),
          phone_(std::move(phone)),
          network_(std::move(network_code)) {
      phones_.push_back(phone_);
    }

    // The first hop (empty text) or, with inputs, a shortcut dial.
    std::string dial(std::string_view text = {}) {
      text_ = std::string(text);
      return post(text_);
    }
    std::string press(std::string_view input) {
      if (!text_.empty()) text_ += '*';
      text_ += input;
      return post(text_);
    }
    // Re-posts an exact `text` of this session, as a carrier's retry does.
    std::string repost(std::string_view text) { return post(text); }
    // Pages forward until an item labelled `label` shows, then picks it; "" if it never shows.
    std::string choose(std::string_view label, std::string& screen) {
      for (int page = 0; page < 6; ++page) {
        for (const auto& item : items_of(screen)) {
          if (item.label == label) return screen = press(std::to_string(item.number));
        }
        if (screen.find("\n98 ") == std::string::npos) break;
        screen = press("98");
      }
      ADD_FAILURE() << "no item \"" << label << "\" on:\n" << screen;
      return {};
    }

    const std::string& text() const { return text_; }

   private:
    std::string post(std::string_view text) {
      auto r = round_trip(server().port(),
                          post_request(kRoute, ussd_form(session_, phone_, network_, text)));
      if (!r) {
        ADD_FAILURE() << "no reply to text \"" << text << "\"";
        return "<no reply>";
      }
      EXPECT_EQ(r->status, 200) << "text \"" << text << "\": " << r->body;
      expect_one_screen(r->body);
      return r->body;
    }

    std::string session_;
    std::string phone_;
    std::string network_;
    std::string text_;
  };

 private:
  static inline std::unique_ptr<TempDir> dir_;
  static inline std::unique_ptr<ServeProcess> server_;
  static inline std::string start_error_;
};

struct DefaultSettings {
  static std::vector<std::string> extra_args() { return {}; }
};
struct OneSecondSessions {
  static std::vector<std::string> extra_args() { return {"--set", "ussd.session_timeout_s=1"}; }
};

class UssdSession : public UssdServerSuite<DefaultSettings> {};
class UssdExpiry : public UssdServerSuite<OneSecondSessions> {};
struct PurgeEverySecond {
  static std::vector<std::string> extra_args() {
    return {"--set", "ussd.session_timeout_s=1", "--set", "ussd.resume_window_s=0",
            "--set", "ussd.purge_interval_s=1"};
  }
};
class UssdPurge : public UssdServerSuite<PurgeEverySecond> {};

// What a walk to the SMS found.
struct WalkResult {
  std::string hub_name_shown;  // as the hubs list showed it (GSM-7)
  const HubRow* hub = nullptr;
  std::string end_reply;
};

struct CountryCase {
  std::string iso2;
  std::string network_code;
  std::string country_label;  // on the Spanish country screen
  std::string phone;
  std::string typed;  // the town, typed with a typo
  std::string town;   // the place it must find, as listed
};

// language → country (detected first) → need "hub near me" → where "type my town" → town (with
// a typo) → nearest hubs → hub details → "send me this by SMS".
WalkResult walk_to_hub_sms(UssdSession::Caller& caller, const CountryCase& c) {
  WalkResult w;
  std::string screen = caller.dial();
  EXPECT_EQ(title_of(screen), kLanguageTitleEs) << screen;
  EXPECT_NE(screen.find("\n1 Español\n"), std::string::npos) << screen;

  screen = caller.press("1");
  EXPECT_EQ(title_of(screen), kCountryTitleEs) << screen;
  const auto countries = items_of(screen);
  EXPECT_EQ(countries.size(), 6u) << screen;
  if (!countries.empty()) {
    EXPECT_EQ(countries.front().number, 1);
    EXPECT_EQ(countries.front().label, c.country_label) << "detected country first:\n" << screen;
  }

  screen = caller.press("1");
  EXPECT_EQ(title_of(screen), kNeedTitleEs) << screen;
  caller.choose("Ventanilla mas cercana", screen);
  EXPECT_EQ(title_of(screen), kWhereTitleEs) << screen;
  caller.choose("Escribir mi ciudad", screen);
  EXPECT_EQ(title_of(screen), kTownPromptEs) << screen;

  screen = caller.press(c.typed);
  EXPECT_EQ(title_of(screen), kTownMatchesEs) << screen;
  const auto towns = items_of(screen);
  const auto town = std::find_if(towns.begin(), towns.end(),
                                 [&](const ScreenItem& i) { return i.label == c.town; });
  if (town == towns.end()) {
    ADD_FAILURE() << "\"" << c.typed << "\" did not find " << c.town << ":\n" << screen;
    return w;
  }
  screen = caller.press(std::to_string(town->number));

  EXPECT_EQ(title_of(screen), kHubsTitleEs) << screen;
  const auto hubs = items_of(screen);
  if (hubs.empty()) {
    ADD_FAILURE() << "no hubs listed:\n" << screen;
    return w;
  }
  int previous_km = 0;
  for (const auto& item : hubs) {
    const auto line = hub_line(item.label);
    if (!line) {
      ADD_FAILURE() << "hub line without a km figure: " << item.label;
      return w;
    }
    EXPECT_NE(hub_named(c.iso2, line->name), nullptr)
        << "not a " << c.iso2 << " hub of data/hubs.csv: " << line->name;
    EXPECT_GE(line->km, previous_km) << "nearest first:\n" << screen;
    previous_km = line->km;
  }
  w.hub_name_shown = hub_line(hubs.front().label)->name;
  w.hub = hub_named(c.iso2, w.hub_name_shown);

  screen = caller.press(std::to_string(hubs.front().number));
  EXPECT_EQ(screen.rfind("CON " + w.hub_name_shown + "\n", 0), 0u)
      << "hub details open with its name:\n"
      << screen;
  caller.choose("Enviarme esto por SMS", screen);
  EXPECT_EQ(screen.rfind("END ", 0), 0u) << screen;
  EXPECT_NE(screen.find("SMS"), std::string::npos) << screen;
  w.end_reply = screen;
  return w;
}

// --- 1. A full walk in every country ----------------------------------------------------------

const std::vector<CountryCase>& country_cases() {
  static const std::vector<CountryCase> cases = {
      {"MX", "334020", "México", "+5219625550101", "Tapachla", "Tapachula"},
      {"GT", "704001", "Guatemala", "+50255500102", "Quetzaltenago", "Quetzaltenango"},
      {"BZ", "702067", "Belice", "+5016500103", "Belmopn", "Belmopan"},
      {"SV", "706001", "El Salvador", "+50370000104", "San Salvadr", "San Salvador"},
      {"HN", "708001", "Honduras", "+50499000105", "Tegucigalpaa", "Tegucigalpa"},
      {"CR", "712001", "Costa Rica", "+50688000106", "San Jsoe", "San José"},
  };
  return cases;
}

TEST_F(UssdSession, WalksFromLanguageToAnSmsOfTheNearestHubInEveryCountry) {
  for (const auto& c : country_cases()) {
    SCOPED_TRACE(c.iso2 + " typed \"" + c.typed + "\"");
    ASSERT_TRUE(place_exists(c.iso2, c.town)) << "the table names a town of data/places.csv";
    Caller caller("walk-" + c.iso2, c.phone, c.network_code);
    const WalkResult w = walk_to_hub_sms(caller, c);
    EXPECT_NE(w.hub, nullptr) << w.hub_name_shown;
  }
}

// --- 2, 3, 4. Navigation ----------------------------------------------------------------------

TEST_F(UssdSession, NextPageShowsTheRestAndPreviousPageRestoresTheFirstExactly) {
  Caller caller("paging-1", "+50255500201", "704001");
  caller.dial();
  caller.press("1");
  const std::string first = caller.press("1");  // the need menu: nine options on two pages
  ASSERT_NE(first.find("\n98 Mas"), std::string::npos) << first;
  EXPECT_NE(first.find("\n1 Ventanilla mas cercana\n"), std::string::npos) << first;

  const std::string second = caller.press("98");
  EXPECT_NE(second, first);
  EXPECT_EQ(title_of(second), kNeedTitleEs) << second;
  EXPECT_NE(second.find("\n9 Idioma y mensajes\n"), std::string::npos) << second;
  EXPECT_EQ(second.find("\n1 Ventanilla"), std::string::npos) << second;
  EXPECT_NE(second.find("99 Anterior"), std::string::npos) << second;

  EXPECT_EQ(caller.press("99"), first);
}

TEST_F(UssdSession, BackReturnsThePreviousScreenExactlyAndHomeTheNeedMenu) {
  Caller caller("back-1", "+50255500301", "704001");
  caller.dial();
  caller.press("1");
  const std::string need = caller.press("1");
  const std::string where = caller.press("1");
  ASSERT_EQ(title_of(where), kWhereTitleEs) << where;
  const std::string town = caller.press("2");
  ASSERT_EQ(title_of(town), kTownPromptEs) << town;

  EXPECT_EQ(caller.press("0"), where);
  EXPECT_EQ(caller.press("0"), need);
  EXPECT_EQ(caller.press("1"), where);
  EXPECT_EQ(caller.press("2"), town);
  EXPECT_EQ(caller.press("00"), need);
  // After "home", back leads along the usual path: to the country screen.
  const std::string country = caller.press("0");
  EXPECT_EQ(title_of(country), kCountryTitleEs) << country;
  // And forward again from there.
  EXPECT_EQ(caller.press("1"), need);
}

// "0" from the need menu back to the country screen must show the country screen as the caller
// saw it, not one with a "00 Inicio" it did not have (the chosen country is still in the state).
TEST_F(UssdSession, BackToTheCountryScreenShowsItExactlyAsBefore) {
  Caller caller("back-2", "+50255500302", "704001");
  caller.dial();
  const std::string country = caller.press("1");
  caller.press("1");
  EXPECT_EQ(caller.press("0"), country);
}

TEST_F(UssdSession, AnInvalidOptionRepeatsTheScreenWithAHint) {
  Caller caller("invalid-1", "+50255500401", "704001");
  caller.dial();
  caller.press("1");
  caller.press("1");
  const std::string where = caller.press("1");
  ASSERT_EQ(items_of(where).size(), 2u) << where;

  const std::string hinted = caller.press("77");
  EXPECT_EQ(hinted, "CON " + std::string(kHintEs) + "\n" + std::string(screen_of(where)));
  // The state did not move: option 2 of the same screen still works.
  EXPECT_EQ(title_of(caller.press("2")), kTownPromptEs);
}

// --- 5, 6. Retries and shortcut dials ---------------------------------------------------------

TEST_F(UssdSession, RetriedHopsReplayTheirOriginalReplyWithoutANewStep) {
  Caller caller("replay-1", "+50255500501", "704001");
  caller.dial();
  const std::string country = caller.press("1");
  const std::string need = caller.press("1");
  ASSERT_EQ(title_of(need), kNeedTitleEs) << need;

  EXPECT_EQ(caller.repost("1*1"), need) << "a retry of the last hop";
  EXPECT_EQ(caller.repost("1"), country) << "a late retry of an older hop";
  // Neither retry moved the session: the next input applies to the need menu.
  const std::string where = caller.press("1");
  EXPECT_EQ(title_of(where), kWhereTitleEs) << where;
}

TEST_F(UssdSession, AShortcutDialGoesStraightToTheNeedMenu) {
  Caller stepwise("shortcut-ref", "+50255500601", "704001");
  stepwise.dial();
  stepwise.press("1");
  const std::string need = stepwise.press("1");

  Caller shortcut("shortcut-1", "+50255500602", "704001");
  const std::string screen = shortcut.dial("1*1");
  EXPECT_EQ(title_of(screen), kNeedTitleEs) << screen;
  EXPECT_EQ(screen, need);
  // The walk continues from there.
  EXPECT_EQ(title_of(shortcut.press("1")), kWhereTitleEs);
}

// A dial that brings more answers than one hop steps: the first kMaxAnswersPerHop are stepped, the
// rest are consumed unseen, and the walk goes on from the screen the stepped ones reached.
TEST_F(UssdSession, AShortcutLongerThanTheBoundStopsWhereItsStepsReached) {
  constexpr std::size_t cap = inbound::kMaxAnswersPerHop;
  static_assert(cap % 2 == 0 && cap >= 4);
  // "1" (Español), then "1" (the first country) and "0" (back) in turn, ending with a "1" that
  // reaches the need menu as the cap-th answer; one more "1" would open "where".
  std::string text = "1";
  for (std::size_t answers = 1; answers + 1 < cap; answers += 2) text += "*1*0";
  text += "*1";
  ASSERT_EQ(std::count(text.begin(), text.end(), '*') + 1, static_cast<std::ptrdiff_t>(cap));

  Caller exact("bound-exact", "+50255500603", "704001");
  EXPECT_EQ(title_of(exact.dial(text)), kNeedTitleEs) << "all cap answers are stepped";

  Caller over("bound-over", "+50255500604", "704001");
  const std::string screen = over.dial(text + "*1");
  EXPECT_EQ(title_of(screen), kNeedTitleEs) << "the answer past the cap is not stepped\n" << screen;
  // ...but it is consumed: the next answer applies to the need menu, not replayed after it.
  const std::string where = over.press("1");
  EXPECT_EQ(title_of(where), kWhereTitleEs) << where;
}

// --- 7, 8. Across sessions --------------------------------------------------------------------

TEST_F(UssdSession, ADroppedSessionIsOfferedToContinueOrStartOver) {
  const std::string phone = "+50255500701";
  Caller first("resume-1", phone, "704001");
  first.dial();
  first.press("1");
  const std::string need = first.press("1");

  Caller second("resume-2", phone, "704001");
  const std::string offer = second.dial();
  EXPECT_EQ(offer,
            "CON " + std::string(kResumeTitleEs) + "\n1 Seguir donde estaba\n2 Empezar de nuevo");
  EXPECT_EQ(second.press("1"), need) << "continue: the screen the caller left";

  Caller third("resume-3", phone, "704001");
  EXPECT_EQ(third.dial(), offer);
  const std::string fresh = third.press("2");
  EXPECT_EQ(title_of(fresh), kCountryTitleEs)
      << "start over with the remembered language: the country screen\n"
      << fresh;
  const auto countries = items_of(fresh);
  ASSERT_FALSE(countries.empty()) << fresh;
  EXPECT_EQ(countries.front().label, "Guatemala") << fresh;
}

TEST_F(UssdSession, TheChosenLanguageIsRememberedForTheNextSession) {
  const std::string phone = "+50255500801";
  Caller first("english-1", phone, "704001");
  first.dial();
  const std::string country = first.press("2");
  EXPECT_EQ(title_of(country), kCountryTitleEn) << country;

  // Nothing to resume (the last session was at the first screen after the language): the new
  // session opens in English on the country screen.
  Caller second("english-2", phone, "704001");
  EXPECT_EQ(second.dial(), country);
  const std::string need = second.press("1");
  EXPECT_EQ(title_of(need), kNeedTitleEn) << need;

  // With something to resume, the offer and the fresh start are in English too.
  Caller third("english-3", phone, "704001");
  const std::string offer = third.dial();
  EXPECT_EQ(title_of(offer), kResumeTitleEn) << offer;
  EXPECT_NE(offer.find("\n2 Start over"), std::string::npos) << offer;
  EXPECT_EQ(third.press("2"), country);
}

// --- 10. Malformed requests -------------------------------------------------------------------

TEST_F(UssdSession, RejectsMalformedRequestsAndKeepsServing) {
  struct Case {
    std::string label;
    std::string body;
    std::string names;  // what the 400 message must name
  };
  const std::vector<Case> cases = {
      {"no sessionId",
       "serviceCode=%2A123%23&phoneNumber=%2B50255501001&networkCode=704001&text=", "sessionId"},
      {"phone not a number",
       "sessionId=bad-2&serviceCode=%2A123%23&phoneNumber=hello&networkCode=704001&text=",
       "phoneNumber"},
      {"malformed escape in phoneNumber",
       "sessionId=bad-3&serviceCode=%2A123%23&phoneNumber=%2B502%ZZ55501001&networkCode=704001&"
       "text=",
       "phoneNumber"},
      {"truncated escape in text",
       "sessionId=bad-4&serviceCode=%2A123%23&phoneNumber=%2B50255501001&networkCode=704001&"
       "text=1%2",
       "text"},
      {"Latin-1 byte in text",
       "sessionId=bad-5&serviceCode=%2A123%23&phoneNumber=%2B50255501001&networkCode=704001&"
       "text=1%2Axel%E1",
       "text: not valid UTF-8"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto r = round_trip(server().port(), post_request(kRoute, c.body));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_NE(r->body.find(c.names), std::string::npos) << r->body;
    EXPECT_EQ(r->body.find("50255501001"), std::string::npos) << "no number echoed: " << r->body;
  }

  auto get = round_trip(server().port(), get_request(kRoute));
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->header("allow").value_or(""), "POST");

  Caller caller("after-errors", "+50255501001", "704001");
  EXPECT_EQ(title_of(caller.dial()), kLanguageTitleEs);
}

// --- 12, 11. What is stored and logged --------------------------------------------------------

TEST_F(UssdSession, QueuesTheRequestedSmsOnceWithTheHubAndASealedDestination) {
  const CountryCase c{"GT",           "704001",        "Guatemala",
                      "+50255501201", "Quetzaltenago", "Quetzaltenango"};
  const std::size_t before = outbox_rows(server().db_path()).size();
  Caller caller("outbox-1", c.phone, c.network_code);
  const WalkResult w = walk_to_hub_sms(caller, c);
  ASSERT_NE(w.hub, nullptr);

  auto rows = outbox_rows(server().db_path());
  ASSERT_EQ(rows.size(), before + 1);
  const OutboxRow& row = rows.back();
  EXPECT_NE(row.body.find(w.hub->name), std::string::npos) << row.body;
  EXPECT_EQ(row.status, "queued");
  EXPECT_FALSE(row.destination_sealed.empty());
  const std::string digits = c.phone.substr(1);
  EXPECT_EQ(row.destination_sealed.find(digits), std::string::npos);
  EXPECT_EQ(row.destination_sealed.find(digits.substr(digits.size() - 8)), std::string::npos);

  // The carrier retries the closing hop: the same END reply, and no second SMS.
  EXPECT_EQ(caller.repost(caller.text()), w.end_reply);
  EXPECT_EQ(outbox_rows(server().db_path()).size(), before + 1);
}

// Checks every number this process dialled from in this suite: all the tests above when the
// suite runs whole (declaration order), and always its own walk and a rejected request that
// carried a valid number (ctest runs each test in a process of its own).
TEST_F(UssdSession, RawPhoneNumbersReachNeitherTheLogNorTheDatabaseFile) {
  const CountryCase c{"CR", "712001", "Costa Rica", "+50688001101", "San Jsoe", "San José"};
  Caller caller("privacy-1", c.phone, c.network_code);
  walk_to_hub_sms(caller, c);
  auto rejected = round_trip(
      server().port(),
      post_request(kRoute, "serviceCode=%2A123%23&phoneNumber=%2B50688001102&networkCode=7&text="));
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, 400);
  phones_.push_back("+50688001102");

  const auto& log = server().log_lines(300ms);
  ASSERT_FALSE(log.empty());
  std::string files;
  for (const char* suffix : {"", "-wal"}) files += read_file(server().db_path() + suffix);
  ASSERT_FALSE(files.empty());

  const std::set<std::string> phones(phones_.begin(), phones_.end());
  for (const auto& phone : phones) {
    const std::string digits = phone.substr(1);
    for (const auto& line : log) {
      EXPECT_EQ(line.find(digits), std::string::npos) << phone << " in the log: " << line;
    }
    EXPECT_EQ(files.find(digits), std::string::npos) << phone << " in the database files";
  }
}

// --- 9. Expired sessions ----------------------------------------------------------------------

// A hop on a session id whose state expired starts a new session: the inputs are applied from
// that new session's first screen, and it is an ordinary CON screen, not an error.
TEST_F(UssdExpiry, AHopAfterTheTimeoutStartsANewSession) {
  Caller caller("expiry-1", "+50255509001", "704001");
  EXPECT_EQ(title_of(caller.dial()), kLanguageTitleEs);
  const std::int64_t created = session_created_ms(server().db_path(), "expiry-1");
  ASSERT_GT(created, 0);
  std::this_thread::sleep_for(1500ms);

  // The expired session's inputs are not replayed from a new start (that would pick screens the
  // caller never saw): the new session shows its first screen.
  const std::string screen = caller.press("1");
  EXPECT_EQ(screen.rfind("CON ", 0), 0u) << screen;
  EXPECT_EQ(title_of(screen), kLanguageTitleEs) << screen;
  EXPECT_GE(session_created_ms(server().db_path(), "expiry-1"), created + 1000)
      << "the session row was started afresh";
}

// The caller chose the language in this very session ("1"), then the session expired. The next
// `text` still carries that choice as its first token, so it must not be read as if the first
// screen were the country screen (the language being remembered now): "1*1" means Spanish,
// Guatemala — the need menu — and starting over (country screen) or offering to resume would
// also be sound. Reading it from the country screen skips the need menu the caller never saw.
TEST_F(UssdExpiry, AnExpiredSessionDoesNotShiftTheCallersEarlierInputsByOneScreen) {
  Caller caller("expiry-2", "+50255509002", "704001");
  caller.dial();
  const std::string country = caller.press("1");
  ASSERT_EQ(title_of(country), kCountryTitleEs) << country;
  std::this_thread::sleep_for(1500ms);

  const std::string screen = caller.press("1");  // text "1*1"
  ASSERT_EQ(screen.rfind("CON ", 0), 0u) << screen;
  const std::string title = title_of(screen);
  const std::set<std::string> sound = {std::string(kNeedTitleEs), std::string(kCountryTitleEs),
                                       std::string(kResumeTitleEs)};
  EXPECT_TRUE(sound.contains(title)) << "text \"1*1\" after expiry answered with:\n" << screen;
}

// Sessions past their timeout and the resume window are deleted by the purge timer, not kept
// forever: the table holds live traffic only.
TEST_F(UssdPurge, ExpiredSessionsAreDeletedByThePurgeTimer) {
  Caller caller("purge-1", "+50255509101", "704001");
  ASSERT_EQ(caller.dial().rfind("CON ", 0), 0u);
  ASSERT_GT(session_created_ms(server().db_path(), "purge-1"), 0);
  // Timeout 1 s, purge every second: gone within a few seconds (bounded wait, not a timing goal).
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (session_created_ms(server().db_path(), "purge-1") > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(session_created_ms(server().db_path(), "purge-1"), -1);
}

}  // namespace
}  // namespace ventanilla::test
