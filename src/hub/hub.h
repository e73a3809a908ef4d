// The hub store: content-addressed blobs (by SHA-256) plus a catalogue of
// immutable revisions of datasets and models, with movable tags and cards.
// docs/hub.md describes the layout and the HTTP API built on it.
//
//   DIR/hub.db                      SQLite catalogue (the default), or
//   DIR/hub.conf                    "catalogue = postgresql://..." (hub/catalogue.h)
//   DIR/blobs/sha256/ab/abcdef...   file contents, named by their SHA-256
//   DIR/tmp/                        uploads in progress (renamed into blobs/ when verified)
//
// A revision is described by its revision manifest: canonical JSON
//   {"format": "synthub-revision", "version": 1, "kind": "dataset"|"model",
//    "name": "owner/name", "files": [{"path", "size", "sha256"}...] (sorted by path),
//    "meta": {...}}   (meta: card front matter, recipe, lineage, summary figures)
// and its id is the SHA-256 of those bytes, so the same content always gets the
// same id and a revision can never change. Thread-safety: one Hub object per
// thread (each holds its own catalogue connection); several processes, and
// with PostgreSQL several machines sharing DIR, may share a store
// (transactions; blobs written to tmp/ and renamed).
#ifndef SYNTHUB_HUB_HUB_H_
#define SYNTHUB_HUB_HUB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/file.h"

namespace synthub::hub {

struct FileEntry {
  std::string path;    // relative, '/'-separated, validated (no "..", no absolute, no NUL)
  uint64_t size = 0;
  std::string sha256;  // lower-case hex
};

struct Revision {
  std::string id;        // SHA-256 of manifest_json
  std::string kind;      // "dataset" | "model"
  std::string name;      // "owner/name"
  int64_t created = 0;   // unix seconds (catalogue only; not part of the id)
  std::string manifest_json;  // the revision manifest, exactly the hashed bytes
  std::vector<FileEntry> files;
  std::vector<std::string> tags;  // tags pointing at it now
  // From meta, for search: licence, model architecture, the dataset revision a
  // model was pre-trained on, the revision it was fine-tuned from.
  std::string license, architecture, dataset, base_model, card;  // card: Markdown with front matter
};

struct Query {
  std::string kind;          // "" any
  std::string text;          // substring of name or card
  std::string tag;           // revisions carrying this tag
  std::string architecture;  // models
  std::string dataset;       // models pre-trained on this dataset (name or revision id)
  std::string license;
};

// Validates "owner/name" (lower-case letters, digits, '-', '_', '.', each part
// 1-64 chars, no leading '.'), tags ([A-Za-z0-9._-]{1,64}), relative file
// paths; throws Error naming the problem.
void ValidateName(const std::string& name);
void ValidateTag(const std::string& tag);
void ValidatePath(const std::string& path);
void ValidateSha256(const std::string& hex);  // 64 lower-case hex digits
// `s` quoted for an error message: printable ASCII (others as \xNN), clipped.
std::string QuoteForMessage(const std::string& s);

// The canonical revision manifest for these parts (files sorted by path,
// keys sorted, no whitespace) and its checked inverse: ParseRevisionManifest
// throws Error unless the bytes are exactly canonical, the format/version are
// known, the name, every path and hash valid, and no path repeats. The
// returned Revision has id, kind, name, manifest_json, files and the meta
// columns (license, architecture, dataset, base_model); not created/tags/card.
std::string RevisionManifestJson(const std::string& kind, const std::string& name,
                                 std::vector<FileEntry> files, const std::string& meta_json);
Revision ParseRevisionManifest(const std::string& manifest_json);

// Options of AddFolder beyond the name. dataset / base_model are references
// ("owner/name[@tag|@rev]") resolved in this hub to "owner/name@<id>"; they
// override the card's front matter. license overrides the card's licence.
struct AddOptions {
  std::string tag;
  std::string dataset;
  std::string base_model;
  std::string license;
};

class Hub {
 public:
  // Creates the store; fine if it exists. `catalogue`: "" for SQLite
  // (DIR/hub.db), else a postgresql:// URL, written to DIR/hub.conf once its
  // schema is there (a URL that does not work leaves no hub behind).
  static void Init(const std::string& dir, const std::string& catalogue = "");
  explicit Hub(const std::string& dir);        // opens; throws Error if not a hub
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  const std::string& dir() const { return dir_; }
  // True when the catalogue is a PostgreSQL server (DIR/hub.conf), false for
  // SQLite (DIR/hub.db, in WAL mode: its readers never wait for a writer).
  bool postgres() const { return postgres_; }

  // Publishes a dataset folder (manifest.json + shards + params) or a model
  // folder (model.safetensors + config.json + README.md card; metrics.jsonl and
  // eval files when present) under `name`, moving the "latest" tag (and `tag`
  // when given). Idempotent: the same content gives the same revision.
  Revision AddFolder(const std::string& folder, const std::string& name, const std::string& tag);
  Revision AddFolder(const std::string& folder, const std::string& name, const AddOptions& options);

  // Pieces of an upload (the server uses them): a blob streamed in, verified
  // against its expected hash and size before it becomes visible.
  std::string BlobPath(const std::string& sha256) const;
  bool HasBlob(const std::string& sha256) const;
  // Marks an existing blob as uploaded again (its mtime := now), so that hub
  // gc's grace period counts from this upload.
  void TouchBlob(const std::string& sha256) const;
  void PutBlobFromFile(const std::string& tmp_path, const std::string& sha256, uint64_t size);
  std::string TempPath() const;  // a fresh name under tmp/
  // Registers a revision from its manifest bytes; every file's blob must be
  // present. Returns the stored revision (id = SHA-256 of the bytes).
  Revision Commit(const std::string& manifest_json);

  void Tag(const std::string& name, const std::string& tag, const std::string& revision_id);
  Revision Get(const std::string& revision_id) const;  // full id; throws Error if unknown
  // "owner/name", "owner/name@tag", "owner/name@<id or unique id prefix >= 8>".
  // Without `with_tags`, Revision::tags is left empty and a full id this
  // Hub has read before is answered without a catalogue query (a revision
  // never changes; serving the files of pinned URLs needs no database).
  Revision Resolve(const std::string& ref, bool with_tags = true) const;
  std::vector<Revision> List(const Query& query) const;

  // The store's lock: commits hold it shared, the garbage collector
  // exclusively (SQLite: an flock on DIR/gc.lock; PostgreSQL: an advisory
  // lock, which also holds between servers on different machines).
  void LockStore(bool exclusive) const;
  void UnlockStore() const;

  // The catalogue's own consistency check ("ok" or its findings) and what
  // it is ("SQLite DIR/hub.db", "PostgreSQL user@host:port/db").
  std::string CatalogIntegrity() const;
  std::string CatalogDescription() const;

  // Tokens: stored as SHA-256 hashes; scope "read" or "write" for one owner
  // ("*" = every owner). Returns the new token (shown once).
  std::string CreateToken(const std::string& owner, const std::string& scope);
  // True when `token` may write under `owner`.
  bool CanWrite(const std::string& token, const std::string& owner) const;

  // The newest revision of `kind` holding `path` with this hash, as
  // "owner/name@<id>", or "" (automatic lineage).
  std::string RevisionWithFile(const std::string& kind, const std::string& path,
                               const std::string& sha256) const;

 private:
  struct Db;
  // A revision's row and files from the catalogue, without its tags.
  Revision ReadRevision(const std::string& revision_id) const;
  // The revision (from the per-connection cache) with these tags.
  Revision WithTags(const std::string& revision_id, std::vector<std::string> tags) const;
  // Copies `src` into the store through tmp/, checking the hash and size.
  void IngestFile(const std::string& src, const std::string& sha256, uint64_t size);
  std::string dir_;
  bool postgres_ = false;
  std::unique_ptr<Db> db_;
};

// What VerifyStore found: counts, and every problem as one line naming the
// blob, revision or file (empty when the store is consistent).
struct StoreReport {
  uint64_t revisions = 0, files = 0;      // catalogued revisions and their file entries
  uint64_t blobs = 0, blob_bytes = 0;     // blob files re-hashed
  uint64_t unreferenced_blobs = 0;        // uploaded but in no revision (harmless)
  uint64_t temporaries = 0;               // tmp/ entries of live processes (never visible as blobs)
  std::vector<std::string> problems;
};

// What CollectGarbage did (or, in a dry run, would do).
struct GcReport {
  uint64_t blobs = 0;                        // blob files seen
  uint64_t unreferenced = 0;                 // in no revision
  uint64_t removed = 0, removed_bytes = 0;   // unreferenced and older than the grace period
  uint64_t kept_recent = 0;                  // unreferenced but newer: maybe an upload in progress
};

// synthub hub gc: removes the blobs no revision references (left by an upload
// or `hub add` that failed or was abandoned) once they are older than
// `grace_seconds` (by mtime; re-uploading a blob refreshes it), so that an
// upload between its blobs and its commit is never broken. Holds the store's
// lock exclusively meanwhile: commits wait. With `dry_run` nothing is removed.
GcReport CollectGarbage(const Hub& hub, int64_t grace_seconds, bool dry_run);

// Checks a store end to end (synthub hub verify): the catalogue's SQLite
// integrity; every revision's manifest (canonical, its SHA-256 is the id, the
// file rows match it); every file's blob present with its size; every blob
// re-hashed against its name; nothing but blobs under blobs/. Reads only.
StoreReport VerifyStore(const Hub& hub);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_HUB_H_
