#include "storage/translation_store.hpp"

namespace ventanilla::storage {

std::map<std::string, TranslationNote> load_translation_notes(Database& db,
                                                              std::string_view language) {
  auto stmt = db.cached(
      "SELECT message_id, comments, source_text FROM translation_notes WHERE language = ?1");
  stmt->bind(1, language);
  std::map<std::string, TranslationNote> notes;
  while (stmt->step()) {
    notes[std::string(stmt->column_text_view(0))] = {std::string(stmt->column_text_view(1)),
                                                     std::string(stmt->column_text_view(2))};
  }
  return notes;
}

void put_translation_note(Database& db, std::string_view language, std::string_view message_id,
                          const TranslationNote& note, std::int64_t now_ms) {
  auto stmt = db.cached(
      "INSERT INTO translation_notes(language, message_id, comments, source_text, updated_ms) "
      "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(language, message_id) DO UPDATE SET "
      "comments = excluded.comments, source_text = excluded.source_text, "
      "updated_ms = excluded.updated_ms");
  stmt->bind_all(language, message_id, std::string_view(note.comments),
                 std::string_view(note.source_text), now_ms);
  stmt->run();
}

}  // namespace ventanilla::storage
