// core/hash.h — fast non-cryptographic hashing for program identity and cache keys.
//
// Hash64 is FNV-1a over bytes followed by a splitmix64 finaliser. It identifies programs (the hash
// of the canonical text) and keys the functional-equivalence cache. Not for tamper evidence: the
// audit chain uses SHA-256 elsewhere.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/rng.h"

namespace ouro {

inline uint64_t Hash64(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return SplitMix64(h);
}
inline uint64_t Hash64(std::string_view s) { return Hash64(s.data(), s.size()); }
inline uint64_t HashCombine(uint64_t h, uint64_t v) { return SplitMix64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2))); }

inline std::string HexId(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace ouro
