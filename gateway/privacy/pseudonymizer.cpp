#include "privacy/pseudonymizer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ventanilla::privacy {

namespace {

constexpr std::size_t kMacBytes = 32;
constexpr std::size_t kKeyHexChars = 2 * Pseudonymizer::kKeyBytes;
constexpr std::size_t kLogTagBytes = SubscriberId::kLogTagSize / 2;
constexpr std::string_view kLogKeyLabel = "ventanilla/log-tag/v1";
constexpr std::string_view kSealKeyLabel = "ventanilla/seal/v1";
constexpr std::string_view kKeyFormat =
    "expected 64 hex characters (a 256-bit key), optionally followed by a newline";

template <std::size_t N>
struct Wiped {
  std::array<unsigned char, N> bytes{};
  Wiped() = default;
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;
  ~Wiped() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  unsigned char* data() noexcept { return bytes.data(); }
};

void to_hex(const unsigned char* in, std::size_t n, char* out) noexcept {
  constexpr std::string_view kDigits = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[in[i] >> 4];
    out[2 * i + 1] = kDigits[in[i] & 0x0f];
  }
}

int hex_value(char c, bool allow_upper) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (allow_upper && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes exactly 2*n hex characters into out[0..n).
bool from_hex_chars(std::string_view hex, unsigned char* out, std::size_t n,
                    bool allow_upper) noexcept {
  if (hex.size() != 2 * n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hex_value(hex[2 * i], allow_upper);
    const int lo = hex_value(hex[2 * i + 1], allow_upper);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>((hi << 4) | lo);
  }
  return true;
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

MacCtx new_hmac_sha256(const unsigned char* key, std::size_t key_len) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return nullptr;
  MacCtx ctx(EVP_MAC_CTX_new(mac));
  EVP_MAC_free(mac);  // the context holds its own reference
  if (!ctx) return nullptr;
  char digest[] = "SHA256";
  const std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), key, key_len, params.data()) != 1) return nullptr;
  return ctx;
}

// Re-initialising with a null key reuses the context's precomputed inner/outer pads: no key
// schedule and no digest fetch per call, which is what makes this cheaper than one-shot HMAC().
bool hmac(EVP_MAC_CTX* ctx, const unsigned char* data, std::size_t len,
          unsigned char* out) noexcept {
  std::size_t out_len = 0;
  return EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 && EVP_MAC_update(ctx, data, len) == 1 &&
         EVP_MAC_final(ctx, out, &out_len, kMacBytes) == 1 && out_len == kMacBytes;
}

struct CipherDeleter {
  void operator()(EVP_CIPHER* cipher) const noexcept { EVP_CIPHER_free(cipher); }
};
using Cipher = std::unique_ptr<EVP_CIPHER, CipherDeleter>;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* bytes_of(std::string_view s) noexcept {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Authenticates `aad` as associated data of the current GCM operation (encrypt or decrypt: both
// take AAD through the update call with a null output). An empty context adds nothing.
bool add_aad(EVP_CIPHER_CTX* ctx, std::string_view aad) noexcept {
  if (aad.empty()) return true;
  int len = 0;
  return EVP_CipherUpdate(ctx, nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) == 1;
}

Error file_error(ErrorCode code, const std::string& path, std::string detail) {
  return make_error(code, path, std::move(detail));
}

Error errno_error(ErrorCode code, const std::string& path, std::string_view what, int err) {
  return file_error(code, path, fmt::format("{}: {}", what, std::strerror(err)));
}

class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  // Closes now so the caller sees close() errors (they can hide a failed write-back).
  int close() noexcept { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

bool write_all(int fd, const char* data, std::size_t len) noexcept {
  while (len > 0) {
    const ssize_t n = ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

// Creates the missing directories of `dir` (mode 0700, outermost first).
std::optional<Error> make_private_dirs(const std::filesystem::path& dir, const std::string& path) {
  std::vector<std::filesystem::path> missing;
  for (std::filesystem::path p = dir; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return file_error(ErrorCode::kInvalidArgument, path,
                          fmt::format("{} is not a directory", p.string()));
      }
      break;
    }
    if (errno != ENOENT) return errno_error(ErrorCode::kInternal, path, p.string(), errno);
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return errno_error(ErrorCode::kInternal, path, "creating " + it->string(), errno);
    }
  }
  return std::nullopt;
}

// Makes the new directory entry durable: losing the key means every pseudonym changes.
void fsync_dir(const std::filesystem::path& dir) noexcept {
  const std::string name = dir.empty() ? "." : dir.string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

struct Pseudonymizer::State {
  std::mutex mutex;  // guards pid and tag (EVP_MAC_CTX is not safe to share)
  MacCtx pid;        // keyed with k_pseudo
  MacCtx tag;        // keyed with k_log
  // k_seal, read-only after construction, so seal()/unseal() read it without the lock. Kept as raw
  // bytes because each call keys its own EVP_CIPHER_CTX (a keyed GCM context cannot be shared).
  std::array<unsigned char, kMacBytes> seal_key{};
  Cipher aes_256_gcm;  // fetched once; a fetched EVP_CIPHER is immutable and shareable

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() { OPENSSL_cleanse(seal_key.data(), seal_key.size()); }
};

Pseudonymizer::Pseudonymizer(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
Pseudonymizer::Pseudonymizer(Pseudonymizer&&) noexcept = default;
Pseudonymizer& Pseudonymizer::operator=(Pseudonymizer&&) noexcept = default;
// OpenSSL wipes the key copies and pads held in the contexts when they are freed; ~State wipes
// k_seal.
Pseudonymizer::~Pseudonymizer() = default;

Result<Pseudonymizer> Pseudonymizer::from_key(const unsigned char* key) {
  auto state = std::make_unique<State>();
  state->pid = new_hmac_sha256(key, kKeyBytes);
  Wiped<kMacBytes> log_key;
  if (!state->pid ||
      !hmac(state->pid.get(), reinterpret_cast<const unsigned char*>(kLogKeyLabel.data()),
            kLogKeyLabel.size(), log_key.data())) {
    return make_error(ErrorCode::kInternal, "", "cannot set up HMAC-SHA256 (OpenSSL)");
  }
  state->tag = new_hmac_sha256(log_key.data(), kMacBytes);
  if (!state->tag) {
    return make_error(ErrorCode::kInternal, "", "cannot set up HMAC-SHA256 (OpenSSL)");
  }
  if (!hmac(state->pid.get(), bytes_of(kSealKeyLabel), kSealKeyLabel.size(),
            state->seal_key.data())) {
    return make_error(ErrorCode::kInternal, "", "cannot set up HMAC-SHA256 (OpenSSL)");
  }
  state->aes_256_gcm.reset(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  if (!state->aes_256_gcm) {
    return make_error(ErrorCode::kInternal, "", "cannot set up AES-256-GCM (OpenSSL)");
  }
  return Pseudonymizer(std::move(state));
}

Result<Pseudonymizer> Pseudonymizer::from_hex(std::string_view key_hex) {
  Wiped<kKeyBytes> key;
  if (!from_hex_chars(key_hex, key.data(), kKeyBytes, true)) {
    return make_error(ErrorCode::kInvalidArgument, "",
                      "key must be 64 hex characters (a 256-bit key)");
  }
  return from_key(key.data());
}

Result<Pseudonymizer> Pseudonymizer::from_key_file(const std::string& path, bool create_if_missing,
                                                   bool* created) {
  if (created != nullptr) *created = false;
  if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "", "key file path is empty");
  auto existing = read_key_file(path);
  if (existing || existing.error().code != ErrorCode::kNotFound || !create_if_missing) {
    return existing;
  }
  return create_key_file(path, created);
}

Result<Pseudonymizer> Pseudonymizer::read_key_file(const std::string& path) {
  // O_NONBLOCK so a FIFO planted at the path cannot hang start-up; it is refused below.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return file_error(ErrorCode::kNotFound, path, "does not exist");
    if (err == EACCES) return errno_error(ErrorCode::kPermissionDenied, path, "cannot open", err);
    return errno_error(ErrorCode::kInternal, path, "cannot open", err);
  }
  // Checked on the opened descriptor, so the file judged is the file read.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error(ErrorCode::kInternal, path, "stat", errno);
  if (!S_ISREG(st.st_mode)) {
    return file_error(ErrorCode::kInvalidArgument, path, "is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return file_error(
        ErrorCode::kPermissionDenied, path,
        fmt::format("mode {:04o} gives group or others access to the key; it must be private: "
                    "run `chmod 600 {}`",
                    st.st_mode & 07777, path));
  }
  // One byte more than the longest valid file, to tell "too long" from "exactly right".
  std::array<char, kKeyHexChars + 2> buf{};
  struct WipeBuf {
    std::array<char, kKeyHexChars + 2>& b;
    ~WipeBuf() { OPENSSL_cleanse(b.data(), b.size()); }
  } wipe_buf{buf};
  std::size_t len = 0;
  while (len < buf.size()) {
    const ssize_t n = ::read(fd.get(), buf.data() + len, buf.size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(ErrorCode::kInternal, path, "read", errno);
    }
    if (n == 0) break;
    len += static_cast<std::size_t>(n);
  }
  std::string_view text(buf.data(), len);
  if (text.size() == kKeyHexChars + 1 && text.back() == '\n') text.remove_suffix(1);
  Wiped<kKeyBytes> key;
  if (!from_hex_chars(text, key.data(), kKeyBytes, true)) {
    return file_error(ErrorCode::kInvalidArgument, path, std::string(kKeyFormat));
  }
  return from_key(key.data());
}

Result<Pseudonymizer> Pseudonymizer::create_key_file(const std::string& path, bool* created) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (auto err = make_private_dirs(parent, path)) return *err;

  Wiped<kKeyBytes> key;
  if (RAND_bytes(key.data(), static_cast<int>(kKeyBytes)) != 1) {
    return file_error(ErrorCode::kInternal, path, "RAND_bytes failed: no key created");
  }
  std::array<char, kKeyHexChars + 1> text{};
  struct WipeText {
    std::array<char, kKeyHexChars + 1>& t;
    ~WipeText() { OPENSSL_cleanse(t.data(), t.size()); }
  } wipe_text{text};
  to_hex(key.data(), kKeyBytes, text.data());
  text[kKeyHexChars] = '\n';

  // Written under a temporary name and linked into place: the key file is either absent or
  // complete, even after a crash, and link() never replaces a file another process made first.
  std::string tmp = path + ".tmp-XXXXXX";
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));  // creates with O_EXCL, mode 0600
  if (fd.get() < 0) return errno_error(ErrorCode::kInternal, path, "creating " + tmp, errno);
  const auto fail = [&](std::string_view what, int err) {
    ::unlink(tmp.c_str());
    return errno_error(ErrorCode::kInternal, path, what, err);
  };
  if (::fchmod(fd.get(), 0600) != 0) return fail("chmod", errno);
  if (!write_all(fd.get(), text.data(), text.size())) return fail("write", errno);
  if (::fsync(fd.get()) != 0) return fail("fsync", errno);
  if (fd.close() != 0) return fail("close", errno);
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    // Another process created it between our read and our link: use theirs.
    if (err == EEXIST) return read_key_file(path);
    return errno_error(ErrorCode::kInternal, path, "link", err);
  }
  ::unlink(tmp.c_str());
  fsync_dir(parent);
  if (created != nullptr) *created = true;
  return from_key(key.data());
}

SubscriberId Pseudonymizer::pseudonymize(const PhoneNumber& number) const {
  const std::string_view e164 = number.e164();
  std::array<unsigned char, kMacBytes> pid{};
  std::array<unsigned char, kMacBytes> tag{};
  {
    std::lock_guard lock(state_->mutex);
    if (!hmac(state_->pid.get(), reinterpret_cast<const unsigned char*>(e164.data()), e164.size(),
              pid.data()) ||
        !hmac(state_->tag.get(), pid.data(), pid.size(), tag.data())) {
      throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
    }
  }
  SubscriberId id;
  to_hex(pid.data(), pid.size(), id.value_.data());
  to_hex(tag.data(), kLogTagBytes, id.tag_.data());
  return id;
}

Result<SubscriberId> Pseudonymizer::restore(std::string_view stored) const {
  std::array<unsigned char, kMacBytes> pid{};
  if (!from_hex_chars(stored, pid.data(), pid.size(), false)) {
    return make_error(ErrorCode::kInvalidArgument, "",
                      "subscriber id must be 64 lowercase hex characters");
  }
  std::array<unsigned char, kMacBytes> tag{};
  {
    std::lock_guard lock(state_->mutex);
    if (!hmac(state_->tag.get(), pid.data(), pid.size(), tag.data())) {
      throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
    }
  }
  SubscriberId id;
  std::memcpy(id.value_.data(), stored.data(), id.value_.size());
  to_hex(tag.data(), kLogTagBytes, id.tag_.data());
  return id;
}

std::string Pseudonymizer::seal(const PhoneNumber& number, std::string_view context) const {
  const std::string_view e164 = number.e164();
  std::string sealed(kSealOverheadBytes + e164.size(), '\0');
  auto* const version = reinterpret_cast<unsigned char*>(sealed.data());
  unsigned char* const nonce = version + 1;
  unsigned char* const ciphertext = nonce + kSealNonceBytes;
  unsigned char* const tag = ciphertext + e164.size();
  *version = kSealVersion;
  if (RAND_bytes(nonce, static_cast<int>(kSealNonceBytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed: cannot seal");
  }
  const CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  // GCM's default IV length is 12 bytes, which is kSealNonceBytes: no EVP_CTRL_AEAD_SET_IVLEN.
  if (!ctx ||
      EVP_EncryptInit_ex2(ctx.get(), state_->aes_256_gcm.get(), state_->seal_key.data(), nonce,
                          nullptr) != 1 ||
      !add_aad(ctx.get(), context) ||
      EVP_EncryptUpdate(ctx.get(), ciphertext, &len, bytes_of(e164),
                        static_cast<int>(e164.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ciphertext + len, &final_len) != 1 ||
      static_cast<std::size_t>(len + final_len) != e164.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kSealTagBytes), tag) !=
          1) {
    throw std::runtime_error("AES-256-GCM failed (OpenSSL): cannot seal");
  }
  return sealed;
}

Result<PhoneNumber> Pseudonymizer::unseal(std::string_view sealed, std::string_view context) const {
  if (sealed.size() < kSealedMinBytes || sealed.size() > kSealedMaxBytes) {
    return make_error(ErrorCode::kInvalidArgument, "",
                      fmt::format("sealed number must be {}..{} bytes, got {}", kSealedMinBytes,
                                  kSealedMaxBytes, sealed.size()));
  }
  const unsigned char* const version = bytes_of(sealed);
  if (*version != kSealVersion) {
    return make_error(
        ErrorCode::kInvalidArgument, "",
        fmt::format("sealed number has version {}, expected {}", static_cast<unsigned>(*version),
                    static_cast<unsigned>(kSealVersion)));
  }
  const unsigned char* const nonce = version + 1;
  const unsigned char* const ciphertext = nonce + kSealNonceBytes;
  const std::size_t ciphertext_len = sealed.size() - kSealOverheadBytes;
  // EVP_CTRL_AEAD_SET_TAG takes a non-const pointer, so the tag is copied out.
  std::array<unsigned char, kSealTagBytes> tag{};
  std::memcpy(tag.data(), ciphertext + ciphertext_len, tag.size());

  // GCM decrypts before it authenticates: the buffer holds unverified plaintext until Final
  // succeeds, and the number afterwards, so it is wiped on every path.
  Wiped<1 + PhoneNumber::kMaxDigits> plain;
  const CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex2(ctx.get(), state_->aes_256_gcm.get(), state_->seal_key.data(), nonce,
                          nullptr) != 1 ||
      !add_aad(ctx.get(), context) ||
      EVP_DecryptUpdate(ctx.get(), plain.data(), &len, ciphertext,
                        static_cast<int>(ciphertext_len)) != 1 ||
      static_cast<std::size_t>(len) != ciphertext_len ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag.size()),
                          tag.data()) != 1) {
    throw std::runtime_error("AES-256-GCM failed (OpenSSL): cannot unseal");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &final_len) != 1) {
    return make_error(ErrorCode::kPermissionDenied, "",
                      "sealed number failed authentication (another key, another context, or "
                      "altered bytes)");
  }
  auto number = PhoneNumber::parse(
      std::string_view(reinterpret_cast<const char*>(plain.data()), ciphertext_len));
  if (!number) {
    return make_error(ErrorCode::kInternal, "", "sealed number is authentic but not a number");
  }
  return number;
}

}  // namespace ventanilla::privacy
