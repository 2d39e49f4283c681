// What staff send: admin API JSON bodies read field by field, translators' PO files, and the
// in-place rewrite of one text in a language file.
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "admin/json_fields.hpp"
#include "admin/po_file.hpp"
#include "carriers/field_checks.hpp"
#include "carriers/json_body.hpp"
#include "dialog/text_file.hpp"
#include "fuzz_target.hpp"
#include "support/shipped_data.hpp"
#include "text/encoding.hpp"

namespace vf = ventanilla::fuzz;
namespace admin = ventanilla::admin;

// A body as the admin API reads it (strict JSON object, then fields): either an error that names
// a field, or values inside the limits the route asked for, free of control and bidi characters.
VENTANILLA_FUZZ_TARGET(admin_json) {
  auto object = ventanilla::carriers::parse_json_object(data, "body");
  if (!object) {
    FUZZ_CHECK(!object.error().where.empty() && !object.error().detail.empty());
    return;
  }
  admin::JsonFields fields(*object);
  const auto name = fields.text("name", 80, false);
  const auto text = fields.text("text", 200, false, true);
  const auto days = fields.integer("expires_days", 1, 3650, false);
  const auto disabled = fields.boolean("disabled", false);
  const auto inputs = fields.texts("inputs", 50, 40, false);
  const auto error = fields.finish();
  if (error) {
    FUZZ_CHECK(!error->where.empty() && !error->detail.empty());
    return;
  }
  if (name)
    FUZZ_CHECK(ventanilla::text::code_points(*name) >= 1 &&
               ventanilla::text::code_points(*name) <= 80 && !admin::text_problem(*name));
  if (text)
    FUZZ_CHECK(ventanilla::text::code_points(*text) <= 200 && !admin::text_problem(*text, true));
  if (days) FUZZ_CHECK(*days >= 1 && *days <= 3650);
  if (inputs) {
    FUZZ_CHECK(inputs->size() <= 50);
    for (const auto& i : *inputs)
      FUZZ_CHECK(ventanilla::text::code_points(i) <= 40 && !admin::text_problem(i));
  }
  (void)disabled;
}

// Property: a PO file that parses writes back to one that parses to the same entries.
VENTANILLA_FUZZ_TARGET(po_file) {
  const auto po = admin::parse_po(data, "fuzz.po");
  if (!po) {
    FUZZ_CHECK(po.error().where.starts_with("fuzz.po:") && !po.error().detail.empty());
    return;
  }
  const auto again = admin::parse_po(admin::write_po(*po), "again.po");
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->header == po->header);
  FUZZ_CHECK(again->entries.size() == po->entries.size());
  for (std::size_t i = 0; i < po->entries.size(); ++i) {
    const auto& a = po->entries[i];
    const auto& b = again->entries[i];
    FUZZ_CHECK(a.context == b.context && a.msgid == b.msgid && a.msgstr == b.msgstr);
    FUZZ_CHECK(a.flags == b.flags && a.previous_msgid == b.previous_msgid);
  }
}

// Property: rewriting one text of the shipped Spanish file in place (the first byte picks which,
// the rest is the new text) leaves a valid file in which that text is the new one and every other
// text is unchanged.
VENTANILLA_FUZZ_TARGET(text_file) {
  static const std::string shipped =
      ventanilla::test::read_file(std::string(VENTANILLA_SOURCE_DIR) + "/menus/texts/es.toml");
  static const auto entries = *ventanilla::dialog::read_text_file(shipped, "texts/es.toml");
  if (data.empty() || entries.empty()) return;
  const auto& target = entries[static_cast<unsigned char>(data[0]) % entries.size()];
  const std::string_view text = data.substr(1);
  if (!ventanilla::carriers::valid_utf8(text)) return;  // TOML files are UTF-8; the API checks
  auto edited = ventanilla::dialog::replace_text(shipped, "texts/es.toml", target.id, text);
  FUZZ_CHECK(edited.has_value());
  const auto reread = ventanilla::dialog::read_text_file(*edited, "texts/es.toml");
  FUZZ_CHECK(reread.has_value());
  FUZZ_CHECK(reread->size() == entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    FUZZ_CHECK((*reread)[i].id == entries[i].id);
    FUZZ_CHECK((*reread)[i].text ==
               (entries[i].id == target.id ? std::string(text) : entries[i].text));
  }
}
