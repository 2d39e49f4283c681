#pragma once
// Splitting a text into parts that each go out as one SMS, for carrier APIs that send one segment
// per call (Kannel's sendsms when smsbox does not concatenate): each part is a whole SMS a feature
// phone shows on its own, so parts break between words, never inside one unless a single word is
// longer than an SMS.

#include <string>
#include <vector>

#include "text/encoding.hpp"

namespace ventanilla::text {

// Parts of `text` (already through its route's policy) that each fit one single SMS of its
// encoding: 160 GSM-7 septets (an extension character costs 2) or 70 UCS-2 units (a surrogate
// pair is never split). Breaks at spaces, dropping the space at the break; a word longer than a
// part is cut at a character boundary. One part (the text itself) when it already fits; none for
// an empty text. Pure, thread-safe.
std::vector<std::string> split_into_single_sms(const EncodedText& text);

}  // namespace ventanilla::text
