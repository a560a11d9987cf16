// Who may call the service and how many at once: API keys (compared in constant time) and the
// cap on requests in flight.
#include <fstream>

#include "arcface/error.hpp"
#include "server/server_impl.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace arcface::detail::server {

namespace {

std::string sha256(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr) != 1)
    throw Error("sha256 of an API key failed (OpenSSL)");
  return std::string(reinterpret_cast<const char*>(md), n);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

void KeyRing::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot read the API key file '" + path + "'");
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    digests_.push_back(sha256(line));
  }
  if (digests_.empty()) throw IoError("the API key file '" + path + "' holds no keys (one key per line)");
}

bool KeyRing::accepts(const std::string& key) const {
  // Digests have one length, so CRYPTO_memcmp's time depends on neither the key nor how much of
  // it matches; every key is compared, so neither does the position of the matching key.
  const std::string d = sha256(key);
  int match = 0;
  for (const auto& k : digests_) match |= CRYPTO_memcmp(d.data(), k.data(), d.size()) == 0;
  return match != 0;
}

std::string presented_key(const httplib::Request& req) {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.size() > 7 && (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0))
    return trim(auth.substr(7));
  return trim(req.get_header_value("X-API-Key"));
}

bool InFlight::try_enter() {
  int now = count_.load();
  do {
    if (now >= cap_) return false;
  } while (!count_.compare_exchange_weak(now, now + 1));
  return true;
}

}  // namespace arcface::detail::server
