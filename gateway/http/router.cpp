#include "http/router.hpp"

#include <algorithm>

namespace ventanilla::http {

Router& Router::add(Route route) {
  routes_.push_back(std::move(route));
  return *this;
}

RouteMatch Router::match(Method method, std::string_view path) const {
  RouteMatch m;
  std::size_t best_prefix = 0;
  bool exact = false;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (r.prefix) {
      if (exact || !path.starts_with(r.path) || r.path.size() <= best_prefix) continue;
      best_prefix = r.path.size();
    } else {
      if (path != r.path) continue;
      exact = true;
    }
    m.route = &r;
    m.index = i;
  }
  if (m.route == nullptr) return m;
  const auto& methods = m.route->methods;
  m.method_allowed = std::find(methods.begin(), methods.end(), method) != methods.end() ||
                     (method == Method::kHead &&
                      std::find(methods.begin(), methods.end(), Method::kGet) != methods.end());
  if (!m.method_allowed) {
    for (Method allowed : methods) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += to_string(allowed);
    }
  }
  return m;
}

std::vector<std::string> Router::route_names() const {
  std::vector<std::string> names;
  names.reserve(routes_.size());
  for (const auto& r : routes_) names.push_back(r.name);
  return names;
}

}  // namespace ventanilla::http
