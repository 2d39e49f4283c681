#include "dialog/menu_set.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

namespace ventanilla::dialog {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) out += fmt::format(":{}", line);
  out += ": ";
  if (!language.empty()) out += fmt::format("[{}] ", language);
  if (!node.empty()) out += fmt::format("node {}: ", node);
  out += message;
  return out;
}

std::string_view to_string(NodeKind kind) noexcept {
  switch (kind) {
    case NodeKind::kLanguage:
      return "language";
    case NodeKind::kCountry:
      return "country";
    case NodeKind::kChoice:
      return "choice";
    case NodeKind::kAdmin1:
      return "admin1";
    case NodeKind::kInput:
      return "input";
    case NodeKind::kPlaces:
      return "places";
    case NodeKind::kHubs:
      return "hubs";
    case NodeKind::kHub:
      return "hub";
    case NodeKind::kInfo:
      return "info";
    case NodeKind::kEnd:
      return "end";
  }
  return "?";
}

namespace {

constexpr std::string_view kStructureFile = "menu.toml";
constexpr std::string_view kTextsDir = "texts/";

constexpr std::array<std::pair<std::string_view, NodeKind>, 10> kKinds{{
    {"language", NodeKind::kLanguage},
    {"country", NodeKind::kCountry},
    {"choice", NodeKind::kChoice},
    {"admin1", NodeKind::kAdmin1},
    {"input", NodeKind::kInput},
    {"places", NodeKind::kPlaces},
    {"hubs", NodeKind::kHubs},
    {"hub", NodeKind::kHub},
    {"info", NodeKind::kInfo},
    {"end", NodeKind::kEnd},
}};

constexpr std::array<std::string_view, 28> kEngineMessages{
    messages::kLanguageName,  messages::kNavBack,       messages::kNavHome,
    messages::kNavNext,       messages::kNavPrevious,   messages::kHintInvalid,
    messages::kErrorApology,  messages::kResumeTitle,   messages::kResumeContinue,
    messages::kResumeRestart, messages::kHubPhone,      messages::kHubHours,
    messages::kHubNoPhone,    messages::kHubUnverified, messages::kHubApproximate,
    messages::kSmsFooter,     messages::kSmsStopped,    messages::kSmsStarted,
    messages::kSmsHelp,       messages::kSmsErased,     messages::kSmsHubUsage,
    messages::kSmsHubNone,    messages::kKeywordsStop,  messages::kKeywordsStart,
    messages::kKeywordsHelp,  messages::kKeywordsMenu,  messages::kKeywordsErase,
    messages::kKeywordsHub,
};

std::uint32_t line_of(const toml::node& node) { return node.source().begin.line; }

bool valid_nav_input(std::string_view s) {
  return !s.empty() && s.size() <= 4 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// Collects everything a build needs and reports; kept out of the header so the MenuSet interface
// stays what readers use.
class MenuSetBuilder {
 public:
  explicit MenuSetBuilder(std::vector<MenuFile> files) : files_(std::move(files)) {}

  MenuBuild build() {
    auto menus = std::shared_ptr<MenuSet>(new MenuSet());
    set_ = menus.get();
    set_->files_ = files_;
    std::sort(set_->files_.begin(), set_->files_.end(),
              [](const MenuFile& a, const MenuFile& b) { return a.path < b.path; });
    parse_structure();
    parse_texts();
    resolve();
    MenuBuild out;
    out.errors = std::move(errors_);
    out.warnings = std::move(warnings_);
    if (out.errors.empty()) out.menus = std::move(menus);
    return out;
  }

 private:
  struct PendingOption {
    std::string label, target;
    std::uint32_t line = 0;
  };
  struct PendingNode {
    std::string title, text, empty, next;
    std::vector<PendingOption> options;
    std::uint32_t line = 0;
    // Lines of the keys themselves, so a bad reference points at its own line.
    std::uint32_t title_line = 0, text_line = 0, empty_line = 0, next_line = 0;
  };
  struct LanguageTexts {
    std::string code;
    std::string file;
    std::map<std::string, std::pair<std::string, std::uint32_t>> texts;  // id → (text, line)
    std::vector<std::string> order;                                      // file order
  };

  void error(std::string file, std::uint32_t line, std::string language, std::string node,
             std::string message) {
    errors_.push_back(
        {std::move(file), line, std::move(language), std::move(node), std::move(message)});
  }
  void warning(std::string file, std::uint32_t line, std::string language, std::string node,
               std::string message) {
    warnings_.push_back(
        {std::move(file), line, std::move(language), std::move(node), std::move(message)});
  }

  const MenuFile* file(std::string_view path) const {
    for (const auto& f : files_)
      if (f.path == path) return &f;
    return nullptr;
  }

  std::optional<toml::table> parse_toml(const MenuFile& f) {
    try {
      return toml::parse(f.content, f.path);
    } catch (const toml::parse_error& e) {
      error(f.path, e.source().begin.line, "", "",
            fmt::format("not valid TOML: {}", e.description()));
      return std::nullopt;
    }
  }

  // A string field of `table`; records an error when present with another type, or missing and
  // required.
  std::string string_field(const toml::table& table, std::string_view key, bool required,
                           std::uint32_t fallback_line, const std::string& node_id) {
    const toml::node* n = table.get(key);
    if (n == nullptr) {
      if (required)
        error(std::string(kStructureFile), fallback_line, "", node_id,
              fmt::format("missing `{}`", key));
      return {};
    }
    if (!n->is_string()) {
      error(std::string(kStructureFile), line_of(*n), "", node_id,
            fmt::format("`{}` must be a string", key));
      return {};
    }
    return std::string(**n->as_string());
  }

  void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                  const std::string& node_id, std::string_view what) {
    for (const auto& [key, value] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        error(std::string(kStructureFile), line_of(value), "", node_id,
              fmt::format("unknown key `{}` in {}", key.str(), what));
      }
    }
  }

  void parse_structure() {
    const MenuFile* f = file(kStructureFile);
    if (f == nullptr) {
      error(std::string(kStructureFile), 0, "", "", "missing: the menu structure file");
      return;
    }
    auto root = parse_toml(*f);
    if (!root) return;
    check_keys(*root, {"start", "home", "languages", "navigation", "node"}, "", "menu.toml");
    start_ = string_field(*root, "start", true, 1, "");
    start_line_ = root->get("start") ? line_of(*root->get("start")) : 1;
    home_ = string_field(*root, "home", true, 1, "");
    home_line_ = root->get("home") ? line_of(*root->get("home")) : 1;

    if (const auto* langs = root->get_as<toml::table>("languages")) {
      check_keys(*langs, {"order"}, "", "[languages]");
      if (const auto* order = langs->get_as<toml::array>("order")) {
        for (const auto& item : *order) {
          if (!item.is_string()) {
            error(f->path, line_of(item), "", "", "[languages] order: codes must be strings");
            continue;
          }
          std::string code(**item.as_string());
          if (std::find(set_->languages_.begin(), set_->languages_.end(), code) !=
              set_->languages_.end()) {
            error(f->path, line_of(item), "", "", fmt::format("language {} listed twice", code));
            continue;
          }
          set_->languages_.push_back(std::move(code));
        }
      }
    }
    if (set_->languages_.empty()) error(f->path, 1, "", "", "[languages] order: no language");

    if (const auto* nav = root->get_as<toml::table>("navigation")) {
      check_keys(*nav, {"back", "home", "next", "previous"}, "", "[navigation]");
      auto& n = set_->navigation_;
      for (auto [key, slot] :
           std::array<std::pair<std::string_view, std::string*>, 4>{{{"back", &n.back},
                                                                     {"home", &n.home},
                                                                     {"next", &n.next},
                                                                     {"previous", &n.previous}}}) {
        if (const auto* v = nav->get(key)) {
          if (!v->is_string() || !valid_nav_input(**v->as_string())) {
            error(f->path, line_of(*v), "", "",
                  fmt::format("[navigation] {}: must be 1 to 4 digits, as a string", key));
          } else {
            *slot = std::string(**v->as_string());
          }
        }
      }
      const std::set<std::string> distinct{n.back, n.home, n.next, n.previous};
      if (distinct.size() != 4)
        error(f->path, line_of(*nav), "", "", "[navigation] inputs must differ");
    }

    const auto* nodes = root->get_as<toml::array>("node");
    if (nodes == nullptr || nodes->empty()) {
      error(f->path, 1, "", "", "no [[node]] defined");
      return;
    }
    for (const auto& item : *nodes) {
      const auto* table = item.as_table();
      if (table == nullptr) continue;
      parse_node(*table);
    }
  }

  Action parse_action(const toml::table& table, const std::string& node_id) {
    const std::string name = string_field(table, "action", false, 0, node_id);
    if (name.empty()) return Action::kNone;
    if (name == "send_hub_sms") return Action::kSendHubSms;
    if (name == "opt_out") return Action::kOptOut;
    error(std::string(kStructureFile), line_of(*table.get("action")), "", node_id,
          fmt::format("unknown action `{}` (send_hub_sms, opt_out)", name));
    return Action::kNone;
  }

  void parse_node(const toml::table& table) {
    const std::uint32_t line = line_of(table);
    Node node;
    node.line = line;
    node.id = string_field(table, "id", true, line, "");
    if (node.id.empty()) return;
    if (set_->node_by_id_.count(node.id) != 0) {
      error(std::string(kStructureFile), line, "", node.id, "id used twice");
      return;
    }
    const std::string kind = string_field(table, "kind", true, line, node.id);
    const auto* k =
        std::find_if(kKinds.begin(), kKinds.end(), [&](const auto& p) { return p.first == kind; });
    if (k == kKinds.end()) {
      if (!kind.empty())
        error(std::string(kStructureFile), line_of(*table.get("kind")), "", node.id,
              fmt::format("unknown kind `{}`", kind));
      return;
    }
    node.kind = k->second;
    check_keys(table,
               {"id", "kind", "title", "text", "empty", "next", "options", "per_country", "action",
                "handler"},
               node.id, "[[node]]");

    PendingNode pending;
    pending.line = line;
    const bool listy = node.kind == NodeKind::kLanguage || node.kind == NodeKind::kCountry ||
                       node.kind == NodeKind::kAdmin1 || node.kind == NodeKind::kPlaces ||
                       node.kind == NodeKind::kHubs || node.kind == NodeKind::kChoice ||
                       node.kind == NodeKind::kInput;
    pending.title = string_field(table, "title", listy, line, node.id);
    const bool texty = node.kind == NodeKind::kInfo || node.kind == NodeKind::kEnd;
    pending.text = string_field(table, "text", texty, line, node.id);
    pending.empty = string_field(table, "empty", false, line, node.id);
    const bool needs_next = node.kind == NodeKind::kLanguage || node.kind == NodeKind::kCountry ||
                            node.kind == NodeKind::kAdmin1 || node.kind == NodeKind::kPlaces ||
                            node.kind == NodeKind::kHubs || node.kind == NodeKind::kInput;
    pending.next = string_field(table, "next", needs_next, line, node.id);
    auto key_line = [&](std::string_view key) {
      const toml::node* n = table.get(key);
      return n != nullptr ? line_of(*n) : line;
    };
    pending.title_line = key_line("title");
    pending.text_line = key_line("text");
    pending.empty_line = key_line("empty");
    pending.next_line = key_line("next");
    node.action = parse_action(table, node.id);
    if (node.action != Action::kNone && node.kind != NodeKind::kEnd) {
      error(std::string(kStructureFile), line, "", node.id,
            "`action` on a node belongs to end nodes; put it on an option");
    }
    if (const auto* pc = table.get("per_country")) {
      if (!pc->is_boolean()) {
        error(std::string(kStructureFile), line_of(*pc), "", node.id,
              "`per_country` must be true or false");
      } else {
        node.per_country = **pc->as_boolean();
      }
    }
    if (node.kind == NodeKind::kInput) {
      const std::string handler = string_field(table, "handler", true, line, node.id);
      if (!handler.empty() && handler != "place_search") {
        error(std::string(kStructureFile), line_of(*table.get("handler")), "", node.id,
              fmt::format("unknown handler `{}` (place_search)", handler));
      }
    }
    if (const auto* opts = table.get("options")) {
      const auto* array = opts->as_array();
      if (array == nullptr) {
        error(std::string(kStructureFile), line_of(*opts), "", node.id,
              "`options` must be an array");
      } else {
        for (const auto& o : *array) {
          const auto* ot = o.as_table();
          if (ot == nullptr) {
            error(std::string(kStructureFile), line_of(o), "", node.id,
                  "each option is a table { label = ..., goto = ... }");
            continue;
          }
          check_keys(*ot, {"label", "goto", "service", "action"}, node.id, "option");
          Option option;
          option.line = line_of(o);
          PendingOption po;
          po.line = option.line;
          po.label = string_field(*ot, "label", true, option.line, node.id);
          po.target = string_field(*ot, "goto", true, option.line, node.id);
          option.service = string_field(*ot, "service", false, option.line, node.id);
          option.action = parse_action(*ot, node.id);
          node.options.push_back(std::move(option));
          pending.options.push_back(std::move(po));
        }
      }
    }
    if (node.kind == NodeKind::kChoice && node.options.empty()) {
      error(std::string(kStructureFile), line, "", node.id, "a choice needs at least one option");
    }
    if (node.options.size() > 90) {
      error(std::string(kStructureFile), line, "", node.id, "more than 90 options");
    }
    const auto index = static_cast<NodeIndex>(set_->nodes_.size());
    set_->node_by_id_.emplace(node.id, index);
    set_->nodes_.push_back(std::move(node));
    pending_.push_back(std::move(pending));
  }

  static void flatten(const toml::table& table, const std::string& prefix, LanguageTexts& out,
                      MenuSetBuilder& self) {
    for (const auto& [key, value] : table) {
      std::string id =
          prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
      if (const auto* sub = value.as_table()) {
        flatten(*sub, id, out, self);
      } else if (const auto* s = value.as_string()) {
        out.order.push_back(id);
        out.texts.emplace(std::move(id), std::make_pair(std::string(**s), line_of(value)));
      } else {
        self.error(out.file, line_of(value), out.code, "",
                   fmt::format("{}: a text must be a string", id));
      }
    }
  }

  void parse_texts() {
    for (const auto& code : set_->languages_) {
      LanguageTexts lt;
      lt.code = code;
      lt.file = std::string(kTextsDir) + code + ".toml";
      const MenuFile* f = file(lt.file);
      if (f == nullptr) {
        error(lt.file, 0, code, "", "missing: the texts of a language listed in menu.toml");
        languages_.push_back(std::move(lt));
        continue;
      }
      if (auto root = parse_toml(*f)) flatten(*root, "", lt, *this);
      for (const auto& [id, entry] : lt.texts) {
        if (entry.first.empty())
          error(lt.file, entry.second, code, "", fmt::format("{}: empty text", id));
        if (entry.first.find('\r') != std::string::npos)
          error(lt.file, entry.second, code, "", fmt::format("{}: carriage return in text", id));
      }
      languages_.push_back(std::move(lt));
    }
    for (const auto& f : files_) {
      if (f.path.starts_with(kTextsDir) && f.path.ends_with(".toml")) {
        const std::string code =
            f.path.substr(kTextsDir.size(), f.path.size() - kTextsDir.size() - 5);
        if (std::find(set_->languages_.begin(), set_->languages_.end(), code) ==
            set_->languages_.end()) {
          warning(f.path, 0, code, "", "not listed in menu.toml [languages] order: not served");
        }
      }
    }
  }

  MessageIndex reference(const std::string& id, std::uint32_t line, const std::string& node) {
    if (id.empty()) return kNoMessage;
    referenced_.insert(id);
    auto it = set_->message_by_id_.find(id);
    if (it != set_->message_by_id_.end()) return it->second;
    bool anywhere = false;
    for (const auto& lt : languages_) anywhere = anywhere || lt.texts.count(id) != 0;
    if (!anywhere) {
      error(std::string(kStructureFile), line, "", node,
            fmt::format("text `{}` is in no language file", id));
      return kNoMessage;
    }
    return kNoMessage;  // every id in any language was registered by resolve(): unreachable
  }

  NodeIndex target(const std::string& id, std::uint32_t line, const std::string& node) {
    if (id.empty()) return kNoNode;
    auto it = set_->node_by_id_.find(id);
    if (it == set_->node_by_id_.end()) {
      error(std::string(kStructureFile), line, "", node,
            fmt::format("leads to `{}`, which is not a node", id));
      return kNoNode;
    }
    return it->second;
  }

  void resolve() {
    // Every id of any language becomes a message; a language lacking one is an error (missing
    // translation), reported at the line of the id in the reference language.
    std::set<std::string> all_ids;
    for (const auto& lt : languages_)
      for (const auto& [id, entry] : lt.texts) all_ids.insert(id);
    for (const auto& id : all_ids) {
      set_->message_by_id_.emplace(id, static_cast<MessageIndex>(set_->message_ids_.size()));
      set_->message_ids_.push_back(id);
    }
    set_->texts_.assign(languages_.size(), std::vector<std::string>(all_ids.size()));
    set_->text_lines_.assign(languages_.size(), std::vector<std::uint32_t>(all_ids.size(), 0));
    for (std::size_t l = 0; l < languages_.size(); ++l) {
      const auto& lt = languages_[l];
      if (lt.order.empty() && lt.texts.empty()) continue;  // missing file: already reported
      for (const auto& [id, m] : set_->message_by_id_) {
        auto it = lt.texts.find(id);
        if (it == lt.texts.end()) {
          std::uint32_t ref_line = 0;
          std::string ref_lang;
          for (const auto& other : languages_) {
            if (auto o = other.texts.find(id); o != other.texts.end()) {
              ref_line = o->second.second;
              ref_lang = other.code;
              break;
            }
          }
          error(lt.file, 0, lt.code, "",
                fmt::format("missing translation of `{}` (texts/{}.toml:{})", id, ref_lang,
                            ref_line));
          continue;
        }
        set_->texts_[l][m] = it->second.first;
        set_->text_lines_[l][m] = it->second.second;
      }
    }
    for (const auto id : kEngineMessages) {
      if (all_ids.count(std::string(id)) == 0)
        error(std::string(kTextsDir) + (set_->languages_.empty() ? "es" : set_->languages_[0]) +
                  ".toml",
              0, "", "", fmt::format("missing `{}`, a text the engine needs", id));
      referenced_.insert(std::string(id));
    }

    for (std::size_t i = 0; i < set_->nodes_.size(); ++i) {
      Node& node = set_->nodes_[i];
      const PendingNode& p = pending_[i];
      node.title = reference(p.title, p.title_line, node.id);
      node.text = reference(p.text, p.text_line, node.id);
      node.empty = reference(p.empty, p.empty_line, node.id);
      node.next = target(p.next, p.next_line, node.id);
      for (std::size_t o = 0; o < node.options.size(); ++o) {
        node.options[o].label = reference(p.options[o].label, p.options[o].line, node.id);
        node.options[o].target = target(p.options[o].target, p.options[o].line, node.id);
      }
      if (node.per_country && !p.text.empty()) per_country_prefixes_.push_back(p.text + ".");
    }
    set_->start_ = target(start_, start_line_, "");
    set_->home_ = target(home_, home_line_, "");
    if (set_->start_ != kNoNode && set_->nodes_[set_->start_].kind == NodeKind::kEnd)
      error(std::string(kStructureFile), start_line_, "", start_, "start must not be an end node");

    check_reachability();

    for (const auto& id : all_ids) {
      if (referenced_.count(id) != 0 || id.starts_with(messages::kCountryPrefix)) continue;
      const bool variant = std::any_of(per_country_prefixes_.begin(), per_country_prefixes_.end(),
                                       [&](const std::string& pre) { return id.starts_with(pre); });
      if (variant) continue;
      std::uint32_t line = 0;
      if (!languages_.empty()) {
        if (auto it = languages_[0].texts.find(id); it != languages_[0].texts.end())
          line = it->second.second;
      }
      warning(languages_.empty() ? std::string() : languages_[0].file, line, "", "",
              fmt::format("text `{}` is used by no node", id));
    }
  }

  void check_reachability() {
    if (set_->nodes_.empty() || set_->start_ == kNoNode) return;
    std::vector<bool> seen(set_->nodes_.size(), false);
    std::vector<NodeIndex> work{set_->start_};
    if (set_->home_ != kNoNode) work.push_back(set_->home_);
    while (!work.empty()) {
      const NodeIndex n = work.back();
      work.pop_back();
      if (n == kNoNode || seen[n]) continue;
      seen[n] = true;
      const Node& node = set_->nodes_[n];
      work.push_back(node.next);
      for (const auto& o : node.options) work.push_back(o.target);
    }
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (!seen[i])
        error(std::string(kStructureFile), set_->nodes_[i].line, "", set_->nodes_[i].id,
              "unreachable from start or home");
    }
    for (std::size_t i = 0; i < set_->nodes_.size(); ++i) {
      const Node& node = set_->nodes_[i];
      const bool leaf = node.kind == NodeKind::kInfo || node.kind == NodeKind::kEnd ||
                        node.kind == NodeKind::kHub;
      if (!leaf && node.next == kNoNode && node.options.empty())
        error(std::string(kStructureFile), node.line, "", node.id, "leads nowhere (dangling)");
    }
  }

  std::vector<MenuFile> files_;
  MenuSet* set_ = nullptr;
  std::vector<PendingNode> pending_;
  std::vector<LanguageTexts> languages_;
  std::string start_, home_;
  std::uint32_t start_line_ = 0, home_line_ = 0;
  std::set<std::string> referenced_;
  std::vector<std::string> per_country_prefixes_;
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
};

MenuBuild MenuSet::build(std::vector<MenuFile> files) {
  return MenuSetBuilder(std::move(files)).build();
}

NodeIndex MenuSet::find_node(std::string_view id) const noexcept {
  auto it = node_by_id_.find(id);
  return it == node_by_id_.end() ? kNoNode : it->second;
}

int MenuSet::language_index(std::string_view code) const noexcept {
  for (std::size_t i = 0; i < languages_.size(); ++i)
    if (languages_[i] == code) return static_cast<int>(i);
  return -1;
}

MessageIndex MenuSet::find_message(std::string_view id) const noexcept {
  auto it = message_by_id_.find(id);
  return it == message_by_id_.end() ? kNoMessage : it->second;
}

std::string_view MenuSet::text(std::size_t language, std::string_view id) const noexcept {
  const MessageIndex m = find_message(id);
  if (m == kNoMessage || language >= texts_.size()) return {};
  return texts_[language][m];
}

}  // namespace ventanilla::dialog
