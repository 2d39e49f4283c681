#pragma once
// What every USSD carrier protocol does, behind one interface: check that a request comes from
// the carrier, turn it into a UssdHop, and a screen into the carrier's reply. One protocol per
// file (africastalking_ussd.*, generic_json.*); the inbound pipeline, sessions and menus are
// shared by all of them.
//
// Pure: no sockets, no storage, no clock (the time comes in RouteAuth::now_s). A parsed hop holds
// the raw number as a PhoneNumber (which cannot be logged); the pipeline pseudonymizes it straight
// away.

#include <string>
#include <string_view>

#include "carriers/sms_protocol.hpp"
#include "common/error.hpp"
#include "privacy/phone_number.hpp"

namespace ventanilla::carriers {

// The parts of an HTTP request a protocol parses (kept free of HTTP library types).
struct InboundRequest {
  std::string_view content_type;
  std::string_view body;
};

struct UssdHop {
  std::string session_id;    // the carrier's id, constant across the hops of one session
  std::string service_code;  // the code dialled, "*123#"
  privacy::PhoneNumber phone;
  std::string network_code;  // MCC+MNC ("704001"), "" when the carrier does not send it
  std::string text;          // every input so far, joined by '*'; "" on the first hop
};

struct UssdReply {
  std::string content_type;
  std::string body;
};

class UssdProtocol {
 public:
  virtual ~UssdProtocol() = default;

  // Checks the request's signature, on the raw bytes, before anything is parsed (the same
  // RouteAuth as the SMS protocols: secrets, timestamp window, clock). Protocols that sign
  // nothing (Africa's Talking) return ok: their route is protected by where it listens (the
  // local default binds loopback) and by the carrier's network, not by this step. Errors:
  // kPermissionDenied, detail without secrets.
  virtual Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const = 0;

  // Errors are kInvalidArgument with a detail naming the field; they never echo the number.
  virtual Result<UssdHop> parse(const InboundRequest& request) const = 0;

  // The Content-Type of every reply body: stored replies are replayed with it.
  virtual std::string_view reply_content_type() const noexcept = 0;

  // `text` is already fitted and encoded for the route.
  virtual UssdReply reply(std::string_view text, bool end) const = 0;
};

}  // namespace ventanilla::carriers
