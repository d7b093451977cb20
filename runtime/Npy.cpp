//===- Npy.cpp - .npy file reading and writing ----------------------------===//
//
// Reads NumPy `.npy` images (format versions 1.0, 2.0 and 3.0) holding
// float32, float64, int32 or int64 data in C order and little-endian byte
// order, and writes version 1.0 files (2.0 only if the header would not fit a
// 16-bit length). The header is a Python dict literal; it is parsed by a small
// recursive-descent parser that accepts exactly the subset NumPy writes
// (string keys, string / bool / tuple-of-int values) and rejects everything
// else with a message. Every error names the file and the problem; nothing
// throws, aborts or reads out of bounds.
//
// Depends on the C++ standard library only.
//
//===----------------------------------------------------------------------===//

#include "runtime/Npy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace plstm {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

/// Little-endian unsigned integer of `count` bytes at `bytes`.
uint64_t readLittleEndian(const std::string &bytes, size_t at, size_t count) {
  uint64_t value = 0;
  for (size_t i = 0; i < count; ++i)
    value |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[at + i]))
             << (8 * i);
  return value;
}

bool hostIsLittleEndian() {
  const uint16_t probe = 1;
  uint8_t first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

/// The parsed content of a .npy header dict.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// Recursive-descent parser for the header dict. Errors are returned as
/// plain text (without the file name) through `error`.
class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : text_(text) {}

  bool parse(NpyHeader &header, std::string &error) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skipSpace();
    if (!consume('{'))
      return fail(error, "header is not a dict: expected '{' at offset " +
                             std::to_string(pos_));
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return fail(error, "header is not a dict: expected a quoted key at "
                           "offset " +
                               std::to_string(pos_));
      skipSpace();
      if (!consume(':'))
        return fail(error, "header is not a dict: expected ':' after key '" +
                               key + "'");
      skipSpace();
      if (key == "descr") {
        if (!parseString(header.descr)) {
          if (pos_ < text_.size() && text_[pos_] == '[')
            return fail(error, "unsupported dtype: structured dtypes are not "
                               "supported");
          return fail(error, "header key 'descr' must be a string");
        }
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (consumeWord("True"))
          header.fortranOrder = true;
        else if (consumeWord("False"))
          header.fortranOrder = false;
        else
          return fail(error, "header key 'fortran_order' must be True or "
                             "False");
        haveOrder = true;
      } else if (key == "shape") {
        if (!parseShape(header.shape, error))
          return false;
        haveShape = true;
      } else {
        return fail(error, "header has an unexpected key '" + key + "'");
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return fail(error, "header is not a dict: expected ',' or '}' at "
                         "offset " +
                             std::to_string(pos_));
    }
    skipSpace();
    if (pos_ != text_.size())
      return fail(error, "header has unexpected text after the dict at "
                         "offset " +
                             std::to_string(pos_));
    if (!haveDescr)
      return fail(error, "header is missing the key 'descr'");
    if (!haveOrder)
      return fail(error, "header is missing the key 'fortran_order'");
    if (!haveShape)
      return fail(error, "header is missing the key 'shape'");
    return true;
  }

private:
  static bool fail(std::string &error, std::string message) {
    error = std::move(message);
    return false;
  }

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool consumeWord(const char *word) {
    size_t length = std::strlen(word);
    if (text_.compare(pos_, length, word) != 0)
      return false;
    size_t end = pos_ + length;
    if (end < text_.size() &&
        (std::isalnum(static_cast<unsigned char>(text_[end])) ||
         text_[end] == '_'))
      return false;
    pos_ = end;
    return true;
  }

  /// A '...' or "..." literal without escapes.
  bool parseString(std::string &out) {
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      return false;
    char quote = text_[pos_];
    size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos)
      return false;
    std::string value = text_.substr(pos_ + 1, end - pos_ - 1);
    if (value.find('\\') != std::string::npos)
      return false;
    out = std::move(value);
    pos_ = end + 1;
    return true;
  }

  /// A tuple of non-negative integers: "()", "(3,)", "(2, 3)", "(2, 3,)".
  bool parseShape(std::vector<int64_t> &shape, std::string &error) {
    if (!consume('('))
      return fail(error, "header key 'shape' must be a tuple");
    shape.clear();
    while (true) {
      skipSpace();
      if (consume(')'))
        return true;
      int64_t extent;
      if (!parseExtent(extent, error))
        return false;
      shape.push_back(extent);
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume(')')) {
        // A 1-tuple needs a trailing comma in Python; "(3)" is the int 3.
        if (shape.size() == 1)
          return fail(error, "header key 'shape' must be a tuple, got the "
                             "integer " +
                                 std::to_string(shape[0]));
        return true;
      }
      return fail(error, "bad shape entry in header at offset " +
                             std::to_string(pos_));
    }
  }

  bool parseExtent(int64_t &extent, std::string &error) {
    size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') {
      size_t end = pos_ + 1;
      while (end < text_.size() &&
             std::isdigit(static_cast<unsigned char>(text_[end])))
        ++end;
      return fail(error, "negative dimension " +
                             text_.substr(start, end - start) +
                             " in header shape");
    }
    if (pos_ >= text_.size() ||
        !std::isdigit(static_cast<unsigned char>(text_[pos_])))
      return fail(error, "bad shape entry in header at offset " +
                             std::to_string(pos_) +
                             ": expected a non-negative integer");
    uint64_t value = 0;
    const uint64_t limit =
        static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    while (pos_ < text_.size() &&
           std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      uint64_t digit = static_cast<uint64_t>(text_[pos_] - '0');
      if (value > (limit - digit) / 10)
        return fail(error, "dimension in header shape overflows int64");
      value = value * 10 + digit;
      ++pos_;
    }
    // Python 2 era files may write long integers as "3L".
    if (pos_ < text_.size() && text_[pos_] == 'L')
      ++pos_;
    if (pos_ < text_.size() &&
        (std::isalpha(static_cast<unsigned char>(text_[pos_])) ||
         text_[pos_] == '.' || text_[pos_] == '_'))
      return fail(error, "bad shape entry in header at offset " +
                             std::to_string(start) +
                             ": expected a non-negative integer");
    extent = static_cast<int64_t>(value);
    return true;
  }

  const std::string &text_;
  size_t pos_ = 0;
};

/// Maps a descr string to a DType; explains a rejection in `error`.
bool dtypeFromDescr(const std::string &descr, DType &dtype,
                    std::string &error) {
  if (descr.size() >= 2 && descr[0] == '>') {
    error = "unsupported dtype '" + descr +
            "': big-endian data is not supported (only little-endian '<')";
    return false;
  }
  bool littleEndian =
      !descr.empty() &&
      (descr[0] == '<' || (descr[0] == '=' && hostIsLittleEndian()));
  std::string kind = descr.empty() ? std::string() : descr.substr(1);
  if (littleEndian) {
    if (kind == "f4") {
      dtype = DType::F32;
      return true;
    }
    if (kind == "f8") {
      dtype = DType::F64;
      return true;
    }
    if (kind == "i4") {
      dtype = DType::I32;
      return true;
    }
    if (kind == "i8") {
      dtype = DType::I64;
      return true;
    }
  }
  error = "unsupported dtype '" + descr +
          "' (supported: '<f4', '<f8', '<i4', '<i8')";
  return false;
}

const char *descrFor(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  }
  return "?";
}

Status errorIn(const std::string &what, const std::string &message) {
  return Status::error(what + ": " + message);
}

} // namespace

Status parseNpy(const std::string &bytes, const std::string &what,
                Tensor &out) {
  if (bytes.size() < kMagicSize ||
      std::memcmp(bytes.data(), kMagic, kMagicSize) != 0)
    return errorIn(what, "not a .npy file (bad magic string)");
  if (bytes.size() < kMagicSize + 2)
    return errorIn(what, "truncated header: missing the format version");
  unsigned major = static_cast<uint8_t>(bytes[kMagicSize]);
  unsigned minor = static_cast<uint8_t>(bytes[kMagicSize + 1]);
  if (major < 1 || major > 3 || minor != 0)
    return errorIn(
        what, "unsupported .npy format version " + std::to_string(major) + "." +
                  std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t prefix = kMagicSize + 2 + lengthBytes;
  if (bytes.size() < prefix)
    return errorIn(what, "truncated header: missing the header length");
  uint64_t headerLength = readLittleEndian(bytes, kMagicSize + 2, lengthBytes);
  if (headerLength > bytes.size() - prefix)
    return errorIn(what, "truncated header: header length " +
                             std::to_string(headerLength) + " exceeds the " +
                             std::to_string(bytes.size() - prefix) +
                             " bytes after the preamble");
  std::string headerText = bytes.substr(prefix, headerLength);
  if (major < 3) {
    for (char c : headerText)
      if (static_cast<unsigned char>(c) >= 0x80)
        return errorIn(what, "header is not ASCII (format version " +
                                 std::to_string(major) + ".0)");
  }

  NpyHeader header;
  std::string error;
  HeaderParser parser(headerText);
  if (!parser.parse(header, error))
    return errorIn(what, error);
  DType dtype;
  if (!dtypeFromDescr(header.descr, dtype, error))
    return errorIn(what, error);
  if (header.fortranOrder)
    return errorIn(what, "fortran_order True is not supported (only C-order "
                         "arrays)");

  // Expected data size, with overflow checks: every extent is already a
  // non-negative int64.
  const uint64_t limit =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t elementCount = 1;
  bool overflow = false;
  for (int64_t extent : header.shape) {
    uint64_t e = static_cast<uint64_t>(extent);
    if (e != 0 && elementCount > limit / e)
      overflow = true;
    else
      elementCount *= e;
  }
  // A zero extent anywhere makes the array empty even if the others overflow.
  for (int64_t extent : header.shape)
    if (extent == 0) {
      overflow = false;
      elementCount = 0;
    }
  uint64_t itemSize = dtypeSize(dtype);
  if (overflow || elementCount > limit / itemSize)
    return errorIn(what, "shape " + formatShape(header.shape) +
                             " is too large (its byte size overflows int64)");
  uint64_t expectedBytes = elementCount * itemSize;
  uint64_t actualBytes = bytes.size() - prefix - headerLength;
  if (actualBytes < expectedBytes)
    return errorIn(what, "truncated data: shape " + formatShape(header.shape) +
                             " of " + dtypeName(dtype) + " needs " +
                             std::to_string(expectedBytes) + " bytes, got " +
                             std::to_string(actualBytes));
  if (actualBytes > expectedBytes)
    return errorIn(what, "trailing bytes after the data: shape " +
                             formatShape(header.shape) + " of " +
                             dtypeName(dtype) + " needs " +
                             std::to_string(expectedBytes) + " bytes, got " +
                             std::to_string(actualBytes));

  Tensor result(dtype, header.shape);
  if (expectedBytes) {
    char *target = static_cast<char *>(result.data());
    std::memcpy(target, bytes.data() + prefix + headerLength, expectedBytes);
    if (!hostIsLittleEndian())
      for (uint64_t at = 0; at < expectedBytes; at += itemSize)
        std::reverse(target + at, target + at + itemSize);
  }
  out = std::move(result);
  return Status::success();
}

Status readNpy(const std::string &path, Tensor &out) {
  std::FILE *file = std::fopen(path.c_str(), "rb");
  if (!file)
    return errorIn(path,
                   std::string("cannot open file: ") + std::strerror(errno));
  std::string bytes;
  char buffer[1 << 16];
  size_t count;
  while ((count = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    bytes.append(buffer, count);
  bool readFailed = std::ferror(file) != 0;
  std::fclose(file);
  if (readFailed)
    return errorIn(path, "read error");
  return parseNpy(bytes, path, out);
}

Status writeNpy(const std::string &path, const TensorRef &tensor) {
  for (int64_t extent : tensor.shape)
    if (extent < 0)
      return errorIn(path, "cannot write a tensor of shape " +
                               formatShape(tensor.shape));
  if (tensor.strides.size() != tensor.shape.size())
    return errorIn(path, "tensor has " + std::to_string(tensor.strides.size()) +
                             " strides for rank " +
                             std::to_string(tensor.shape.size()));
  int64_t count = tensor.numElements();
  if (count > 0 && !tensor.present())
    return errorIn(path, "tensor data is null");

  std::string dict = std::string("{'descr': '") + descrFor(tensor.dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < tensor.shape.size(); ++i) {
    if (i)
      dict += ", ";
    dict += std::to_string(tensor.shape[i]);
  }
  if (tensor.shape.size() == 1)
    dict += ",";
  dict += "), }";

  // Pad with spaces so that magic + version + length + header is a multiple
  // of 64 bytes, the last header byte being '\n'.
  size_t lengthBytes = 2;
  unsigned major = 1;
  size_t total = kMagicSize + 2 + lengthBytes + dict.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  size_t headerLength = padded - (kMagicSize + 2 + lengthBytes);
  if (headerLength > 0xffff) {
    lengthBytes = 4;
    major = 2;
    total = kMagicSize + 2 + lengthBytes + dict.size() + 1;
    padded = (total + 63) / 64 * 64;
    headerLength = padded - (kMagicSize + 2 + lengthBytes);
  }
  std::string bytes(kMagic, kMagicSize);
  bytes += static_cast<char>(major);
  bytes += static_cast<char>(0);
  for (size_t i = 0; i < lengthBytes; ++i)
    bytes += static_cast<char>((headerLength >> (8 * i)) & 0xff);
  bytes += dict;
  bytes.append(headerLength - dict.size() - 1, ' ');
  bytes += '\n';

  // Data in C order, copied element by element through the strides.
  size_t itemSize = dtypeSize(tensor.dtype);
  size_t dataStart = bytes.size();
  bytes.resize(dataStart + static_cast<size_t>(count) * itemSize);
  std::vector<int64_t> index(tensor.shape.size(), 0);
  const char *base = static_cast<const char *>(tensor.data);
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t offset = tensor.offset(index.data());
    char *target = &bytes[dataStart + static_cast<size_t>(linear) * itemSize];
    std::memcpy(target, base + offset * static_cast<int64_t>(itemSize),
                itemSize);
    if (!hostIsLittleEndian())
      std::reverse(target, target + itemSize);
    for (size_t axis = index.size(); axis-- > 0;) {
      if (++index[axis] < tensor.shape[axis])
        break;
      index[axis] = 0;
    }
  }

  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    return errorIn(path, std::string("cannot open file for writing: ") +
                             std::strerror(errno));
  size_t written = std::fwrite(bytes.data(), 1, bytes.size(), file);
  bool failed = written != bytes.size();
  if (std::fclose(file) != 0)
    failed = true;
  if (failed)
    return errorIn(path, "write error");
  return Status::success();
}

} // namespace plstm
