#include "admin/role.hpp"

namespace ventanilla::admin {

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kEditor:
      return "editor";
    case Role::kPublisher:
      return "publisher";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view name) noexcept {
  for (const Role r : kAllRoles) {
    if (to_string(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace ventanilla::admin
