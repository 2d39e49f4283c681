#pragma once
// What every USSD carrier protocol does, behind one interface: turn the carrier's request into a
// UssdHop, and a screen into the carrier's reply. One protocol per file (africastalking_ussd.*);
// the inbound pipeline, sessions and menus are shared by all of them.
//
// Pure: no sockets, no storage. A parsed hop holds the raw number as a PhoneNumber (which cannot
// be logged); the pipeline pseudonymizes it straight away.

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "privacy/phone_number.hpp"

namespace ventanilla::carriers {

// The parts of an HTTP request a protocol reads (kept free of HTTP library types).
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
  // Errors are kInvalidArgument with a detail naming the field; they never echo the number.
  virtual Result<UssdHop> parse(const InboundRequest& request) const = 0;
  // `text` is already fitted and encoded for the route.
  virtual UssdReply reply(std::string_view text, bool end) const = 0;
};

}  // namespace ventanilla::carriers
