// Cards: Markdown with a YAML front matter block, read with a small parser
// of the subset cards need (no YAML library), and written for revisions
// published without one. Pure functions, thread-safe.
//
// The subset (docs/hub.md): the file starts with a line "---" and the block
// ends at the next "---" (or "...") line. Inside, blank lines and "# comments"
// are skipped, and each entry is
//   key: value            a scalar (top level)
//   key:                  followed by indented "sub: value" lines (a map of
//                         scalars) or "- value" lines (a list of scalars)
//   key: [a, b, c]        a flow list of plain scalars
// Keys are [A-Za-z0-9_.-]+, unique. A scalar is "double-quoted" (JSON
// escapes), 'single-quoted' ('' for '), true/false, null/~, an integer, a
// decimal number, or else plain text to the end of the line (a " #" starts a
// comment). Anchors, tags, multi-line strings, flow maps and deeper nesting
// are errors naming the line. The block is at most 64 KiB.
#ifndef SYNTHUB_HUB_CARD_H_
#define SYNTHUB_HUB_CARD_H_

#include <nlohmann/json.hpp>
#include <string>

namespace synthub::hub {

// The front matter of `markdown` as a JSON object (empty when the text does
// not start with "---"). Throws Error "<where>:<line>: ..." on bad syntax.
nlohmann::json ParseFrontMatter(const std::string& markdown, const std::string& where);

// The text after the front matter block (all of it when there is none).
std::string CardBody(const std::string& markdown);

// "---\n" + fields (sorted; strings JSON-quoted, maps and lists one level)
// + "---\n" + body. ParseFrontMatter reads the block back to `fields`.
std::string RenderCard(const nlohmann::json& fields, const std::string& body);

// A card for a revision published without README.md, from its meta (licence,
// lineage, recipe or hyper-parameters, results).
std::string DefaultCard(const std::string& kind, const std::string& name, const nlohmann::json& meta);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_CARD_H_
