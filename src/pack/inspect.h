// A dataset's summary and a PNG contact sheet of sample images per class.
#ifndef SYNTHUB_PACK_INSPECT_H_
#define SYNTHUB_PACK_INSPECT_H_

#include <string>

namespace synthub::pack {

// Human-readable summary of DIR's manifest (stdout of `synthub inspect`).
std::string DatasetSummary(const std::string& dir);

// Writes a grid: one row per class (the first `classes` classes met), up to
// `per_class` thumbnails of `thumb` pixels each. Reads shards in order until
// the grid is full. Throws Error on unreadable data, or when no sample has
// both an image and a label (nothing to show).
void WriteContactSheet(const std::string& dir, const std::string& png_path,
                       int classes, int per_class, int thumb);

}  // namespace synthub::pack

#endif  // SYNTHUB_PACK_INSPECT_H_
