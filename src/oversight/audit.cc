// oversight/audit.cc — SHA-256 (OpenSSL EVP), the event hash and chain verification.
#include "oversight/audit.h"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace ouro::oversight {

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest fails only on allocation failure or a broken OpenSSL install: a bug, not input.
  OURO_CHECK(EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) == 1);
  OURO_CHECK(len == 32);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * len, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 0xf];
  }
  return out;
}

std::string EventHash(int64_t run_id, const EventRow& e) {
  std::string s = "ouro-audit-v1\n" + std::to_string(run_id) + "\n" + std::to_string(e.seq) + "\n";
  for (const std::string* f : {&e.at, &e.type, &e.actor, &e.content_json, &e.prev_hash}) {
    s += std::to_string(f->size());
    s += ':';
    s += *f;
    s += '\n';
  }
  return Sha256Hex(s);
}

ChainCheck VerifyChain(int64_t run_id, const std::vector<EventRow>& rows,
                       const std::optional<std::pair<int64_t, std::string>>& head) {
  ChainCheck c;
  c.rows = static_cast<int64_t>(rows.size());
  c.head_hash = rows.empty() ? std::string(kGenesisHash) : rows.back().hash;
  auto bad = [&c](int64_t seq, std::string problem) {
    c.ok = false;
    c.first_bad_seq = seq;
    c.problem = std::move(problem);
    return c;
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    const EventRow& e = rows[i];
    const int64_t want = static_cast<int64_t>(i) + 1;
    const std::string w = std::to_string(want);
    if (e.seq > want)
      return bad(want,
                 "row " + w + " missing: expected seq " + w + ", found " + std::to_string(e.seq));
    if (e.seq < want)
      return bad(want, "row " + w + ": expected seq " + w + ", found " + std::to_string(e.seq) +
                           " (rows out of order or duplicated)");
    if (i == 0 && e.prev_hash != kGenesisHash)
      return bad(want, "row 1: prev_hash is not the genesis hash");
    if (i > 0 && e.prev_hash != rows[i - 1].hash)
      return bad(want, "row " + w + ": prev_hash does not match the hash of row " +
                           std::to_string(want - 1));
    if (EventHash(run_id, e) != e.hash)
      return bad(want, "row " + w + ": hash does not match its content");
  }
  if (head) {
    const auto& [count, hash] = *head;
    const int64_t n = c.rows;
    if (n < count)
      return bad(n + 1, "chain ends at row " + std::to_string(n) + " but the run's head records " +
                            std::to_string(count) + " rows");
    if (n > count)
      return bad(count + 1, "chain has " + std::to_string(n) +
                                " rows but the run's head records only " + std::to_string(count));
    if (count == 0 && !hash.empty() && hash != kGenesisHash)
      return bad(1, "the run's head records no rows but a head hash other than genesis");
    if (count > 0 && hash != rows.back().hash)
      return bad(n,
                 "row " + std::to_string(n) + ": hash differs from the head recorded with the run");
  }
  c.ok = true;
  return c;
}

std::vector<Promotion> Promotions(const std::vector<EventRow>& events) {
  std::vector<Promotion> out;
  std::set<std::string> seen;
  for (const auto& e : events) {
    if (e.type != "promoted" && e.type != "gate") continue;
    const auto c = nlohmann::json::parse(e.content_json, nullptr, false);
    if (!c.is_object()) continue;
    Promotion p;
    try {
      p.fitness = c.value("fitness", 0.0);
      if (e.type == "promoted") {
        p.program = c.value("program", "");
        p.generation = c.value("generation", int64_t{0});
        p.candidate = c.value("candidate", int64_t{0});
      } else {
        if (c.value("gate", "") != "promote") continue;
        const std::string key = c.value("key", "");
        long long g = 0, k = 0;
        int used = 0;
        if (std::sscanf(key.c_str(), "promote:g%lldc%lld:%n", &g, &k, &used) != 2 || used == 0) continue;
        p.program = key.substr(static_cast<size_t>(used));
        p.generation = g, p.candidate = k;
      }
    } catch (const nlohmann::json::exception&) {
      continue;  // a field of the wrong type
    }
    if (p.program.empty() || !seen.insert(p.program).second) continue;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace ouro::oversight
