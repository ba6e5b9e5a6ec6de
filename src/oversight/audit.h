// oversight/audit.h — the audit chain: a per-run, append-only list of events, each holding the
// SHA-256 of its own content and of the event before it, so that editing, deleting or reordering
// any stored event is detected by recomputing the chain. This file owns the hash (what exactly is
// hashed, and how) and the verification; storing the rows is the run store's job (store/store.h
// appends them and records the run's head — event count and last hash — next to the run, in the
// same transaction). Pure functions of their arguments: callable from any thread.
// What the chain cannot detect on its own: someone who rewrites the tail of the chain AND the
// recorded head consistently (recomputing every hash); only a copy of the head kept elsewhere
// (e.g. `ouro audit verify --json` output archived by the operator) catches that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ouro::oversight {

// SHA-256 of bytes as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view bytes);

// The prev_hash of a run's first event.
inline constexpr const char* kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// One stored audit event of a run (the run id is not part of the row; it is part of the hash).
struct EventRow {
  int64_t seq = 0;           // 1, 2, 3, ... within the run
  std::string at;            // ISO-8601 UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z
  std::string type;          // e.g. "run_started", "item_decided"
  std::string actor;         // who caused it: "ouro", a user name, ...
  std::string content_json;  // a JSON value, stored byte for byte as appended
  std::string prev_hash;     // hash of event seq-1, kGenesisHash for seq 1
  std::string hash;          // EventHash(run_id, *this)
};

// The hash of one event: Sha256Hex of the canonical serialization
//   "ouro-audit-v1\n" <run_id> "\n" <seq> "\n" then, for each of at, type, actor, content_json,
//   prev_hash in this order: <byte length> ":" <bytes> "\n"
// with the integers in decimal. Length-prefixing makes the encoding unambiguous for any bytes
// (including newlines, NULs and invalid UTF-8 a tamperer might write), so two different rows never
// serialize alike. e.hash is ignored.
std::string EventHash(int64_t run_id, const EventRow& e);

// The result of VerifyChain.
struct ChainCheck {
  bool ok = false;
  int64_t rows = 0;            // rows given
  int64_t first_bad_seq = -1;  // the first row (by expected seq) that is wrong; -1 if ok
  std::string problem;         // one line, e.g. "row 7: hash does not match its content"; "" if ok
  std::string head_hash;       // hash of the last row given (kGenesisHash for none)
};

// Checks a run's chain: rows (in storage order, i.e. by seq) must have seq 1, 2, 3, ... without
// gaps; each prev_hash must equal the previous row's hash (kGenesisHash for the first); each hash
// must equal EventHash of its row; and, when head = (count, last hash) as recorded with the run is
// given, the rows must number count and end with that hash (so deleting the last rows is caught).
// A head of (0, "") or (0, kGenesisHash) means no events. Stops at the first problem.
ChainCheck VerifyChain(int64_t run_id, const std::vector<EventRow>& rows,
                       const std::optional<std::pair<int64_t, std::string>>& head);

// A program the promotion gate promoted ("promoted" event) or put to a person ("gate" event with
// gate "promote", whose item key is "promote:g<generation>c<candidate>:<program hash>").
struct Promotion {
  std::string program;  // hash
  double fitness = 0;
  int64_t generation = 0, candidate = 0;
};

// The run's promotions in chain order, each program once (its first record); each is better than
// every one before it. Events that are not promotions or do not parse are skipped.
std::vector<Promotion> Promotions(const std::vector<EventRow>& events);

}  // namespace ouro::oversight
