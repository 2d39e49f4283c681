#pragma once
// Translation notes (table translation_notes, data/schema/0010_translation_notes.sql): translator
// comments and the source text each translation was made from, kept across PO round trips.
//
// Thread: the thread that owns `db`. Throws SqliteError.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace ventanilla::storage {

struct TranslationNote {
  std::string comments;
  std::string source_text;
};

// By message id.
std::map<std::string, TranslationNote> load_translation_notes(Database& db,
                                                              std::string_view language);

void put_translation_note(Database& db, std::string_view language, std::string_view message_id,
                          const TranslationNote& note, std::int64_t now_ms);

}  // namespace ventanilla::storage
