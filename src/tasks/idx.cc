// tasks/idx.cc — IDX parsing and writing (see idx.h); zlib does the gzip part.

#include "tasks/idx.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace ouro::tasks {
namespace {

bool KnownType(uint8_t t) {
  switch (static_cast<IdxType>(t)) {
    case IdxType::kUByte:
    case IdxType::kSByte:
    case IdxType::kShort:
    case IdxType::kInt:
    case IdxType::kFloat:
    case IdxType::kDouble:
      return true;
  }
  return false;
}

// Reverses each `size`-byte element of `bytes` in place (big-endian <-> little-endian).
void SwapElements(unsigned char* bytes, size_t n_bytes, int size) {
  if (size == 1) return;
  for (size_t i = 0; i + size <= n_bytes; i += size) std::reverse(bytes + i, bytes + i + size);
}

// A gzFile that closes itself and turns zlib failures into ouro::Error.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw Error(path + ": no such file");
    if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not a file");
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      throw Error(path + ": cannot open: " + (errno ? std::strerror(errno) : "out of memory"));
    }
    gzbuffer(file_, 1 << 17);
  }
  ~GzReader() { gzclose(file_); }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Reads up to n bytes; returns how many were read (fewer only at end of data).
  size_t Read(void* buf, size_t n) {
    auto* out = static_cast<unsigned char*>(buf);
    size_t got = 0;
    while (got < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
      const int r = gzread(file_, out + got, chunk);
      if (r < 0) Fail();
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    int errnum = Z_OK;
    gzerror(file_, &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END) Fail();
    return got;
  }

 private:
  [[noreturn]] void Fail() {
    int errnum = Z_OK;
    const char* msg = gzerror(file_, &errnum);
    if (errnum == Z_ERRNO) msg = std::strerror(errno);
    std::string text = msg && *msg ? msg : "read error";
    if (text.rfind(path_ + ": ", 0) == 0) text.erase(0, path_.size() + 2);  // zlib adds the path
    throw Error(path_ + ": corrupt or truncated gzip data: " + text);
  }

  std::string path_;
  gzFile file_ = nullptr;
};

}  // namespace

int IdxTypeSize(IdxType type) {
  switch (type) {
    case IdxType::kUByte:
    case IdxType::kSByte:
      return 1;
    case IdxType::kShort:
      return 2;
    case IdxType::kInt:
    case IdxType::kFloat:
      return 4;
    case IdxType::kDouble:
      return 8;
  }
  return 0;
}

size_t IdxArray::size() const {
  size_t n = 1;
  for (uint32_t d : dims) n *= d;
  return n;
}

size_t IdxArray::item_size() const {
  size_t n = 1;
  for (size_t i = 1; i < dims.size(); ++i) n *= dims[i];
  return n;
}

// Elements are stored in native byte order (swapped on load), possibly unaligned.
namespace {
template <typename T>
double Load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}
}  // namespace

double IdxArray::at(size_t i) const {
  const unsigned char* p = bytes.data() + i * IdxTypeSize(type);
  switch (type) {
    case IdxType::kUByte: return *p;
    case IdxType::kSByte: return static_cast<int8_t>(*p);
    case IdxType::kShort: return Load<int16_t>(p);
    case IdxType::kInt: return Load<int32_t>(p);
    case IdxType::kFloat: return Load<float>(p);
    case IdxType::kDouble: return Load<double>(p);
  }
  return 0;
}

IdxArray ReadIdx(const std::string& path) {
  GzReader in(path);
  unsigned char magic[4];
  const size_t got_magic = in.Read(magic, 4);
  if (got_magic < 4) {
    throw Error(path + ": truncated IDX file: " + std::to_string(got_magic) +
                " bytes, shorter than the 4-byte header");
  }
  char magic_hex[16];
  std::snprintf(magic_hex, sizeof magic_hex, "0x%02x%02x%02x%02x", magic[0], magic[1], magic[2],
                magic[3]);
  if (magic[0] != 0 || magic[1] != 0) {
    throw Error(path + ": not an IDX file: bad magic " + magic_hex +
                " (expected 0x0000 then type and rank)");
  }
  if (!KnownType(magic[2])) {
    char type_hex[8];
    std::snprintf(type_hex, sizeof type_hex, "0x%02x", magic[2]);
    throw Error(path + ": bad IDX magic " + magic_hex + ": unknown element type " + type_hex);
  }
  const int rank = magic[3];
  if (rank == 0) throw Error(path + ": bad IDX magic " + magic_hex + ": zero dimensions");

  IdxArray a;
  a.type = static_cast<IdxType>(magic[2]);
  std::vector<unsigned char> dim_bytes(static_cast<size_t>(rank) * 4);
  if (in.Read(dim_bytes.data(), dim_bytes.size()) < dim_bytes.size()) {
    throw Error(path + ": truncated IDX header: " + std::to_string(rank) +
                " dimensions announced, file ends before their sizes");
  }
  size_t elements = 1;
  std::string dims_text;
  bool overflow = false;
  for (int i = 0; i < rank; ++i) {
    const unsigned char* p = &dim_bytes[static_cast<size_t>(i) * 4];
    const uint32_t d =
        (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    a.dims.push_back(d);
    dims_text += (i ? "x" : "") + std::to_string(d);
    overflow = overflow || __builtin_mul_overflow(elements, size_t{d}, &elements);
  }
  const int elem_size = IdxTypeSize(a.type);
  size_t n_bytes = 0;
  // Cap at 2^40 bytes: no real IDX file is that large, and it keeps size arithmetic far from
  // overflow everywhere downstream.
  if (overflow || __builtin_mul_overflow(elements, size_t(elem_size), &n_bytes) ||
      n_bytes > (size_t{1} << 40)) {
    throw Error(path + ": IDX dimensions " + dims_text + " are too large (size overflows)");
  }

  // Read in chunks that grow with what has been read (64 KiB, then doubling up to 16 MiB) rather
  // than allocating what the header claims up front, so a corrupt header cannot make us allocate
  // more than about twice the data the file really has before noticing that it is short.
  size_t have = 0;
  while (have < n_bytes) {
    const size_t want =
        std::min({n_bytes - have, std::max(have, size_t{1} << 16), size_t{1} << 24});
    a.bytes.resize(have + want);
    const size_t got = in.Read(a.bytes.data() + have, want);
    have += got;
    if (got < want) {
      throw Error(path + ": truncated IDX file: dimensions " + dims_text + " need " +
                  std::to_string(n_bytes) + " data bytes, file has " + std::to_string(have));
    }
  }
  unsigned char extra;
  if (in.Read(&extra, 1) != 0) {
    throw Error(path + ": malformed IDX file: trailing bytes after the " + std::to_string(n_bytes) +
                " data bytes of dimensions " + dims_text);
  }
  if (std::endian::native == std::endian::little) SwapElements(a.bytes.data(), n_bytes, elem_size);
  return a;
}

void WriteIdx(const std::string& path, const IdxArray& array) {
  if (!KnownType(static_cast<uint8_t>(array.type)))
    throw Error(path + ": unknown IDX element type");
  if (array.dims.empty() || array.dims.size() > 255) {
    throw Error(path + ": IDX arrays need 1 to 255 dimensions");
  }
  const int elem_size = IdxTypeSize(array.type);
  if (array.bytes.size() != array.size() * elem_size) {
    throw Error(path + ": IDX array has " + std::to_string(array.bytes.size()) +
                " bytes, its dimensions need " + std::to_string(array.size() * elem_size));
  }
  std::vector<unsigned char> out;
  out.reserve(4 + 4 * array.dims.size() + array.bytes.size());
  out.insert(out.end(), {0, 0, static_cast<unsigned char>(array.type),
                         static_cast<unsigned char>(array.dims.size())});
  for (uint32_t d : array.dims) {
    out.insert(out.end(), {static_cast<unsigned char>(d >> 24), static_cast<unsigned char>(d >> 16),
                           static_cast<unsigned char>(d >> 8), static_cast<unsigned char>(d)});
  }
  const size_t header = out.size();
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  if (std::endian::native == std::endian::little) {
    SwapElements(out.data() + header, array.bytes.size(), elem_size);
  }

  const bool gz = path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (gz) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (f == nullptr) throw Error(path + ": cannot write: " + std::strerror(errno));
    size_t done = 0;
    bool ok = true;
    while (ok && done < out.size()) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(out.size() - done, 1u << 30));
      ok = gzwrite(f, out.data() + done, chunk) == static_cast<int>(chunk);
      done += chunk;
    }
    if (gzclose(f) != Z_OK || !ok) throw Error(path + ": write failed");
  } else {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw Error(path + ": cannot write: " + std::strerror(errno));
    f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    f.close();
    if (!f) throw Error(path + ": write failed");
  }
}

}  // namespace ouro::tasks
