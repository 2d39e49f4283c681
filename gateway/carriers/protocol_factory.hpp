#pragma once
// The SmsProtocol for a carrier name as configured ([[route]] carrier = "..."), so the composition
// root never names protocol classes.

#include <memory>
#include <string_view>

#include "carriers/sms_protocol.hpp"
#include "common/error.hpp"

namespace ventanilla::carriers {

// `signature` is the Vonage signing method (md5hash, md5, sha1, sha256, sha512); other carriers
// ignore it. kInvalidArgument for an unknown carrier or method.
Result<std::unique_ptr<SmsProtocol>> make_sms_protocol(std::string_view carrier,
                                                       std::string_view signature);

// Capability carriers take their secret as the last path segment instead of signing requests.
bool uses_capability_path(std::string_view carrier) noexcept;

}  // namespace ventanilla::carriers
