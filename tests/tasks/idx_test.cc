// tests/tasks/idx_test.cc — IDX reading and writing: round trips (plain and gzip), byte order,
// and every kind of malformed file.

#include "tasks/idx.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>

#include "test_util.h"

namespace ouro::tasks {
namespace {

// The largest single operator-new request made while g_track_allocations is set (this test binary
// replaces the global operator new below, to see what a loader asks for).
std::atomic<bool> g_track_allocations{false};
std::atomic<size_t> g_largest_allocation{0};

}  // namespace
}  // namespace ouro::tasks

void* operator new(size_t n) {
  if (ouro::tasks::g_track_allocations.load(std::memory_order_relaxed)) {
    size_t seen = ouro::tasks::g_largest_allocation.load(std::memory_order_relaxed);
    while (n > seen && !ouro::tasks::g_largest_allocation.compare_exchange_weak(seen, n)) {
    }
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// GCC 12 sees these frees inlined next to gtest's `new` and warns of a mismatch; every allocation
// in this binary comes from the operator new above, so the pairing is right.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace ouro::tasks {
namespace {

using testing::Contains;
using testing::ErrorOf;
using testing::ReadAll;
using testing::TempDir;

IdxArray SmallImages() {
  IdxArray a;
  a.type = IdxType::kUByte;
  a.dims = {3, 2, 2};
  for (int i = 0; i < 12; ++i) a.bytes.push_back(static_cast<unsigned char>(i * 20));
  return a;
}

template <typename T>
IdxArray MakeArray(IdxType type, std::vector<uint32_t> dims, const std::vector<T>& values) {
  IdxArray a;
  a.type = type;
  a.dims = std::move(dims);
  a.bytes.resize(values.size() * sizeof(T));
  std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}

TEST(IdxTest, RoundTripPlainAndGzip) {
  TempDir tmp;
  const IdxArray a = SmallImages();
  for (const char* name : {"images.idx", "images.idx.gz"}) {
    WriteIdx(tmp.path(name), a);
    const IdxArray b = ReadIdx(tmp.path(name));
    EXPECT_EQ(b.type, IdxType::kUByte);
    EXPECT_EQ(b.dims, a.dims);
    EXPECT_EQ(b.bytes, a.bytes);
    EXPECT_EQ(b.size(), 12u);
    EXPECT_EQ(b.item_size(), 4u);
    EXPECT_EQ(b.at(5), 100.0);
  }
  // The .gz file really is gzip-compressed, the other one is not.
  EXPECT_EQ(ReadAll(tmp.path("images.idx.gz")).substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(ReadAll(tmp.path("images.idx")).substr(0, 4), std::string("\0\0\x08\x03", 4));
}

TEST(IdxTest, RoundTripsEveryElementType) {
  TempDir tmp;
  const std::vector<IdxArray> arrays = {
      MakeArray<int8_t>(IdxType::kSByte, {3}, {-128, 0, 127}),
      MakeArray<int16_t>(IdxType::kShort, {2, 2}, {-30000, 1, 258, 30000}),
      MakeArray<int32_t>(IdxType::kInt, {3}, {-2000000000, 7, 65536}),
      MakeArray<float>(IdxType::kFloat, {2}, {1.5f, -0.25f}),
      MakeArray<double>(IdxType::kDouble, {1, 2}, {3.141592653589793, -1e300}),
  };
  for (const IdxArray& a : arrays) {
    for (const char* name : {"a.idx", "a.idx.gz"}) {
      WriteIdx(tmp.path(name), a);
      const IdxArray b = ReadIdx(tmp.path(name));
      EXPECT_EQ(b.type, a.type);
      EXPECT_EQ(b.dims, a.dims);
      EXPECT_EQ(b.bytes, a.bytes);
      for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(b.at(i), a.at(i));
    }
  }
  EXPECT_EQ(arrays[0].at(0), -128.0);
  EXPECT_EQ(arrays[2].at(0), -2000000000.0);
  EXPECT_EQ(arrays[3].at(1), -0.25);
}

TEST(IdxTest, ReadsBigEndianBytesWrittenByHand) {
  TempDir tmp;
  // int32, rank 1, 2 elements: 258 and -1.
  const std::string bytes("\0\0\x0c\x01\0\0\0\x02\0\0\x01\x02\xff\xff\xff\xff", 16);
  const IdxArray a = ReadIdx(tmp.Write("ints.idx", bytes));
  ASSERT_EQ(a.dims, std::vector<uint32_t>{2});
  EXPECT_EQ(a.at(0), 258.0);
  EXPECT_EQ(a.at(1), -1.0);
}

TEST(IdxTest, MalformedFilesAreErrorsNamingTheFile) {
  TempDir tmp;
  struct Case {
    std::string name, bytes, expect;
  };
  const std::vector<Case> cases = {
      {"empty.idx", "", "shorter than the 4-byte header"},
      {"short.idx", std::string("\0\0", 2), "shorter than the 4-byte header"},
      {"magic.idx", std::string("\x12\x34\x08\x01\0\0\0\x01\x05", 9), "bad magic 0x12340801"},
      {"type.idx", std::string("\0\0\x07\x01\0\0\0\x01\x05", 9), "unknown element type 0x07"},
      {"rank0.idx", std::string("\0\0\x08\x00", 4), "zero dimensions"},
      {"dims.idx", std::string("\0\0\x08\x03\0\0\0\x01\0\0", 10), "file ends before their sizes"},
      {"data.idx", std::string("\0\0\x08\x01\0\0\0\x05\x01\x02", 10),
       "need 5 data bytes, file has 2"},
      {"trailing.idx", std::string("\0\0\x08\x01\0\0\0\x01\x01\x02", 10), "trailing bytes"},
      {"overflow.idx",
       std::string("\0\0\x0e\x04\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
                   20),
       "too large"},
  };
  for (const Case& c : cases) {
    const std::string path = tmp.Write(c.name, c.bytes);
    const std::string msg = ErrorOf([&] { ReadIdx(path); });
    EXPECT_TRUE(Contains(msg, path)) << msg;
    EXPECT_TRUE(Contains(msg, c.expect)) << c.name << ": " << msg;
  }
  const std::string missing = tmp.path("missing.idx");
  EXPECT_TRUE(Contains(ErrorOf([&] { ReadIdx(missing); }), missing + ": no such file"));
  EXPECT_TRUE(Contains(ErrorOf([&] { ReadIdx(tmp.dir()); }), "is a directory"));
}

// Found while fuzzing (mutated headers made the fuzz test slow): a 16-byte file whose header claims
// 32 GiB of doubles made ReadIdx reserve 256 MiB and zero 16 MiB before noticing that the file is
// short. Memory now grows with the data actually read.
TEST(IdxTest, ShortFileWithHugeDimensionsAllocatesLittle) {
  TempDir tmp;
  const std::string path = tmp.Write(
      "huge.idx", std::string("\0\0\x0e\x02\x00\x01\x00\x00\x00\x01\x00\x00\x01\x02\x03\x04", 16));
  g_largest_allocation = 0;
  g_track_allocations = true;
  const std::string msg = ErrorOf([&] { ReadIdx(path); });
  g_track_allocations = false;
  EXPECT_TRUE(Contains(msg, "need 34359738368 data bytes, file has 4")) << msg;
  EXPECT_LE(g_largest_allocation.load(), size_t{1} << 20);
}

TEST(IdxTest, TruncatedAndCorruptGzipAreErrors) {
  TempDir tmp;
  IdxArray a = SmallImages();
  a.dims = {300, 2, 2};
  a.bytes.resize(1200);
  for (size_t i = 0; i < a.bytes.size(); ++i)
    a.bytes[i] = static_cast<unsigned char>(i * 7919 >> 3);
  const std::string good = tmp.path("good.idx.gz");
  WriteIdx(good, a);
  const std::string gz = ReadAll(good);
  ASSERT_GT(gz.size(), 40u);

  // Cut inside the compressed stream: zlib reports the early end.
  const std::string cut = tmp.Write("cut.idx.gz", gz.substr(0, gz.size() / 2));
  const std::string cut_msg = ErrorOf([&] { ReadIdx(cut); });
  EXPECT_TRUE(Contains(cut_msg, cut + ": ")) << cut_msg;
  EXPECT_TRUE(Contains(cut_msg, "truncated")) << cut_msg;

  // A gzip header followed by garbage.
  std::string bad = gz;
  for (size_t i = 12; i < bad.size() - 8; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  const std::string corrupt = tmp.Write("corrupt.idx.gz", bad);
  const std::string corrupt_msg = ErrorOf([&] { ReadIdx(corrupt); });
  EXPECT_TRUE(Contains(corrupt_msg, corrupt + ": ")) << corrupt_msg;
}

TEST(IdxTest, WriteRejectsInconsistentArrays) {
  TempDir tmp;
  IdxArray a = SmallImages();
  a.bytes.pop_back();
  EXPECT_TRUE(Contains(ErrorOf([&] { WriteIdx(tmp.path("x.idx"), a); }), "its dimensions need 12"));
}

}  // namespace
}  // namespace ouro::tasks
