#pragma once
// Staff roles, each including the ones before it: a viewer reads; an editor also changes drafts
// and hubs; a publisher also publishes and rolls back; an admin also manages tokens and accounts.

#include <cstdint>
#include <optional>
#include <string_view>

namespace ventanilla::admin {

enum class Role : std::uint8_t { kViewer, kEditor, kPublisher, kAdmin };

inline constexpr Role kAllRoles[] = {Role::kViewer, Role::kEditor, Role::kPublisher, Role::kAdmin};

// "viewer", "editor", "publisher", "admin": the spelling of the API, the CLI and the database.
std::string_view to_string(Role role) noexcept;
std::optional<Role> parse_role(std::string_view name) noexcept;

// Whether someone holding `held` may call a route that requires `required`.
constexpr bool grants(Role held, Role required) noexcept { return held >= required; }

}  // namespace ventanilla::admin
