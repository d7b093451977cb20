//===- NpyTest.cpp - tests of .npy reading and writing --------------------===//
//
// Round trips for every supported dtype and ranks 0..4 (zero-size dims
// included), the exact header layout written, strided views written in C
// order, reading format versions 2.0 and 3.0 and NumPy/Python-2 style
// headers, and one crafted file per malformed case: each error must name the
// file and the problem, and leave the output tensor unchanged.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "runtime/Npy.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace plstm {
namespace {

using namespace plstm::test;

/// A fresh directory under testing::TempDir() for one test.
std::string makeTempDir(const std::string &name) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("plstm_npy_" + name);
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  std::filesystem::create_directories(dir, error);
  EXPECT_FALSE(error) << error.message();
  return dir.string();
}

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A .npy image: magic, version, little-endian header length (2 bytes for
/// version 1, else 4), `header` + '\n', then `data`.
std::string npyImage(const std::string &header, const std::string &data,
                     int major = 1, int minor = 0) {
  std::string text = header + "\n";
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += static_cast<char>(minor);
  size_t lengthBytes = major == 1 ? 2 : 4;
  for (size_t i = 0; i < lengthBytes; ++i)
    bytes += static_cast<char>((text.size() >> (8 * i)) & 0xff);
  return bytes + text + data;
}

std::string dictFor(const std::string &descr, const std::string &shape,
                    const std::string &order = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + order +
         ", 'shape': " + shape + ", }";
}

/// Random contents for any dtype; integers span the full range of the type.
Tensor randomOf(Rng &rng, DType dtype, const Shape &shape) {
  Tensor t(dtype, shape);
  std::uniform_int_distribution<int64_t> i64;
  std::uniform_int_distribution<int32_t> i32;
  std::uniform_real_distribution<double> real(-1e3, 1e3);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    switch (dtype) {
    case DType::F32:
      t.as<float>()[i] = static_cast<float>(real(rng));
      break;
    case DType::F64:
      t.as<double>()[i] = real(rng);
      break;
    case DType::I32:
      t.as<int32_t>()[i] = i32(rng);
      break;
    case DType::I64:
      t.as<int64_t>()[i] = i64(rng);
      break;
    }
  }
  return t;
}

TEST(Npy, RoundTripAllDtypesAndRanks) {
  Rng rng(51);
  std::string dir = makeTempDir("roundtrip");
  const std::vector<Shape> shapes = {
      {}, {5}, {0}, {2, 3}, {2, 0, 3}, {2, 3, 4}, {1, 2, 3, 2}, {3, 1, 0, 2}};
  for (DType dtype : {DType::F32, DType::F64, DType::I32, DType::I64})
    for (const Shape &shape : shapes) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " " + formatShape(shape));
      Tensor original = randomOf(rng, dtype, shape);
      std::string path = dir + "/" + dtypeName(dtype) + "_" +
                         std::to_string(shape.size()) + "_" +
                         std::to_string(original.numElements()) + ".npy";
      ASSERT_TRUE(isOk(writeNpy(path, original.ref())));
      Tensor back;
      ASSERT_TRUE(isOk(readNpy(path, back)));
      EXPECT_EQ(back.dtype(), dtype);
      EXPECT_EQ(back.shape(), shape);
      ASSERT_EQ(back.sizeInBytes(), original.sizeInBytes());
      if (original.sizeInBytes() > 0) {
        EXPECT_EQ(
            std::memcmp(back.data(), original.data(), original.sizeInBytes()),
            0);
      }
    }
}

TEST(Npy, WritesVersion1HeaderPaddedTo64Bytes) {
  std::string dir = makeTempDir("header");
  struct Case {
    DType dtype;
    Shape shape;
    std::string dict;
  };
  const Case cases[] = {
      {DType::F32,
       {3},
       "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"},
      {DType::F64,
       {},
       "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"},
      {DType::I32,
       {2, 3},
       "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }"},
      {DType::I64,
       {1, 0, 7},
       "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 0, 7), }"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.dict);
    Tensor t(c.dtype, c.shape);
    std::string path = dir + "/h.npy";
    ASSERT_TRUE(isOk(writeNpy(path, t.ref())));
    std::string bytes = readBytes(path);
    ASSERT_GE(bytes.size(), 10u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    size_t headerLength =
        static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    EXPECT_EQ((10 + headerLength) % 64, 0u);
    ASSERT_LE(10 + headerLength, bytes.size());
    std::string header = bytes.substr(10, headerLength);
    EXPECT_EQ(header.back(), '\n');
    EXPECT_EQ(header.substr(0, c.dict.size()), c.dict);
    EXPECT_EQ(header.find_first_not_of(' ', c.dict.size()), headerLength - 1);
    EXPECT_EQ(bytes.size() - 10 - headerLength, t.sizeInBytes());
  }
}

TEST(Npy, WritesStridedViewsInCOrder) {
  Rng rng(52);
  std::string dir = makeTempDir("strided");
  // A [3, 4] buffer viewed transposed as [4, 3].
  Tensor base = randomTensor(rng, {3, 4});
  TensorRef transposed(base.data(), DType::F64, {4, 3}, {1, 4});
  ASSERT_TRUE(isOk(writeNpy(dir + "/t.npy", transposed)));
  Tensor back;
  ASSERT_TRUE(isOk(readNpy(dir + "/t.npy", back)));
  EXPECT_TRUE(allEqual(back, materialize(transposed)));
  EXPECT_EQ(at(back, {3, 1}), at(base, {1, 3}));
  // A row broadcast over 5 rows with stride 0, as int32.
  Tensor row(DType::I32, {3});
  for (int i = 0; i < 3; ++i)
    row.as<int32_t>()[i] = 10 * i - 7;
  TensorRef broadcast(row.data(), DType::I32, {5, 3}, {0, 1});
  ASSERT_TRUE(isOk(writeNpy(dir + "/b.npy", broadcast)));
  ASSERT_TRUE(isOk(readNpy(dir + "/b.npy", back)));
  EXPECT_EQ(back.dtype(), DType::I32);
  EXPECT_EQ(back.shape(), (Shape{5, 3}));
  for (int64_t i = 0; i < 15; ++i)
    EXPECT_EQ(back.as<int32_t>()[i], 10 * (i % 3) - 7);
}

TEST(Npy, ReadsOtherVersionsAndHeaderStyles) {
  std::string data(16, '\0');
  const double values[2] = {1.5, -2.25};
  std::memcpy(&data[0], values, 16);
  struct Case {
    const char *name;
    std::string bytes;
  };
  const Case cases[] = {
      {"version 2.0", npyImage(dictFor("<f8", "(2,)"), data, 2)},
      {"version 3.0", npyImage(dictFor("<f8", "(2,)"), data, 3)},
      {"double quotes, no trailing comma, extra spaces",
       npyImage("{ \"descr\" : \"<f8\" , \"shape\" : ( 2 , ) , "
                "\"fortran_order\" : False }   ",
                data)},
      {"Python 2 long integers", npyImage(dictFor("<f8", "(2L,)"), data)},
      {"native byte order", npyImage(dictFor("=f8", "(1, 2)"), data)},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    Tensor out;
    ASSERT_TRUE(isOk(parseNpy(c.bytes, "image", out)));
    EXPECT_EQ(out.dtype(), DType::F64);
    ASSERT_EQ(out.numElements(), 2);
    EXPECT_EQ(out.as<double>()[0], 1.5);
    EXPECT_EQ(out.as<double>()[1], -2.25);
  }
}

TEST(Npy, MalformedFilesGiveErrorsNamingTheFile) {
  std::string dir = makeTempDir("malformed");
  const std::string f8x3(24, '\0');
  struct Case {
    const char *name;
    std::string bytes;
    std::vector<std::string> phrases;
  };
  const Case cases[] = {
      {"bad_magic", "\x93NUMPX\x01\x00\x00\x00", {"not a .npy file"}},
      {"empty", "", {"not a .npy file"}},
      {"bad_version",
       npyImage(dictFor("<f8", "(3,)"), f8x3, 4),
       {"unsupported .npy format version 4.0"}},
      {"bad_minor_version",
       npyImage(dictFor("<f8", "(3,)"), f8x3, 1, 1),
       {"unsupported .npy format version 1.1"}},
      {"short_preamble", std::string("\x93NUMPY\x01", 7), {"truncated header"}},
      {"no_header_length",
       std::string("\x93NUMPY\x02\x00\x10", 9),
       {"truncated header"}},
      {"truncated_header",
       npyImage(dictFor("<f8", "(3,)"), "").substr(0, 40),
       {"truncated header: header length"}},
      {"truncated_data",
       npyImage(dictFor("<f8", "(3,)"), f8x3.substr(0, 16)),
       {"truncated data", "needs 24 bytes, got 16"}},
      {"trailing_data",
       npyImage(dictFor("<f8", "(3,)"), f8x3 + std::string(8, '\0')),
       {"trailing bytes", "needs 24 bytes, got 32"}},
      {"shape_mismatch",
       npyImage(dictFor("<f4", "(2, 3)"), std::string(20, '\0')),
       {"shape [2, 3]", "needs 24 bytes, got 20"}},
      {"dtype_i2",
       npyImage(dictFor("<i2", "(3,)"), std::string(6, '\0')),
       {"unsupported dtype '<i2'"}},
      {"dtype_c8",
       npyImage(dictFor("<c8", "(3,)"), f8x3),
       {"unsupported dtype '<c8'"}},
      {"dtype_u1",
       npyImage(dictFor("|u1", "(3,)"), std::string(3, '\0')),
       {"unsupported dtype '|u1'"}},
      {"big_endian",
       npyImage(dictFor(">f4", "(3,)"), std::string(12, '\0')),
       {"unsupported dtype '>f4'", "big-endian"}},
      {"structured",
       npyImage("{'descr': [('a', '<f4')], 'fortran_order': False, "
                "'shape': (3,), }",
                std::string(12, '\0')),
       {"unsupported dtype", "structured"}},
      {"fortran_order",
       npyImage(dictFor("<f8", "(3,)", "True"), f8x3),
       {"fortran_order True"}},
      {"not_a_dict", npyImage("[1, 2, 3]", ""), {"header is not a dict"}},
      {"unterminated_dict",
       npyImage("{'descr': '<f8'", ""),
       {"header is not a dict"}},
      {"missing_shape",
       npyImage("{'descr': '<f8', 'fortran_order': False, }", f8x3),
       {"missing the key 'shape'"}},
      {"missing_descr",
       npyImage("{'fortran_order': False, 'shape': (3,), }", f8x3),
       {"missing the key 'descr'"}},
      {"unexpected_key",
       npyImage("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), "
                "'extra': 1}",
                f8x3),
       {"unexpected key 'extra'"}},
      {"shape_not_tuple",
       npyImage(dictFor("<f8", "3"), f8x3),
       {"'shape' must be a tuple"}},
      {"shape_int_in_parens",
       npyImage(dictFor("<f8", "(3)"), f8x3),
       {"'shape' must be a tuple"}},
      {"negative_shape",
       npyImage(dictFor("<f8", "(-3,)"), ""),
       {"negative dimension -3"}},
      {"garbage_shape",
       npyImage(dictFor("<f8", "(2, x)"), f8x3),
       {"bad shape entry"}},
      {"float_shape",
       npyImage(dictFor("<f8", "(2.5,)"), f8x3),
       {"bad shape entry"}},
      {"huge_shape",
       npyImage(dictFor("<f8", "(4611686018427387904, 4)"), f8x3),
       {"too large"}},
      {"overflowing_extent",
       npyImage(dictFor("<f8", "(99999999999999999999,)"), f8x3),
       {"overflows"}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = dir + "/" + c.name + ".npy";
    writeBytes(path, c.bytes);
    Tensor out(DType::I32, {7});
    out.fill(3.0);
    Status status = readNpy(path, out);
    std::vector<std::string> phrases = c.phrases;
    phrases.push_back(path);
    EXPECT_TRUE(failsWith(status, phrases));
    EXPECT_EQ(out.dtype(), DType::I32);
    EXPECT_EQ(out.shape(), Shape{7});
    EXPECT_EQ(out.as<int32_t>()[6], 3);
  }
}

TEST(Npy, MissingFilesAndUnwritablePaths) {
  std::string dir = makeTempDir("missing");
  Tensor out;
  EXPECT_TRUE(failsWith(readNpy(dir + "/does_not_exist.npy", out),
                        {"does_not_exist.npy", "cannot open"}));
  Tensor t(DType::F32, {2});
  EXPECT_TRUE(failsWith(writeNpy(dir + "/no/such/dir/x.npy", t.ref()),
                        {"no/such/dir/x.npy", "cannot open"}));
  TensorRef nullView(nullptr, DType::F32, {2}, {1});
  EXPECT_TRUE(
      failsWith(writeNpy(dir + "/null.npy", nullView), {"null.npy", "null"}));
  EXPECT_TRUE(failsWith(parseNpy("garbage", "<memory>", out),
                        {"<memory>: not a .npy file"}));
}

} // namespace
} // namespace plstm
