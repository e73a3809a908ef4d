#include "checkpoint/safetensors.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "synthub/error.h"
#include "util/file.h"
#include "util/test_util.h"

namespace synthub::checkpoint {
namespace {

// A file from a header text and a data section, with N written as given.
std::string RawWithLength(uint64_t n, const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string Raw(const std::string& header, const std::string& data) {
  return RawWithLength(header.size(), header, data);
}

// Parses and expects an Error whose message names the file and contains `what`.
void ExpectRejected(const std::string& bytes, const std::string& what) {
  try {
    SafetensorsFile::Parse(bytes, "bad.safetensors");
    ADD_FAILURE() << "accepted; expected an error containing '" << what << "'";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("bad.safetensors"), std::string::npos) << message;
    EXPECT_NE(message.find(what), std::string::npos) << message;
  }
}

template <class T>
TensorView View(const std::string& name, DType dtype, std::vector<int64_t> shape,
                const std::vector<T>& values) {
  return {name, dtype, std::move(shape), values.data(), values.size() * sizeof(T)};
}

template <class T>
std::vector<T> Values(const SafetensorsFile& f, const std::string& name) {
  const TensorInfo* t = f.Find(name);
  EXPECT_NE(t, nullptr) << name;
  if (!t) return {};
  std::vector<T> out(t->bytes() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), f.data(*t), t->bytes());
  return out;
}

uint16_t BF16Bits(float v) {  // exact for the values used here
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  return static_cast<uint16_t>(bits >> 16);
}

// The tensors tests/safetensors_reader.py --check expects, value for value.
struct PythonFixture {
  std::vector<float> f32 = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f};
  std::vector<uint16_t> f16 = {0x3C00, 0xC000, 0x3800, 0x7BFF};  // 1, -2, 0.5, 65504
  std::vector<uint16_t> bf16 = {BF16Bits(1.0f), BF16Bits(-2.5f), BF16Bits(0.15625f),
                                BF16Bits(256.0f)};
  std::vector<int64_t> i64 = {-1, 0, (int64_t{1} << 40) + 7};
  std::vector<float> scalar = {3.25f};
  std::vector<float> empty;

  std::vector<TensorView> Views() const {
    return {View("f32", DType::kF32, {2, 3}, f32),       View("f16", DType::kF16, {4}, f16),
            View("bf16", DType::kBF16, {2, 2}, bf16),    View("i64", DType::kI64, {3}, i64),
            View("scalar", DType::kF32, {}, scalar),     View("empty", DType::kF32, {0, 4}, empty)};
  }
};

TEST(SafetensorsTest, DTypeNamesAndSizes) {
  for (DType d : {DType::kF32, DType::kF16, DType::kBF16, DType::kF64, DType::kI64, DType::kI32,
                  DType::kI16, DType::kI8, DType::kU8, DType::kBool}) {
    EXPECT_EQ(ParseDType(DTypeName(d)), d);
  }
  EXPECT_STREQ(DTypeName(DType::kBF16), "BF16");
  EXPECT_STREQ(DTypeName(DType::kBool), "BOOL");
  EXPECT_EQ(DTypeSize(DType::kF64), 8u);
  EXPECT_EQ(DTypeSize(DType::kBF16), 2u);
  EXPECT_EQ(DTypeSize(DType::kBool), 1u);
  EXPECT_THROW(ParseDType("f32"), Error);
  EXPECT_THROW(ParseDType("F8_E4M3"), Error);
}

TEST(SafetensorsTest, RoundTrip) {
  const PythonFixture fx;
  const std::vector<double> f64 = {1e300, -0.0};
  const std::vector<int32_t> i32 = {-7, 1 << 30};
  const std::vector<uint8_t> u8 = {0, 255, 17};
  const std::vector<uint8_t> flags = {1, 0};
  std::vector<TensorView> views = fx.Views();
  views.push_back(View("f64", DType::kF64, {2, 1}, f64));
  views.push_back(View("i32", DType::kI32, {2}, i32));
  views.push_back(View("u8", DType::kU8, {1, 3}, u8));
  views.push_back(View("flags", DType::kBool, {2}, flags));
  const SafetensorsFile f = SafetensorsFile::Parse(
      SerializeSafetensors(views, {{"note", "x"}, {"epoch", "3"}}), "mem");

  ASSERT_EQ(f.tensors().size(), views.size());
  for (size_t i = 0; i < views.size(); ++i) {  // file order = order given
    EXPECT_EQ(f.tensors()[i].name, views[i].name);
    EXPECT_EQ(f.tensors()[i].dtype, views[i].dtype);
    EXPECT_EQ(f.tensors()[i].shape, views[i].shape);
    EXPECT_EQ(f.tensors()[i].bytes(), views[i].bytes);
  }
  EXPECT_EQ(Values<float>(f, "f32"), fx.f32);
  EXPECT_EQ(Values<uint16_t>(f, "f16"), fx.f16);
  EXPECT_EQ(Values<uint16_t>(f, "bf16"), fx.bf16);
  EXPECT_EQ(Values<int64_t>(f, "i64"), fx.i64);
  EXPECT_EQ(Values<double>(f, "f64"), f64);
  EXPECT_EQ(Values<int32_t>(f, "i32"), i32);
  EXPECT_EQ(Values<uint8_t>(f, "u8"), u8);
  EXPECT_EQ(Values<uint8_t>(f, "flags"), flags);

  const TensorInfo* scalar = f.Find("scalar");
  ASSERT_NE(scalar, nullptr);
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->num_elements(), 1u);
  EXPECT_EQ(Values<float>(f, "scalar"), fx.scalar);
  const TensorInfo* empty = f.Find("empty");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(empty->bytes(), 0u);
  EXPECT_EQ(f.Find("missing"), nullptr);

  std::map<std::string, std::string> meta = f.metadata();
  ASSERT_EQ(meta.count(kChecksumKey), 1u);
  EXPECT_EQ(meta[kChecksumKey], f.Checksum());
  meta.erase(kChecksumKey);
  const std::map<std::string, std::string> want = {{"format", "pt"}, {"note", "x"}, {"epoch", "3"}};
  EXPECT_EQ(meta, want);
  // A given format wins over the default.
  const SafetensorsFile np = SafetensorsFile::Parse(SerializeSafetensors({}, {{"format", "np"}}), "m");
  EXPECT_EQ(np.metadata().at("format"), "np");
  EXPECT_TRUE(np.tensors().empty());
}

TEST(SafetensorsTest, HeaderPaddedToEight) {
  const std::vector<float> v = {1.0f};
  for (std::string name = "a"; name.size() <= 9; name += "b") {
    const std::string bytes = SerializeSafetensors({View(name, DType::kF32, {1}, v)}, {});
    const SafetensorsFile f = SafetensorsFile::Parse(bytes, "mem");
    EXPECT_EQ(f.data_start() % 8, 0u) << name;
    EXPECT_EQ(bytes[8], '{');
    const std::string header = bytes.substr(8, f.data_start() - 8);
    EXPECT_EQ(header.find_last_not_of(' '), header.rfind('}'));  // only spaces after the JSON
    EXPECT_EQ(reinterpret_cast<uintptr_t>(f.data(f.tensors()[0])) % 8, 0u);
  }
}

TEST(SafetensorsTest, WriteIsAtomicAndValidated) {
  const test::TempDir tmp;
  const std::string path = tmp.File("m.safetensors");
  const PythonFixture fx;
  WriteSafetensors(path, fx.Views(), {{"note", "first"}});
  EXPECT_EQ(SafetensorsFile::Open(path).metadata().at("note"), "first");

  const std::vector<float> three = {1, 2, 3};
  // Rejected writes leave the previous file as it was and no temporary.
  EXPECT_THROW(WriteSafetensors(path, {View("a", DType::kF32, {2, 2}, three)}, {}), Error);
  EXPECT_THROW(WriteSafetensors(path, {View("a", DType::kF32, {3}, three),
                                       View("a", DType::kF32, {3}, three)}, {}), Error);
  EXPECT_THROW(WriteSafetensors(path, {View("a", DType::kF32, {-1, -3}, three)}, {}), Error);
  EXPECT_THROW(WriteSafetensors(path, {View("__metadata__", DType::kF32, {3}, three)}, {}), Error);
  EXPECT_THROW(WriteSafetensors(path, {View("", DType::kF32, {3}, three)}, {}), Error);
  EXPECT_THROW(WriteSafetensors(path, {View("\xff", DType::kF32, {3}, three)}, {}), Error);
  EXPECT_THROW(WriteSafetensors(path, {TensorView{"a", DType::kF32, {3}, nullptr, 12}}, {}), Error);
  EXPECT_EQ(SafetensorsFile::Open(path).metadata().at("note"), "first");
  EXPECT_FALSE(PathExists(path + ".tmp." + std::to_string(::getpid())));
  // An unwritable destination is an Error, not a crash.
  EXPECT_THROW(WriteSafetensors(tmp.File("no/such/dir/m.safetensors"), fx.Views(), {}), Error);
  EXPECT_THROW(SafetensorsFile::Open(tmp.File("no/such/file.safetensors")), Error);
}

// Writes a file for the ctest safetensors_python_reader
// (tests/safetensors_reader.py --check) at $SYNTHUB_SAFETENSORS_OUT when that
// is set; otherwise in a temporary folder, removed afterwards.
TEST(SafetensorsTest, WritesFileForPython) {
  const PythonFixture fx;
  const test::TempDir tmp;
  const char* out = std::getenv("SYNTHUB_SAFETENSORS_OUT");
  const std::string path = out && *out ? out : tmp.File("roundtrip.safetensors");
  WriteSafetensors(path, fx.Views(), {{"note", "for python"}});
  const SafetensorsFile f = SafetensorsFile::Open(path);
  EXPECT_EQ(f.tensors().size(), 6u);
  EXPECT_EQ(Values<float>(f, "f32"), fx.f32);
}

TEST(SafetensorsTest, AcceptsUnpaddedHeaderAndAnyKeyOrder) {
  // As another writer might produce: no padding, keys not in offset order.
  const std::string header =
      R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]},)"
      R"("a":{"dtype":"I8","shape":[],"data_offsets":[0,1]},"z":{"dtype":"F16","shape":[0],"data_offsets":[3,3]}})";
  const SafetensorsFile f = SafetensorsFile::Parse(Raw(header, "\x01\x02\x03"), "mem");
  ASSERT_EQ(f.tensors().size(), 3u);
  EXPECT_EQ(f.tensors()[0].name, "a");
  EXPECT_EQ(f.tensors()[1].name, "b");
  EXPECT_EQ(f.data(*f.Find("b"))[1], 3);
  EXPECT_TRUE(f.metadata().empty());
}

const char kOne[] = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";

TEST(SafetensorsTest, RejectsTruncatedFile) {
  ExpectRejected("", "too short");
  ExpectRejected(std::string("\x02\0\0\0", 4), "too short");
  ExpectRejected(Raw(kOne, "abc"), "file truncated");  // data cut short
}

TEST(SafetensorsTest, RejectsHeaderTooBig) {
  ExpectRejected(RawWithLength(kSafetensorsMaxHeader + 1, kOne, "abcd"), "exceeds the limit");
  ExpectRejected(RawWithLength(~uint64_t{0}, kOne, "abcd"), "exceeds the limit");
}

TEST(SafetensorsTest, RejectsHeaderPastEof) {
  const std::string header = kOne;
  ExpectRejected(RawWithLength(header.size() + 5, header, "abcd"), "past the end");
  ExpectRejected(RawWithLength(1, "", ""), "past the end");
}

TEST(SafetensorsTest, RejectsBadJson) {
  ExpectRejected(Raw(R"({"a":{"dtype":"F32")", ""), "not valid UTF-8 JSON");
  ExpectRejected(Raw("", ""), "not valid UTF-8 JSON");
  ExpectRejected(Raw(std::string(R"({"a)") + "\xff" + R"(":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}})", ""),
                 "not valid UTF-8 JSON");
  ExpectRejected(Raw(R"({"a":1} x)", ""), "not valid UTF-8 JSON");
  ExpectRejected(Raw(std::string(kOne) + std::string(3, '\0'), "abcd"), "not valid UTF-8 JSON");
  ExpectRejected(Raw(std::string(R"({"a":1})") + '\0' + "garbage", ""), "NUL byte");
  ExpectRejected(Raw(std::string(R"({"a\u0000)") + '\0' + R"(":1})", ""), "NUL byte");
  ExpectRejected(Raw(std::string("\xEF\xBB\xBF") + kOne, "abcd"), "byte-order mark");
  ExpectRejected(Raw("[1, 2]", ""), "not a JSON object");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[[0]],"data_offsets":[0,0]}})", ""), "nested");
  ExpectRejected(Raw(R"({"a":[[[[]]]]})", ""), "nested");
}

TEST(SafetensorsTest, RejectsDuplicateKey) {
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                     R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})", "xy"),
                 "key 'a' twice");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1],"dtype":"I8","data_offsets":[0,1]}})", "x"),
                 "key 'dtype' twice");
  ExpectRejected(Raw(R"({"__metadata__":{"k":"1","k":"2"}})", ""), "key 'k' twice");
  // The same key in different objects is fine.
  EXPECT_NO_THROW(SafetensorsFile::Parse(
      Raw(R"({"__metadata__":{"dtype":"x"},"dtype":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "x"),
      "ok"));
}

TEST(SafetensorsTest, RejectsGap) {
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                     R"("b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}})", "xyz"),
                 "(a gap)");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})", "xy"), "(a gap)");
}

TEST(SafetensorsTest, RejectsOverlap) {
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                     R"("b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})", "xyz"),
                 "(an overlap)");
  // Shared storage: two tensors on the same bytes.
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                     R"("b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", "xy"),
                 "(an overlap)");
}

TEST(SafetensorsTest, RejectsWrongByteLength) {
  ExpectRejected(Raw(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd"),
                 "is 8 bytes but data_offsets span 4");
  ExpectRejected(Raw(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "abcd"),
                 "before begin");
}

TEST(SafetensorsTest, RejectsOverflowingShape) {
  // 2^32 * 2^32 overflows; so does 2^62 * 4 bytes.
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""),
                 "overflows");
  ExpectRejected(Raw(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", ""),
                 "overflows");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]}})", ""),
                 "too large");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1e30],"data_offsets":[0,0]}})", ""),
                 "must be an integer");
}

TEST(SafetensorsTest, RejectsTrailingBytes) {
  ExpectRejected(Raw(kOne, "abcde"), "(trailing bytes)");
  ExpectRejected(Raw("{}", "x"), "(trailing bytes)");
}

TEST(SafetensorsTest, RejectsUnknownDType) {
  ExpectRejected(Raw(R"({"a":{"dtype":"F8_E5M2","shape":[1],"data_offsets":[0,1]}})", "x"),
                 "unknown or unsupported dtype 'F8_E5M2'");
  ExpectRejected(Raw(R"({"a":{"dtype":4,"shape":[1],"data_offsets":[0,1]}})", "x"),
                 "'dtype' must be a string");
}

TEST(SafetensorsTest, RejectsNonStringMetadata) {
  ExpectRejected(Raw(R"({"__metadata__":{"epoch":3}})", ""), "must be a string");
  ExpectRejected(Raw(R"({"__metadata__":{"a":null}})", ""), "must be a string");
  ExpectRejected(Raw(R"({"__metadata__":["a"]})", ""), "__metadata__ must be an object");
}

TEST(SafetensorsTest, RejectsMalformedEntries) {
  ExpectRejected(Raw(R"({"a":7})", ""), "expected an object");
  ExpectRejected(Raw(R"({"a":{"shape":[1],"data_offsets":[0,1]}})", "x"), "missing 'dtype'");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","data_offsets":[0,1]}})", "x"), "missing 'shape'");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1]}})", "x"), "missing 'data_offsets'");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":1,"data_offsets":[0,1]}})", "x"),
                 "'shape' must be an array");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", "x"),
                 "must not be negative");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}})", "x"),
                 "must be an integer");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[true],"data_offsets":[0,1]}})", "x"),
                 "must be an integer");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}})", "x"),
                 "must be [begin, end]");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})", "x"),
                 "must not be negative");
  ExpectRejected(Raw(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":["0","1"]}})", "x"),
                 "must be an integer");
}

TEST(SafetensorsTest, ChecksumCoversEveryByte) {
  const PythonFixture fx;
  const std::string bytes = SerializeSafetensors(fx.Views(), {{"note", "x"}});
  EXPECT_EQ(VerifyChecksum(SafetensorsFile::Parse(bytes, "m"), ChecksumPolicy::kRequire, "m"), "");
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (const unsigned char mask : {0x01, 0x20, 0x80}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      std::string problem;
      try {
        problem = VerifyChecksum(SafetensorsFile::Parse(bad, "m"), ChecksumPolicy::kRequire, "m");
      } catch (const Error& e) {
        problem = e.what();
      }
      EXPECT_NE(problem, "") << "flip 0x" << std::hex << int(mask) << " at byte " << std::dec << i;
    }
  }
}

TEST(SafetensorsTest, FilesFromElsewhereNeedNoChecksum) {
  const std::string header = R"({"a":{"dtype":"I8","shape":[],"data_offsets":[0,1]}})";
  const SafetensorsFile f = SafetensorsFile::Parse(Raw(header, "\x01"), "timm.safetensors");
  EXPECT_EQ(VerifyChecksum(f, ChecksumPolicy::kIfPresent, "timm.safetensors"), "");
  EXPECT_NE(VerifyChecksum(f, ChecksumPolicy::kRequire, "timm.safetensors").find("no synthub_sha256"),
            std::string::npos);
}

}  // namespace
}  // namespace synthub::checkpoint
