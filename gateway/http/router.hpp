#pragma once
// The route table: a plain list of routes, matched by path then method. Small on purpose (about
// ten routes), so a linear scan beats any trie and the table reads as documentation.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "http/http_message.hpp"
#include "http/load_gauge.hpp"

namespace ventanilla::http {

// Per-request facts a handler may log or use. Never holds a phone number or a body.
struct RequestContext {
  std::string_view request_id;
  std::string_view route_name;
  std::string_view peer_address;  // textual IP of the TCP peer
};

// Cheap, non-blocking handlers (health, metrics) run inline on the connection's strand.
using SyncHandler = std::function<HttpResponse(const HttpRequest&, RequestContext&)>;
// Handlers that wait on storage or other I/O. They run under the handler deadline: past it the
// client gets 503 (or the route's shed reply) and the handler's eventual result is discarded.
using AsyncHandler =
    std::function<boost::asio::awaitable<HttpResponse>(const HttpRequest&, RequestContext&)>;

// What the server answers, instead of the handler, for a request it sheds (or whose handler passed
// its deadline). Called on the connection's strand for each such request, so it must be cheap and
// non-blocking: no storage, no body (the body is not read), ideally a pointer to a reply rendered
// in advance. Returning nullptr means the default 503 + Retry-After.
using ShedReply = std::function<std::shared_ptr<const HttpResponse>()>;

struct RouteOptions {
  std::optional<std::uint64_t> max_body_bytes;  // tighter than the global cap
  bool requires_content_length = false;         // carrier webhooks: 411 without Content-Length
  // /healthz, /readyz and /metrics must stay cheap and always answer, above all under load.
  bool exempt_from_shedding = false;
  // When the route is shed under load (load_gauge.hpp). A route that says nothing goes first.
  ShedClass shed_class = ShedClass::kAdmin;
  // Unset: a shed request gets 503 + Retry-After, which carriers retry (SMS, delivery reports).
  // USSD sets its protocol's end-of-session apology: a carrier shows a 503 as an error page.
  ShedReply shed_reply;
};

struct Route {
  std::string name;             // metrics label and log tag: never holds a secret
  std::string path;             // exact match on the %-encoded path
  std::vector<Method> methods;  // at least one
  std::variant<SyncHandler, AsyncHandler> handler;
  RouteOptions options;
  bool prefix = false;  // match `path` as a prefix (capability-secret routes)
};

struct RouteMatch {
  const Route* route = nullptr;  // nullptr: no route for this path
  std::size_t index = 0;
  bool method_allowed = false;
  std::string allow;  // "GET, HEAD" for 405 replies
};

class Router {
 public:
  // Adds a route. Exact routes win over prefix routes; among prefix routes the longest wins.
  Router& add(Route route);
  RouteMatch match(Method method, std::string_view path) const;
  const std::vector<Route>& routes() const noexcept { return routes_; }
  std::vector<std::string> route_names() const;

 private:
  std::vector<Route> routes_;
};

}  // namespace ventanilla::http
