// tasks/idx.h — reading and writing IDX files, the container format of MNIST and Fashion-MNIST.
//
// An IDX file is a 4-byte magic (0, 0, element type, number of dimensions), one big-endian uint32
// per dimension, then the elements row-major and big-endian. ReadIdx reads plain files and
// gzip-compressed ones alike (zlib detects which) and validates everything: an unreadable,
// truncated, oversized or malformed file is an ouro::Error naming the file and the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ouro::tasks {

enum class IdxType : uint8_t {
  kUByte = 0x08,
  kSByte = 0x09,
  kShort = 0x0B,   // int16
  kInt = 0x0C,     // int32
  kFloat = 0x0D,   // float32
  kDouble = 0x0E,  // float64
};

// Bytes per element of `type`.
int IdxTypeSize(IdxType type);

struct IdxArray {
  IdxType type = IdxType::kUByte;
  std::vector<uint32_t> dims;        // at least one
  std::vector<unsigned char> bytes;  // size() elements, row-major, in host byte order

  // Number of elements: the product of dims.
  size_t size() const;
  // Elements per item: the product of dims[1..] (1 for a one-dimensional array).
  size_t item_size() const;
  // Element i converted to double. REQUIRES: i < size().
  double at(size_t i) const;
};

// Reads an IDX file, gunzipping it if it is gzip-compressed. Throws ouro::Error.
IdxArray ReadIdx(const std::string& path);

// Writes `array` as an IDX file, gzip-compressed if `path` ends in ".gz". Throws ouro::Error if
// the file cannot be written or the array is inconsistent (bytes.size() != size() * element size).
void WriteIdx(const std::string& path, const IdxArray& array);

}  // namespace ouro::tasks
