#include "common/error.hpp"

#include <utility>

namespace ventanilla {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kOutOfRange: return "out of range";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kPermissionDenied: return "permission denied";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::message() const {
  if (where.empty()) return detail;
  return where + ": " + detail;
}

Error make_error(ErrorCode code, std::string where, std::string detail) {
  return Error{code, std::move(where), std::move(detail)};
}

ErrorException::ErrorException(Error e) : error_(std::move(e)), what_(error_.message()) {}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw ErrorException(e);
}

}  // namespace ventanilla
