// NumPy .npy files of float32 matrices (format version 1.0, '<f4', C order):
// the point clouds generate stores as <key>.npy and `synthub project` reads.
#ifndef SYNTHUB_CODEC_NPY_H_
#define SYNTHUB_CODEC_NPY_H_

#include <cstddef>
#include <string>
#include <vector>

namespace synthub::codec {

// A rows x cols float32 matrix as .npy bytes (deterministic).
std::string EncodeNpyF32(const float* data, size_t rows, size_t cols);
// Parses .npy bytes of a 2-D float32 ('<f4') C-order matrix. Throws Error
// naming `where` on a bad magic, header, dtype, order, shape or size.
std::vector<float> DecodeNpyF32(const std::string& bytes, const std::string& where,
                                size_t* rows, size_t* cols);

}  // namespace synthub::codec

#endif  // SYNTHUB_CODEC_NPY_H_
