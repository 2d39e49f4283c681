#pragma once
// Errors as values at every untrusted boundary (carrier payloads, config, CSV, menus, admin JSON).
//
// `where` locates the problem for a human (`config/ventanilla.toml:12`, `hubs.csv:40:lat`,
// `/routes/0/secret`); `detail` says what is wrong. Neither may hold a raw phone number or a
// message body: callers pass field names and limits, never the offending value from a migrant.

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace ventanilla {

enum class ErrorCode {
  kInvalidArgument,   // malformed input: a parser said no
  kOutOfRange,        // well-formed but outside the allowed range
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,  // bad signature, bad secret, wrong role
  kUnavailable,       // retryable: storage busy, disk full, overloaded
  kInternal,
};

std::string_view to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string where;
  std::string detail;

  // "where: detail" (or just detail when there is no location).
  std::string message() const;
};

Error make_error(ErrorCode code, std::string where, std::string detail);

// ADL hook so boost::system::result<T, Error>::value() can throw on an error.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

// Thrown only by Result::value() on an error; carries the Error so catch sites keep the location.
class ErrorException : public std::exception {
 public:
  explicit ErrorException(Error e);
  const char* what() const noexcept override { return what_.c_str(); }
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
  std::string what_;
};

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace ventanilla
