// search/population.h — one (island's) population of regularized evolution: members oldest
// first, at most `capacity` of them, with each member's fitness held in a contiguous array
// parallel to the members, so a tournament reads doubles instead of following a pointer per
// contestant.
// Invariant: fitness(k) == (*this)[k]->fitness for every k (members are immutable once added).
// Thread-compatible: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/rng.h"
#include "search/evolution.h"

namespace ouro::search {

class Population {
 public:
  using Member = std::shared_ptr<const Individual>;

  explicit Population(size_t capacity = 0) : members_(capacity), fitness_(capacity) {}

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return members_.size(); }
  // k-th member by age, 0 = oldest.
  const Member& operator[](size_t k) const { return members_[Slot(k)]; }
  double fitness(size_t k) const { return fitness_[Slot(k)]; }

  // Appends the newest member; when full, the oldest leaves first.
  // REQUIRES: capacity() > 0.
  void PushBack(Member m) {
    size_t slot;
    if (size_ == capacity()) {
      slot = head_;
      head_ = head_ + 1 == capacity() ? 0 : head_ + 1;
    } else {
      slot = Slot(size_++);
    }
    fitness_[slot] = m->fitness;
    members_[slot] = std::move(m);
  }

  // Index (by age) of the fittest of `rounds` members drawn uniformly with replacement; the
  // earliest draw wins ties. REQUIRES: !empty().
  size_t Tournament(Rng& rng, int rounds) const {
    size_t winner = 0;
    double best = 0;
    for (int t = 0; t < rounds; ++t) {
      const size_t k = rng.Below(static_cast<uint32_t>(size_));
      const double f = fitness(k);
      if (t == 0 || f > best) {
        winner = k;
        best = f;
      }
    }
    return winner;
  }

 private:
  size_t Slot(size_t k) const {
    const size_t s = head_ + k;
    return s >= capacity() ? s - capacity() : s;
  }

  std::vector<Member> members_;  // a ring: members_[head_] is the oldest
  std::vector<double> fitness_;  // parallel to members_
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace ouro::search
