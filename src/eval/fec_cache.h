// eval/fec_cache.h — the functional-equivalence cache: fingerprint -> fitness, least recently
// used entries evicted first.
//
// Not thread-safe: the search looks up and inserts from one thread, in a fixed order, so cache
// contents (and hence which individuals count as hits) are deterministic for a seed.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

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

}  // namespace ouro::eval
