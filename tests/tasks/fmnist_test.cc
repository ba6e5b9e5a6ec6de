// tests/tasks/fmnist_test.cc — the Fashion-MNIST family on the installed dataset (skipped if the
// Debian package is absent): sizes, labels, balance, determinism, the projection, and errors.

#include "tasks/fmnist.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/rng.h"
#include "tasks/partition.h"
#include "tasks/task_spec.h"
#include "test_util.h"

namespace ouro::tasks {
namespace {

using testing::Contains;
using testing::ErrorOf;
using testing::TempDir;

const std::string kDir = TaskSpec().data_dir;

bool Installed() {
  return std::filesystem::exists(kDir + "/train-images-idx3-ubyte.gz") &&
         std::filesystem::exists(kDir + "/t10k-labels-idx1-ubyte.gz");
}

#define REQUIRE_FASHION_MNIST() \
  if (!Installed()) GTEST_SKIP() << "Fashion-MNIST not installed in " << kDir

TEST(FashionMnistTest, FilesLoadOnceWithTheExpectedShapes) {
  REQUIRE_FASHION_MNIST();
  const auto a = LoadFashionMnist(kDir);
  EXPECT_EQ(a->train.n(), 60000);
  EXPECT_EQ(a->test.n(), 10000);
  for (int c = 0; c < kFashionClasses; ++c) {
    EXPECT_EQ(a->train.by_class[c].size(), 6000u);
    EXPECT_EQ(a->test.by_class[c].size(), 1000u);
  }
  EXPECT_EQ(LoadFashionMnist(kDir).get(), a.get());  // cached
}

TEST(FashionMnistTest, PairHasRightSizesLabelsAndBalance) {
  REQUIRE_FASHION_MNIST();
  const auto sets = Generate(ParseTaskSpec("fmnist:dim=16,pairs=0-6,train=1000,valid=200,seed=1"));
  ASSERT_EQ(sets.size(), 1u);
  const Dataset& d = sets[0];
  EXPECT_EQ(d.name, "fmnist[0-6]");
  EXPECT_EQ(d.kind, Kind::kClassification);
  EXPECT_EQ(d.dim, 16);
  EXPECT_EQ(d.train.n(), 1000);
  EXPECT_EQ(d.valid.n(), 200);
  EXPECT_EQ(d.test.n(), 2000);  // test=0: the whole pair from t10k
  EXPECT_EQ(d.train.x.size(), 16000u);
  for (const Split* s : {&d.train, &d.valid, &d.test}) {
    double ones = 0;
    for (double y : s->y) {
      ASSERT_TRUE(y == 0.0 || y == 1.0);
      ones += y;
    }
    EXPECT_NEAR(ones / s->n(), 0.5, 0.1);
    for (double v : s->x) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(FashionMnistTest, ViewsRepeatEveryPairThroughAnotherProjection) {
  REQUIRE_FASHION_MNIST();
  const auto one = Generate(ParseTaskSpec("fmnist:dim=8,pairs=0-6;2-4,train=50,valid=20,test=10,seed=3"));
  const auto three =
      Generate(ParseTaskSpec("fmnist:dim=8,pairs=0-6;2-4,train=50,valid=20,test=10,seed=3,views=3"));
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(three.size(), 6u);
  const char* names[] = {"fmnist[0-6]", "fmnist[2-4]", "fmnist[0-6]@1", "fmnist[2-4]@1",
                         "fmnist[0-6]@2", "fmnist[2-4]@2"};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(three[i].name, names[i]);
  // View 0 is exactly the task without views.
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(three[i].train.x, one[i].train.x);
    EXPECT_EQ(three[i].valid.y, one[i].valid.y);
    EXPECT_EQ(three[i].test.x, one[i].test.x);
  }
  // Other views: other features (projection) and another draw of training examples; the test
  // split is the same images (t10k in file order) seen through the other projection.
  for (size_t v = 1; v < 3; ++v)
    for (size_t i = 0; i < 2; ++i) {
      const Dataset& d = three[2 * v + i];
      EXPECT_EQ(d.train.n(), 50);
      EXPECT_NE(d.train.x, one[i].train.x);
      EXPECT_NE(d.train.y, one[i].train.y);
      EXPECT_EQ(d.test.y, one[i].test.y);
      EXPECT_NE(d.test.x, one[i].test.x);
      EXPECT_NE(d.test.x, three[2 * (3 - v) + i].test.x);
    }
}

TEST(FashionMnistTest, BothOrientationsOfAPairAreTwoTasks) {
  REQUIRE_FASHION_MNIST();
  const auto sets = Generate(ParseTaskSpec("fmnist:dim=8,pairs=0-6;6-0,train=50,valid=20,test=0,seed=3"));
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[1].name, "fmnist[6-0]");
  // The same t10k images in the same order, with every label swapped.
  ASSERT_EQ(sets[0].test.x, sets[1].test.x);
  for (int i = 0; i < sets[0].test.n(); ++i) ASSERT_EQ(sets[0].test.y[i], 1.0 - sets[1].test.y[i]) << i;
}

TEST(FashionMnistTest, FeaturesAreTheDocumentedProjection) {
  REQUIRE_FASHION_MNIST();
  const Dataset d = Generate(ParseTaskSpec("fmnist:dim=4,pairs=3-8,train=100,valid=1,test=5"))[0];
  const auto fm = LoadFashionMnist(kDir);
  // The first test example is the first image of class 3 or 8 in t10k.
  int first = -1;
  for (int i = 0; i < fm->test.n() && first < 0; ++i) {
    if (fm->test.labels.bytes[i] == 3 || fm->test.labels.bytes[i] == 8) first = i;
  }
  ASSERT_GE(first, 0);
  EXPECT_EQ(d.test.y[0], fm->test.labels.bytes[first] == 8 ? 1.0 : 0.0);
  Rng rng(DeriveSeed(0, 0x70726f6a65637400ULL));
  for (int k = 0; k < 4; ++k) {
    double f = 0;
    for (int j = 0; j < kFashionPixels; ++j) {
      f += rng.Gaussian() / std::sqrt(784.0) * (fm->test.image(first)[j] / 255.0);
    }
    EXPECT_NEAR(d.test.row(0, 4)[k], f, 1e-9);
  }
}

TEST(FashionMnistTest, DeterministicAndSeeded) {
  REQUIRE_FASHION_MNIST();
  const std::string base = "fmnist:dim=8,pairs=2-4;0-6,train=300,valid=100,test=50";
  const auto a = Generate(ParseTaskSpec(base + ",seed=5"));
  const auto b = Generate(ParseTaskSpec(base + ",seed=5"));
  const auto c = Generate(ParseTaskSpec(base + ",seed=6"));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].name, "fmnist[0-6]");
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].train.x.size(), b[i].train.x.size());
    EXPECT_EQ(std::memcmp(a[i].train.x.data(), b[i].train.x.data(), a[i].train.x.size() * 8), 0);
    EXPECT_EQ(a[i].valid.y, b[i].valid.y);
    EXPECT_EQ(a[i].test.x, b[i].test.x);
    EXPECT_NE(a[i].train.x, c[i].train.x);
  }
  // A pair's data does not depend on which other pairs are asked for.
  const auto single =
      Generate(ParseTaskSpec("fmnist:dim=8,pairs=0-6,train=300,valid=100,test=50,seed=5"));
  EXPECT_EQ(single[0].train.x, a[1].train.x);
  // Reversing a pair flips the labels.
  const auto flipped =
      Generate(ParseTaskSpec("fmnist:dim=8,pairs=6-0,train=300,valid=100,test=50,seed=5"));
  for (int r = 0; r < 50; ++r) EXPECT_EQ(flipped[0].test.y[r], 1.0 - a[1].test.y[r]);
}

TEST(FashionMnistTest, AllPairsWhenNoneGiven) {
  REQUIRE_FASHION_MNIST();
  const auto sets = Generate(ParseTaskSpec("fmnist:dim=2,train=20,valid=10,test=10"));
  ASSERT_EQ(sets.size(), 45u);
  EXPECT_EQ(sets.front().name, "fmnist[0-1]");
  EXPECT_EQ(sets.back().name, "fmnist[8-9]");
}

TEST(FashionMnistTest, Errors) {
  REQUIRE_FASHION_MNIST();
  EXPECT_EQ(ErrorOf([] { Generate(ParseTaskSpec("fmnist:pairs=1-2,train=12000,valid=1")); }),
            "fmnist[1-2]: train+valid = 12001 examples requested, but the training file has only "
            "12000 of classes 1 and 2");
  EXPECT_TRUE(Contains(ErrorOf([] { Generate(ParseTaskSpec("fmnist:pairs=1-2,test=2001")); }),
                       "t10k has only 2000"));
}

TEST(FashionMnistTest, MissingDatasetNamesThePackage) {
  TempDir tmp;
  EXPECT_EQ(ErrorOf([&] { Generate(ParseTaskSpec("fmnist:pairs=0-1,data_dir=" + tmp.dir())); }),
            "Fashion-MNIST not found in " + tmp.dir() +
                ": install the Debian package dataset-fashion-mnist (apt-get install "
                "dataset-fashion-mnist)");
}

}  // namespace
}  // namespace ouro::tasks
