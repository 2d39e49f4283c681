#pragma once
// Percent-encoding as a carrier's client writes form bodies and query strings: RFC 3986's
// unreserved characters (ASCII letters, digits, "-._~") kept, every other byte %XX in uppercase
// hex (a space too, so tests never depend on '+' handling). Written here, not taken from the
// gateway, so tests do not encode with the code they test.

#include <string>
#include <string_view>

namespace ventanilla::test {

std::string form_encode(std::string_view bytes);

}  // namespace ventanilla::test
