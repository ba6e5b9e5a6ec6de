// tasks/fmnist.cc — the Fashion-MNIST file cache and the "fmnist" family: binary classification
// on a class pair (a, b), label 1 for class b, features a seeded random projection of the pixels.

#include "tasks/fmnist.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "tasks/families.h"
#include "tasks/partition.h"
#include "tasks/projection.h"

namespace ouro::tasks {
namespace {

FashionMnist::Part LoadPart(const std::string& dir, const std::string& prefix) {
  const std::string images_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  FashionMnist::Part p;
  p.images = ReadIdx(images_path);
  p.labels = ReadIdx(labels_path);
  if (p.images.type != IdxType::kUByte || p.images.dims.size() != 3 || p.images.dims[1] != 28 ||
      p.images.dims[2] != 28) {
    throw Error(images_path + ": expected an unsigned-byte array of N×28×28 images");
  }
  if (p.labels.type != IdxType::kUByte || p.labels.dims.size() != 1) {
    throw Error(labels_path + ": expected a one-dimensional unsigned-byte array of labels");
  }
  if (p.labels.dims[0] != p.images.dims[0]) {
    throw Error(labels_path + ": " + std::to_string(p.labels.dims[0]) + " labels for " +
                std::to_string(p.images.dims[0]) + " images in " + images_path);
  }
  for (int i = 0; i < p.n(); ++i) {
    const int c = p.labels.bytes[i];
    if (c >= kFashionClasses) {
      throw Error(labels_path + ": label " + std::to_string(c) + " of item " + std::to_string(i) +
                  " is not a Fashion-MNIST class (0-9)");
    }
    p.by_class[c].push_back(i);
  }
  return p;
}

// Projects examples of one file on demand, remembering each result: pairs share classes, so
// generating all 45 pairs projects each image at most once.
class CachedProjector {
 public:
  CachedProjector(const FashionMnist::Part& part, const Projection& proj)
      : part_(part),
        proj_(proj),
        rows_(static_cast<size_t>(part.n()) * proj.out()),
        done_(part.n(), false) {}

  const double* Row(int i) {
    double* dst = rows_.data() + static_cast<size_t>(i) * proj_.out();
    if (!done_[i]) {
      const unsigned char* img = part_.image(i);
      for (int j = 0; j < kFashionPixels; ++j) pixels_[j] = img[j] / 255.0;
      proj_.Apply(pixels_, dst);
      done_[i] = true;
    }
    return dst;
  }

 private:
  const FashionMnist::Part& part_;
  const Projection& proj_;
  std::vector<double> rows_;
  std::vector<bool> done_;
  double pixels_[kFashionPixels];
};

void Append(Split& s, CachedProjector& proj, int dim, int example, double label) {
  const double* row = proj.Row(example);
  s.x.insert(s.x.end(), row, row + dim);
  s.y.push_back(label);
}

// Throws unless every pair is two different classes 0-9 and no pair is listed twice.
void CheckPairs(const std::vector<std::pair<int, int>>& pairs) {
  std::set<std::pair<int, int>> seen;
  for (const auto& [a, b] : pairs) {
    if (a < 0 || a >= kFashionClasses || b < 0 || b >= kFashionClasses || a == b) {
      throw Error("fmnist: bad class pair " + std::to_string(a) + "-" + std::to_string(b) +
                  " (need two different classes 0-9)");
    }
    if (!seen.insert({a, b}).second) {  // a-b and b-a are two tasks: the labels swapped
      throw Error("fmnist: class pair " + std::to_string(a) + "-" + std::to_string(b) +
                  " listed twice");
    }
  }
}

// The examples of classes a and b: their (ascending) index lists merged back into file order.
std::vector<int> PairExamples(const FashionMnist::Part& part, int a, int b) {
  std::vector<int> v;
  std::merge(part.by_class[a].begin(), part.by_class[a].end(), part.by_class[b].begin(),
             part.by_class[b].end(), std::back_inserter(v));
  return v;
}

// Appends examples[begin, end) of `part`, labelled 1 for class b and 0 otherwise.
void AppendPair(Split& s, const FashionMnist::Part& part, CachedProjector& proj, int dim,
                const std::vector<int>& examples, size_t begin, size_t end, int b) {
  for (size_t k = begin; k < end; ++k) {
    const int i = examples[k];
    Append(s, proj, dim, i, part.labels.bytes[i] == b ? 1.0 : 0.0);
  }
}

// The task of pair (a, b) in one view (see GenerateFashion).
Dataset PairTask(const TaskSpec& spec, const FashionMnist& data, int a, int b,
                 CachedProjector& train_proj, CachedProjector& test_proj, uint64_t shuffle_seed,
                 const std::string& suffix) {
  Dataset d;
  d.name = "fmnist[" + std::to_string(a) + "-" + std::to_string(b) + "]" + suffix;
  d.kind = Kind::kClassification;
  d.dim = spec.dim;

  std::vector<int> train = PairExamples(data.train, a, b);
  const size_t need = static_cast<size_t>(spec.n_train) + spec.n_valid;
  if (need > train.size()) {
    throw Error(d.name + ": train+valid = " + std::to_string(need) +
                " examples requested, but the training file has only " +
                std::to_string(train.size()) + " of classes " + std::to_string(a) + " and " +
                std::to_string(b));
  }
  Rng rng(DeriveSeed(shuffle_seed, static_cast<uint64_t>(10 * a + b)));
  internal::PartialShuffle(train, need, rng);
  d.train.x.reserve(static_cast<size_t>(spec.n_train) * spec.dim);
  d.valid.x.reserve(static_cast<size_t>(spec.n_valid) * spec.dim);
  AppendPair(d.train, data.train, train_proj, spec.dim, train, 0, spec.n_train, b);
  AppendPair(d.valid, data.train, train_proj, spec.dim, train, spec.n_train, need, b);

  const std::vector<int> test = PairExamples(data.test, a, b);
  if (static_cast<size_t>(spec.n_test) > test.size()) {
    throw Error(d.name + ": test = " + std::to_string(spec.n_test) +
                " examples requested, but t10k has only " + std::to_string(test.size()) +
                " of classes " + std::to_string(a) + " and " + std::to_string(b));
  }
  const size_t n_test = spec.n_test == 0 ? test.size() : static_cast<size_t>(spec.n_test);
  d.test.x.reserve(n_test * spec.dim);
  AppendPair(d.test, data.test, test_proj, spec.dim, test, 0, n_test, b);
  return d;
}

}  // namespace

std::shared_ptr<const FashionMnist> LoadFashionMnist(const std::string& dir) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const FashionMnist>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(dir);
  if (it != cache.end()) return it->second;

  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(dir) / f, ec)) {
      throw Error("Fashion-MNIST not found in " + dir +
                  ": install the Debian package dataset-fashion-mnist (apt-get install "
                  "dataset-fashion-mnist)");
    }
  }
  auto data = std::make_shared<FashionMnist>();
  data->dir = dir;
  data->train = LoadPart(dir, "train");
  data->test = LoadPart(dir, "t10k");
  cache.emplace(dir, data);
  return data;
}

namespace internal {

// Pair (a, b): the training-file examples of classes a and b (in file order) are shuffled by
// Rng(DeriveSeed(DeriveSeed(seed, kShuffleStream), 10a + b)); the first n_train are the train
// split, the next n_valid the valid split. The test split is the first n_test examples of the pair
// in t10k, in file order (n_test 0: all of them). Features: Projection(DeriveSeed(seed,
// kProjectionStream), 784, dim) applied to pixel/255, the same matrix for every pair. That is
// view 0; with views = R, view v in 1..R-1 repeats every pair with both seeds (shuffle and
// projection) replaced by DeriveSeed(seed_of_view_0, v). Tasks come view by view, pairs in order.
std::vector<Dataset> GenerateFashion(const TaskSpec& spec) {
  const std::vector<std::pair<int, int>> pairs =
      spec.pairs.empty() ? AllFashionPairs() : spec.pairs;
  CheckPairs(pairs);
  const auto data = LoadFashionMnist(spec.data_dir);
  const uint64_t proj_seed = DeriveSeed(spec.seed, kProjectionStream);
  const uint64_t shuffle_seed0 = DeriveSeed(spec.seed, kShuffleStream);

  std::vector<Dataset> out;
  out.reserve(pairs.size() * static_cast<size_t>(spec.views));
  for (int view = 0; view < spec.views; ++view) {
    // View 0 is the spec's own projection and draw; view v > 0 derives both from v.
    const Projection proj(
        view == 0 ? proj_seed : DeriveSeed(proj_seed, static_cast<uint64_t>(view)), kFashionPixels,
        spec.dim);
    CachedProjector train_proj(data->train, proj), test_proj(data->test, proj);
    const uint64_t shuffle_seed =
        view == 0 ? shuffle_seed0 : DeriveSeed(shuffle_seed0, static_cast<uint64_t>(view));
    const std::string suffix = view == 0 ? "" : "@" + std::to_string(view);
    for (const auto& [a, b] : pairs) {
      out.push_back(PairTask(spec, *data, a, b, train_proj, test_proj, shuffle_seed, suffix));
    }
  }
  return out;
}

}  // namespace internal
}  // namespace ouro::tasks
