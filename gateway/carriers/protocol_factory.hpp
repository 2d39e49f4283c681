#pragma once
// The SmsProtocol (and SmsSender) for a carrier name as configured ([[route]] carrier = "..."), so
// the composition root never names protocol classes.

#include <memory>
#include <string_view>

#include "carriers/sms_protocol.hpp"
#include "carriers/sms_sender.hpp"
#include "common/error.hpp"

namespace ventanilla::carriers {

// `signature` is the Vonage signing method (md5hash, md5, sha1, sha256, sha512); other carriers
// ignore it. kInvalidArgument for an unknown carrier or method.
Result<std::unique_ptr<SmsProtocol>> make_sms_protocol(std::string_view carrier,
                                                       std::string_view signature);

// The outbound side of a carrier. kInvalidArgument for an unknown carrier and for carriers that
// only receive ("generic": its peers send on their own).
Result<std::unique_ptr<SmsSender>> make_sms_sender(std::string_view carrier);

// Capability carriers take their secret as the last path segment instead of signing requests.
bool uses_capability_path(std::string_view carrier) noexcept;

}  // namespace ventanilla::carriers
