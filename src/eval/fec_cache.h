// eval/fec_cache.h — the functional-equivalence cache: fingerprint -> fitness, least recently
// used entries evicted first.
//
// Not thread-safe: the search looks up and inserts from one thread, in a fixed order, so cache
// contents (and hence which individuals count as hits) are deterministic for a seed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ouro::eval {

class FecCache {
 public:
  explicit FecCache(size_t capacity) : capacity_(capacity) {}

  std::optional<double> Lookup(uint64_t key) {
    auto it = map_.find(key);
    if (it == map_.end()) {
      ++misses_;
      return std::nullopt;
    }
    ++hits_;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }
  void Insert(uint64_t key, double fitness) {
    if (capacity_ == 0) return;
    auto it = map_.find(key);
    if (it != map_.end()) {
      it->second->second = fitness;
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    order_.emplace_front(key, fitness);
    map_[key] = order_.begin();
    if (map_.size() > capacity_) {
      map_.erase(order_.back().first);
      order_.pop_back();
    }
  }
  void Clear() {
    map_.clear();
    order_.clear();
  }
  size_t Size() const { return map_.size(); }
  int64_t hits() const { return hits_; }
  int64_t misses() const { return misses_; }

 private:
  size_t capacity_;
  std::list<std::pair<uint64_t, double>> order_;
  std::unordered_map<uint64_t, std::list<std::pair<uint64_t, double>>::iterator> map_;
  int64_t hits_ = 0, misses_ = 0;
};

// Executable hash -> fingerprint, for skipping the fingerprint of a program already seen (a
// mutation in dead code, a copy, a sibling's identical edit). Direct-mapped with `1 << bits`
// slots: a newer entry replaces an older one in its slot. Exact: a fingerprint is a function of
// the executable (and the task set; Clear when that changes), so a remembered one is the one that
// would be computed. Lookups may run on many threads while nothing is inserted; insertion is
// single-threaded and in a fixed order, so the contents are deterministic for a seed.
class FingerprintMemo {
 public:
  explicit FingerprintMemo(int bits) : slots_(size_t{1} << bits), mask_((size_t{1} << bits) - 1) {}
  std::optional<uint64_t> Lookup(uint64_t exe_hash) const {
    const Slot& s = slots_[exe_hash & mask_];
    if (s.used && s.exe_hash == exe_hash) return s.fingerprint;
    return std::nullopt;
  }
  void Insert(uint64_t exe_hash, uint64_t fingerprint) { slots_[exe_hash & mask_] = {exe_hash, fingerprint, true}; }
  void Clear() { std::fill(slots_.begin(), slots_.end(), Slot{}); }

 private:
  struct Slot {
    uint64_t exe_hash = 0;
    uint64_t fingerprint = 0;
    bool used = false;
  };
  std::vector<Slot> slots_;
  size_t mask_;
};

}  // namespace ouro::eval
