#include "directory/text_fold.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <array>

namespace ventanilla::directory {

namespace {

// NFKD so ligatures and full-width forms become plain letters; IGNORE drops soft hyphens and
// zero-width joiners that would otherwise split a word.
constexpr int kFoldOptions =
    UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE;

// Apostrophes join rather than split: "Matthew's" must not leave a stray "s" token (which would
// then read as the abbreviation "S." = San), and "Aguaskal'entes" stays one word.
bool is_apostrophe(utf8proc_int32_t cp) noexcept {
  return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == 0x00B4 || cp == '`';
}

bool is_ascii_alnum(utf8proc_int32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char ascii_lower(utf8proc_int32_t c) noexcept {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

bool is_letter_or_number(utf8proc_int32_t cp) noexcept {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

struct Abbreviation {
  std::string_view token;
  std::string_view expansion;
};

// Abbreviations seen in Mexican and Central American place names and in how people write them.
// "s"/"sn" (San) is safe only because apostrophes join: see is_apostrophe().
constexpr std::array<Abbreviation, 34> kAbbreviations = {{
    {"cd", "ciudad"},
    {"sta", "santa"},
    {"sto", "santo"},
    {"s", "san"},
    {"sn", "san"},
    {"st", "saint"},
    {"gral", "general"},
    {"col", "colonia"},
    {"fracc", "fraccionamiento"},
    {"frac", "fraccionamiento"},
    {"pto", "puerto"},
    {"nvo", "nuevo"},
    {"nva", "nueva"},
    {"mpio", "municipio"},
    {"ej", "ejido"},
    {"lic", "licenciado"},
    {"ing", "ingeniero"},
    {"dr", "doctor"},
    {"prof", "profesor"},
    {"1ra", "primera"},
    {"1a", "primera"},
    {"2da", "segunda"},
    {"2a", "segunda"},
    {"3ra", "tercera"},
    {"3a", "tercera"},
    {"4ta", "cuarta"},
    {"5ta", "quinta"},
    {"6ta", "sexta"},
    {"1ro", "primero"},
    {"1o", "primero"},
    {"2do", "segundo"},
    {"3ro", "tercero"},
    {"4to", "cuarto"},
    {"gtz", "gutierrez"},
}};

constexpr std::array<std::string_view, 9> kStopwords = {"de",  "del", "la",  "las", "el",
                                                        "los", "y",   "the", "of"};

constexpr std::array<std::string_view, 11> kAreaWords = {
    "department", "departamento", "province",  "provincia",    "district", "distrito",
    "state",      "estado",       "municipio", "municipality", "city"};

}  // namespace

void FoldedText::assign(std::string_view utf8) {
  text_.clear();
  spans_.clear();
  token_start_ = 0;
  if (text_.capacity() < utf8.size()) text_.reserve(utf8.size());

  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  const std::size_t n = utf8.size();
  std::size_t i = 0;
  std::array<utf8proc_int32_t, 32> decomposed{};
  while (i < n) {
    const utf8proc_uint8_t b = bytes[i];
    if (b < 0x80) {
      // ASCII fast path: most input is plain ASCII from a feature-phone keypad.
      if (is_ascii_alnum(b)) {
        text_.push_back(ascii_lower(b));
      } else if (!is_apostrophe(b)) {
        finish_token();
      }
      ++i;
      continue;
    }
    utf8proc_int32_t cp = 0;
    const auto len = utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(n - i), &cp);
    if (len <= 0) {
      finish_token();
      ++i;
      continue;
    }
    i += static_cast<std::size_t>(len);
    if (is_apostrophe(cp)) continue;
    int boundclass = UTF8PROC_BOUNDCLASS_START;
    const auto count = utf8proc_decompose_char(
        cp, decomposed.data(), static_cast<utf8proc_ssize_t>(decomposed.size()),
        static_cast<utf8proc_option_t>(kFoldOptions), &boundclass);
    if (count < 0 || static_cast<std::size_t>(count) > decomposed.size()) {
      finish_token();
      continue;
    }
    for (std::size_t k = 0; k < static_cast<std::size_t>(count); ++k) {
      const utf8proc_int32_t c = decomposed[k];
      if (c < 0x80) {
        if (is_ascii_alnum(c)) {
          text_.push_back(ascii_lower(c));
        } else if (!is_apostrophe(c)) {
          finish_token();
        }
      } else if (is_letter_or_number(c)) {
        std::array<utf8proc_uint8_t, 4> out{};
        const auto w = utf8proc_encode_char(c, out.data());
        text_.append(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(w));
      } else {
        finish_token();
      }
    }
  }
  finish_token();
  if (!text_.empty()) text_.pop_back();  // the separator finish_token() left after the last token
}

void FoldedText::finish_token() {
  if (text_.size() == token_start_) return;
  const std::string_view token(text_.data() + token_start_, text_.size() - token_start_);
  if (const auto expansion = expand_abbreviation(token); !expansion.empty()) {
    text_.resize(token_start_);
    text_.append(expansion);
  }
  spans_.emplace_back(static_cast<std::uint32_t>(token_start_),
                      static_cast<std::uint32_t>(text_.size() - token_start_));
  text_.push_back(' ');
  token_start_ = text_.size();
}

std::string fold(std::string_view utf8) {
  FoldedText folded(utf8);
  return std::string(folded.text());
}

std::string_view expand_abbreviation(std::string_view folded_token) noexcept {
  if (folded_token.size() > 5) return {};
  for (const auto& a : kAbbreviations) {
    if (a.token == folded_token) return a.expansion;
  }
  return {};
}

bool is_stopword(std::string_view folded_token) noexcept {
  if (folded_token.size() > 3) return false;
  return std::find(kStopwords.begin(), kStopwords.end(), folded_token) != kStopwords.end();
}

bool is_area_word(std::string_view folded_token) noexcept {
  return std::find(kAreaWords.begin(), kAreaWords.end(), folded_token) != kAreaWords.end();
}

std::size_t bounded_edit_distance(std::string_view a, std::string_view b,
                                  std::size_t max_distance) noexcept {
  if (a == b) return 0;
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  const std::size_t over = max_distance + 1;
  if (n > kMaxEditTokenBytes || m > kMaxEditTokenBytes) return over;
  if ((n > m ? n - m : m - n) > max_distance) return over;
  if (n == 0 || m == 0) return std::max(n, m);

  // Three rolling rows of the OSA matrix, computed only inside the diagonal band |i - j| <= max:
  // cells outside it cannot lead to a distance within the bound. Each row writes one sentinel on
  // either side of its band, which is exactly what the next two rows read.
  using Row = std::array<std::size_t, kMaxEditTokenBytes + 2>;
  std::array<Row, 3> rows;
  Row* prev2 = &rows[0];
  Row* prev = &rows[1];
  Row* cur = &rows[2];
  for (std::size_t j = 0; j <= m; ++j) (*prev)[j] = j <= max_distance ? j : over;
  prev2->fill(over);
  for (std::size_t i = 1; i <= n; ++i) {
    const std::size_t lo = i > max_distance ? i - max_distance : 1;
    const std::size_t hi = std::min(m, i + max_distance);
    (*cur)[lo - 1] = lo == 1 ? (i <= max_distance ? i : over) : over;
    if (hi + 1 <= m) (*cur)[hi + 1] = over;
    std::size_t row_min = (*cur)[lo - 1];
    for (std::size_t j = lo; j <= hi; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      std::size_t d = std::min({(*prev)[j] + 1, (*cur)[j - 1] + 1, (*prev)[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d = std::min(d, (*prev2)[j - 2] + 1);
      }
      d = std::min(d, over);
      (*cur)[j] = d;
      row_min = std::min(row_min, d);
    }
    if (row_min > max_distance) return over;
    Row* recycled = prev2;
    prev2 = prev;
    prev = cur;
    cur = recycled;
  }
  return std::min((*prev)[m], over);
}

void EditDistancePattern::assign(std::string_view pattern) noexcept {
  for (std::size_t i = 0; i < size_; ++i) masks_[static_cast<unsigned char>(pattern_[i])] = 0;
  size_ = 0;
  too_long_ = pattern.size() > kMaxEditTokenBytes;
  if (too_long_) return;
  size_ = pattern.size();
  std::copy(pattern.begin(), pattern.end(), pattern_.begin());
  for (std::size_t i = 0; i < size_; ++i) {
    masks_[static_cast<unsigned char>(pattern_[i])] |= std::uint64_t{1} << i;
  }
}

std::size_t EditDistancePattern::distance(std::string_view text,
                                          std::size_t max_distance) const noexcept {
  const std::size_t m = size_;
  const std::size_t n = text.size();
  const std::size_t over = max_distance + 1;
  if (too_long_ || n > kMaxEditTokenBytes) return over;
  if ((m > n ? m - n : n - m) > max_distance) return over;
  if (m == 0) return n;

  // Column-wise vertical deltas of the DP matrix as bit vectors: VP/VN mark +1/-1 steps down a
  // column; D0 marks diagonal zero steps. TR adds the transposition case of OSA distance.
  const std::uint64_t last = std::uint64_t{1} << (m - 1);
  std::uint64_t vp = ~std::uint64_t{0};
  std::uint64_t vn = 0;
  std::uint64_t d0 = 0;
  std::uint64_t pm_prev = 0;
  std::size_t dist = m;
  for (std::size_t j = 0; j < n; ++j) {
    const std::uint64_t pm = masks_[static_cast<unsigned char>(text[j])];
    const std::uint64_t tr = (((~d0) & pm) << 1) & pm_prev;
    d0 = (((pm & vp) + vp) ^ vp) | pm | vn | tr;
    std::uint64_t hp = vn | ~(d0 | vp);
    std::uint64_t hn = d0 & vp;
    if (hp & last) ++dist;
    if (hn & last) --dist;
    hp = (hp << 1) | 1;
    hn <<= 1;
    vp = hn | ~(d0 | hp);
    vn = hp & d0;
    pm_prev = pm;
    // Each remaining column lowers the distance by at most one.
    if (dist > max_distance + (n - 1 - j)) return over;
  }
  return std::min(dist, over);
}

std::uint64_t token_signature(std::string_view folded_token) noexcept {
  std::uint64_t sig = 0;
  for (const char c : folded_token) {
    unsigned slot = 27;
    if (c >= 'a' && c <= 'z') {
      slot = static_cast<unsigned>(c - 'a');
    } else if (c >= '0' && c <= '9') {
      slot = 26;
    }
    const std::uint64_t once = std::uint64_t{1} << (2 * slot);
    sig |= (sig & once) ? once << 1 : once;
  }
  return sig;
}

#if defined(__x86_64__) && defined(__GNUC__)
// Debian builds for baseline x86-64, where a popcount is a libgcc call; this loop runs over
// thousands of tokens per misspelled word, so pick the POPCNT instruction at load time when the
// CPU has it.
__attribute__((target_clones("popcnt", "default")))
#endif
std::size_t
filter_by_signature(const std::uint64_t* signatures, std::size_t count, std::uint64_t query,
                    int max_distance, std::uint32_t* out) noexcept {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t s = signatures[i];
    out[kept] = static_cast<std::uint32_t>(i);
    // Branch-free: always write, advance only when kept.
    const bool keep = __builtin_popcountll(s & ~query) <= max_distance &&
                      __builtin_popcountll(query & ~s) <= max_distance;
    kept += keep ? 1 : 0;
  }
  return kept;
}

}  // namespace ventanilla::directory
