#pragma once
// MenuSet: the menus staff own (menus/menu.toml) and their texts (menus/texts/<lang>.toml),
// parsed and cross-checked into one immutable snapshot that every hop reads.
//
// Like the Directory, a MenuSet is built once per import or publish, shared as
// std::shared_ptr<const MenuSet> and never modified, so any number of threads read it at once.
// Nodes refer to each other and to texts by index; sessions store node *ids* (strings), so a
// session started on one version continues on the next.
//
// Building reports every problem it finds, each with FILE:LINE, so `ventanilla check` can list
// them all at once; a MenuSet with errors is never served.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ventanilla::dialog {

// Lookup by string_view without building a std::string (C++20 heterogeneous lookup).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// One file of the menus directory, by its path relative to that directory ("menu.toml",
// "texts/es.toml") and its bytes. The database stores menus in this form too.
struct MenuFile {
  std::string path;
  std::string content;
  bool operator==(const MenuFile&) const = default;
};

struct Diagnostic {
  std::string file;  // relative path, as in MenuFile
  std::uint32_t line = 0;
  std::string language;  // "" when not about one language
  std::string node;      // "" when not about one node
  std::string message;
  std::string to_string() const;  // "texts/fr.toml:12: [fr] node hubs: message"
};

enum class NodeKind : std::uint8_t {
  kLanguage,
  kCountry,
  kChoice,
  kAdmin1,
  kInput,
  kPlaces,
  kHubs,
  kHub,
  kInfo,
  kEnd
};
std::string_view to_string(NodeKind kind) noexcept;

enum class Action : std::uint8_t { kNone, kSendHubSms, kOptOut };

using MessageIndex = std::uint32_t;
inline constexpr MessageIndex kNoMessage = 0xFFFFFFFF;
using NodeIndex = std::uint16_t;
inline constexpr NodeIndex kNoNode = 0xFFFF;

struct Option {
  MessageIndex label = kNoMessage;
  NodeIndex target = kNoNode;
  std::string service;  // hub service filter this option selects ("" keeps the current one)
  Action action = Action::kNone;
  std::uint32_t line = 0;
};

struct Node {
  std::string id;
  NodeKind kind = NodeKind::kChoice;
  MessageIndex title = kNoMessage;  // list and choice screens; input prompt
  MessageIndex text = kNoMessage;   // info and end screens
  MessageIndex empty = kNoMessage;  // dynamic lists with nothing to list
  NodeIndex next = kNoNode;         // where picking an item of a dynamic list (or typing) leads
  std::vector<Option> options;
  bool per_country = false;
  Action action = Action::kNone;  // end nodes: runs when the node is reached
  std::uint32_t line = 0;
};

// The engine's navigation inputs (menus/menu.toml [navigation]).
struct Navigation {
  std::string back = "0";
  std::string home = "00";
  std::string next = "98";
  std::string previous = "99";
};

// Message ids the engine itself uses (beside those nodes name); every language must have them.
namespace messages {
inline constexpr std::string_view kLanguageName = "language.name";
inline constexpr std::string_view kNavBack = "nav.back";
inline constexpr std::string_view kNavHome = "nav.home";
inline constexpr std::string_view kNavNext = "nav.next";
inline constexpr std::string_view kNavPrevious = "nav.previous";
inline constexpr std::string_view kHintInvalid = "hint.invalid";
inline constexpr std::string_view kErrorApology = "error.apology";
inline constexpr std::string_view kResumeTitle = "resume.title";
inline constexpr std::string_view kResumeContinue = "resume.continue";
inline constexpr std::string_view kResumeRestart = "resume.restart";
inline constexpr std::string_view kHubPhone = "hub.phone";
inline constexpr std::string_view kHubHours = "hub.hours";
inline constexpr std::string_view kHubNoPhone = "hub.no_phone";
inline constexpr std::string_view kHubUnverified = "hub.unverified";
inline constexpr std::string_view kHubApproximate = "hub.approximate";
inline constexpr std::string_view kSmsFooter = "sms.footer";
inline constexpr std::string_view kCountryPrefix = "country.";  // + ISO2
// SMS: answers to keywords.
inline constexpr std::string_view kSmsStopped = "sms.stopped";
inline constexpr std::string_view kSmsStarted = "sms.started";
inline constexpr std::string_view kSmsHelp = "sms.help";
inline constexpr std::string_view kSmsErased = "sms.erased";
inline constexpr std::string_view kSmsHubUsage = "sms.hub_usage";
inline constexpr std::string_view kSmsHubNone = "sms.hub_none";
// SMS keywords: space-separated words per language (dialog/keywords.hpp).
inline constexpr std::string_view kKeywordsStop = "keywords.stop";
inline constexpr std::string_view kKeywordsStart = "keywords.start";
inline constexpr std::string_view kKeywordsHelp = "keywords.help";
inline constexpr std::string_view kKeywordsMenu = "keywords.menu";
inline constexpr std::string_view kKeywordsErase = "keywords.erase";
inline constexpr std::string_view kKeywordsHub = "keywords.hub";
}  // namespace messages

class MenuSet;

struct MenuBuild {
  std::shared_ptr<const MenuSet> menus;  // null when errors is not empty
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;  // e.g. unreachable nodes, texts nobody uses
};

class MenuSet {
 public:
  // Parses menu.toml and texts/*.toml from `files`; other files are ignored (README.md).
  static MenuBuild build(std::vector<MenuFile> files);

  MenuSet(const MenuSet&) = delete;
  MenuSet& operator=(const MenuSet&) = delete;

  const std::vector<Node>& nodes() const noexcept { return nodes_; }
  const Node& node(NodeIndex i) const noexcept { return nodes_[i]; }
  NodeIndex find_node(std::string_view id) const noexcept;
  NodeIndex start() const noexcept { return start_; }
  NodeIndex home() const noexcept { return home_; }
  const Navigation& navigation() const noexcept { return navigation_; }

  // Languages in menu order; index 0 is the default (Spanish).
  const std::vector<std::string>& languages() const noexcept { return languages_; }
  // Index of a language code, or -1.
  int language_index(std::string_view code) const noexcept;

  MessageIndex find_message(std::string_view id) const noexcept;
  const std::string& message_id(MessageIndex m) const noexcept { return message_ids_[m]; }
  std::size_t message_count() const noexcept { return message_ids_.size(); }
  // The text of message `m` in language `language` (index); every language has every message.
  const std::string& text(std::size_t language, MessageIndex m) const noexcept {
    return texts_[language][m];
  }
  // Line of message `m` in texts/<language>.toml (0 when unknown), for diagnostics.
  std::uint32_t text_line(std::size_t language, MessageIndex m) const noexcept {
    return language < text_lines_.size() && m < text_lines_[language].size()
               ? text_lines_[language][m]
               : 0;
  }
  // Text by id; "" when the id is unknown.
  std::string_view text(std::size_t language, std::string_view id) const noexcept;

  // The files it was built from (export writes them back byte for byte).
  const std::vector<MenuFile>& files() const noexcept { return files_; }

 private:
  MenuSet() = default;

  std::vector<Node> nodes_;
  StringMap<NodeIndex> node_by_id_;
  NodeIndex start_ = kNoNode;
  NodeIndex home_ = kNoNode;
  Navigation navigation_;
  std::vector<std::string> languages_;
  std::vector<std::string> message_ids_;
  StringMap<MessageIndex> message_by_id_;
  std::vector<std::vector<std::string>> texts_;         // [language][message]
  std::vector<std::vector<std::uint32_t>> text_lines_;  // [language][message]
  std::vector<MenuFile> files_;

  friend class MenuSetBuilder;
};

}  // namespace ventanilla::dialog
