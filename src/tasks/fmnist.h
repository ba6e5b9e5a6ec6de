// tasks/fmnist.h — the Fashion-MNIST files, loaded once per process.
//
// LoadFashionMnist reads {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz from a directory (the
// Debian package dataset-fashion-mnist installs them in /usr/share/datasets/fashion-mnist),
// checks their shapes and keeps the decoded bytes in a process-wide cache keyed by directory, so
// generating many class pairs reads and gunzips the ~30 MB only once. Thread-safe. The "fmnist"
// task family (fmnist.cc) is built on it.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "tasks/idx.h"

namespace ouro::tasks {

inline constexpr int kFashionPixels = 28 * 28;
inline constexpr int kFashionClasses = 10;

struct FashionMnist {
  struct Part {
    IdxArray images;                                         // n×28×28 ubyte
    IdxArray labels;                                         // n ubyte, each < 10
    std::array<std::vector<int>, kFashionClasses> by_class;  // example indices per class, ascending
    int n() const { return static_cast<int>(labels.dims[0]); }
    const unsigned char* image(int i) const {
      return images.bytes.data() + static_cast<size_t>(i) * kFashionPixels;
    }
  };
  std::string dir;
  Part train, test;  // train-*, t10k-*
};

// The cached files of `dir`, loading them on first use. Throws ouro::Error (with the apt-get hint)
// if a file is missing, or naming the file if one is malformed; failures are not cached.
std::shared_ptr<const FashionMnist> LoadFashionMnist(const std::string& dir);

}  // namespace ouro::tasks
