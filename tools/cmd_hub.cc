// synthub hub: the local hub (store + catalogue), its server and client, and
// materializing datasets by download or regeneration.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "hub/catalogue.h"
#include "hub/client.h"
#include "hub/hub.h"
#include "hub/materialize.h"
#include "hub/revision_json.h"
#include "hub/server.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::cli {
namespace {

using json = nlohmann::json;

const char kHubUsage[] =
    "usage: synthub hub <command> [flags]   (synthub hub <command> --help for its flags)\n"
    "\n"
    "commands:\n"
    "  init         create a hub store (blobs by SHA-256 + SQLite or PostgreSQL catalogue)\n"
    "  add          publish a dataset or model folder as an immutable revision\n"
    "  list         list revisions (--kind dataset|model)\n"
    "  search       find revisions by text, tag, architecture, dataset, licence\n"
    "  show         a revision's card, files, tags and lineage\n"
    "  tag          point a tag (v1, stable, ...) at a revision\n"
    "  token        create an access token for the server (printed once)\n"
    "  materialize  write a dataset revision to a folder: download or regenerate + verify\n"
    "  serve        serve a hub over HTTP (JSON API, files, uploads, web page)\n"
    "  pull         download a revision into a cache, verified, resumable\n"
    "  verify       check a store: every blob re-hashed, every revision's files present\n"
    "  gc           remove blobs no revision references (failed or abandoned uploads)\n"
    "\n"
    "The hub folder is --hub, else $SYNTHUB_HUB, else $XDG_CACHE_HOME/synthub/hub\n"
    "(~/.cache/synthub/hub); 'hub add' creates that default hub when it is missing.\n";

// --hub's default: $SYNTHUB_HUB, $XDG_CACHE_HOME/synthub/hub, ~/.cache/synthub/hub.
std::string DefaultHubDir() {
  if (const char* e = std::getenv("SYNTHUB_HUB"); e && *e) return e;
  const std::string user = UserCacheDir();
  return user.empty() ? ".synthub-hub" : user + "/hub";
}

FlagSpec HubFlag() { return {"hub", DefaultHubDir(), "hub folder ($SYNTHUB_HUB, else ~/.cache/synthub/hub)"}; }

std::string TokenFlag(const Args& args) {
  if (args.Given("token")) return args.Str("token");
  const char* t = std::getenv("SYNTHUB_TOKEN");
  return t ? t : "";
}

std::string Short(const std::string& id) { return id.substr(0, 12); }

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string Time(int64_t t) {
  char buf[32];
  const time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void PrintTable(const std::vector<hub::Revision>& revs) {
  std::printf("%-8s %-32s %-12s %-16s %-14s %s\n", "KIND", "NAME", "REVISION", "TAGS", "LICENSE", "DETAILS");
  for (const hub::Revision& r : revs) {
    std::string details = r.architecture;
    if (!r.dataset.empty()) details += (details.empty() ? "" : " ") + std::string("data=") + r.dataset.substr(0, r.dataset.find('@') + 13);
    if (!r.base_model.empty()) details += " from=" + r.base_model.substr(0, r.base_model.find('@') + 13);
    std::printf("%-8s %-32s %-12s %-16s %-14s %s\n", r.kind.c_str(), r.name.c_str(), Short(r.id).c_str(),
                Join(r.tags, ",").c_str(), r.license.c_str(), details.c_str());
  }
}

// --- subcommands -------------------------------------------------------------

int Init(int argc, char** argv) {
  const CommandSpec spec = {
      "hub init", "synthub hub init [DIR] [--catalogue postgresql://USER@HOST:PORT/DB]",
      "Creates a hub store in DIR (default: --hub's default); fine if it exists. The catalogue\n"
      "is SQLite (DIR/hub.db) unless --catalogue names a PostgreSQL database: then its schema\n"
      "is created there and the URL kept in DIR/hub.conf (mode 0600), so that several\n"
      "'hub serve' processes, on machines sharing DIR, can serve one hub. Passwords are best\n"
      "left to ~/.pgpass or PGPASSWORD.",
      {HubFlag(), {"catalogue", "", "postgresql:// URL of the catalogue database (default: SQLite)"}}};
  Args args(spec, argc, argv);
  if (args.positional().size() > 1) throw UsageError("expected at most one folder");
  const std::string dir = args.positional().empty() ? args.Str("hub") : args.positional()[0];
  const std::string catalogue = args.Str("catalogue");
  if (!catalogue.empty() && !hub::IsPostgresUrl(catalogue)) {
    throw UsageError("--catalogue: expected a postgresql:// URL, got '" + catalogue + "'");
  }
  hub::Hub::Init(dir, catalogue);
  hub::Hub check(dir);
  std::printf("hub ready: %s (catalogue: %s)\n", dir.c_str(), check.CatalogDescription().c_str());
  return 0;
}

int Add(int argc, char** argv) {
  const CommandSpec spec = {
      "hub add", "synthub hub add FOLDER --name OWNER/NAME [--tag T] [--dataset REF] [--base-model REF]",
      "Publishes a dataset folder (manifest.json + shards + params.ustar) or a model folder\n"
      "(model.safetensors + config.json [+ README.md, metrics.jsonl, eval files]) as an\n"
      "immutable revision whose id is the SHA-256 of its revision manifest. Moves the tag\n"
      "'latest' (and --tag). A missing card (README.md) is written from the metadata;\n"
      "datasets get a contact sheet (preview.png), models a learning curve (curves.svg).\n"
      "Pickle files (.pt .pth .bin .pkl ...) are refused.",
      {HubFlag(),
       {"name", "", "owner/name (required)"},
       {"tag", "", "also point this tag at the revision"},
       {"dataset", "", "lineage: the dataset revision (owner/name[@tag|@rev]) it was trained on"},
       {"base-model", "", "lineage: the model revision it was fine-tuned from"},
       {"license", "", "licence (default: the card's, else cc-by-nc-4.0 for FractalDB-derived)"}}};
  Args args(spec, argc, argv);
  if (args.positional().size() != 1) throw UsageError("expected one folder to publish");
  if (args.Str("name").empty()) throw UsageError("--name owner/name is required");
  const std::string dir = args.Str("hub");
  if (!args.Given("hub") && !PathExists(JoinPath(dir, "hub.db")) && !PathExists(JoinPath(dir, "hub.conf"))) {
    hub::Hub::Init(dir);  // the default hub
  }
  hub::Hub h(dir);
  hub::AddOptions o;
  o.tag = args.Str("tag");
  o.dataset = args.Str("dataset");
  o.base_model = args.Str("base-model");
  o.license = args.Str("license");
  const hub::Revision r = h.AddFolder(args.positional()[0], args.Str("name"), o);
  std::printf("%s@%s  %s, %zu files, %llu bytes, tags: %s\n", r.name.c_str(), r.id.c_str(), r.kind.c_str(),
              r.files.size(), static_cast<unsigned long long>(hub::RevisionSize(r)), Join(r.tags, ", ").c_str());
  return 0;
}

int ListOrSearch(bool search, int argc, char** argv) {
  CommandSpec spec = {
      search ? "hub search" : "hub list",
      search ? "synthub hub search [TEXT] [--kind K] [--tag T] [--architecture A] [--dataset REF] [--license L]"
             : "synthub hub list [--kind dataset|model]",
      search ? "Finds revisions: TEXT in the name or card (case-insensitive); --architecture a\n"
               "substring; --dataset a name (every revision), name@tag/rev or an id prefix."
             : "Lists every revision, newest first per name.",
      {HubFlag(),
       {"kind", "", "dataset | model"},
       {"json", "false", "JSON lines instead of a table", true}}};
  if (search) {
    spec.flags.push_back({"tag", "", "revisions carrying this tag"});
    spec.flags.push_back({"architecture", "", "model architecture (substring)"});
    spec.flags.push_back({"dataset", "", "models trained on this dataset"});
    spec.flags.push_back({"license", "", "licence (exact, case-insensitive)"});
  }
  Args args(spec, argc, argv);
  hub::Query q;
  q.kind = args.Str("kind");
  if (!q.kind.empty() && q.kind != "dataset" && q.kind != "model") throw UsageError("--kind: dataset or model");
  if (search) {
    if (args.positional().size() > 1) throw UsageError("expected at most one search text");
    if (!args.positional().empty()) q.text = args.positional()[0];
    q.tag = args.Str("tag");
    q.architecture = args.Str("architecture");
    q.dataset = args.Str("dataset");
    q.license = args.Str("license");
  } else if (!args.positional().empty()) {
    throw UsageError("unexpected argument '" + args.positional()[0] + "' (use 'hub search TEXT')");
  }
  hub::Hub h(args.Str("hub"));
  const std::vector<hub::Revision> revs = h.List(q);
  if (args.Switch("json")) {
    for (const hub::Revision& r : revs) std::printf("%s\n", hub::RevisionJson(r, false).dump().c_str());
  } else {
    PrintTable(revs);
  }
  return 0;
}

int Show(int argc, char** argv) {
  const CommandSpec spec = {"hub show", "synthub hub show OWNER/NAME[@TAG|@REV]",
                            "Prints a revision: id, tags, lineage, files, then its card.",
                            {HubFlag(), {"json", "false", "one JSON object (meta and the card included)", true}}};
  Args args(spec, argc, argv);
  if (args.positional().size() != 1) throw UsageError("expected one revision reference");
  hub::Hub h(args.Str("hub"));
  const hub::Revision r = h.Resolve(args.positional()[0]);
  hub::Query used;
  used.kind = "model";
  used.dataset = r.name + "@" + r.id;
  const std::vector<hub::Revision> models = r.kind == "dataset" ? h.List(used) : std::vector<hub::Revision>{};
  if (args.Switch("json")) {
    json j = hub::RevisionJson(r, true);
    j["trained_on_this"] = json::array();
    for (const hub::Revision& m : models) j["trained_on_this"].push_back(m.name + "@" + m.id);
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("%s %s@%s\n", r.kind.c_str(), r.name.c_str(), r.id.c_str());
  std::printf("created   %s\n", Time(r.created).c_str());
  std::printf("tags      %s\n", Join(r.tags, ", ").c_str());
  std::printf("license   %s\n", r.license.c_str());
  if (!r.architecture.empty()) std::printf("arch      %s\n", r.architecture.c_str());
  if (r.kind == "model") {
    std::printf("dataset   %s\n", r.dataset.empty() ? "(unknown)" : r.dataset.c_str());
    std::printf("base      %s\n", r.base_model.empty() ? "(none: trained from scratch)" : r.base_model.c_str());
  }
  for (const hub::Revision& m : models) std::printf("used by   %s@%s\n", m.name.c_str(), Short(m.id).c_str());
  if (r.kind == "dataset") {
    // What webdataset and wids read from a `hub serve` of this hub.
    const std::string pattern = hub::ShardPattern(r);
    if (!pattern.empty()) {
      std::printf("webdataset http://HOST:PORT/files/%s/%s/%s\n", r.name.c_str(), r.id.c_str(), pattern.c_str());
    }
    std::printf("wids      http://HOST:PORT/api/wids/%s@%s\n", r.name.c_str(), r.id.c_str());
  }
  std::printf("files     %zu, %llu bytes\n", r.files.size(), static_cast<unsigned long long>(hub::RevisionSize(r)));
  for (const hub::FileEntry& f : r.files) {
    std::printf("  %12llu  %s  %s\n", static_cast<unsigned long long>(f.size), Short(f.sha256).c_str(), f.path.c_str());
  }
  if (!r.card.empty()) std::printf("\n%s%s", r.card.c_str(), r.card.back() == '\n' ? "" : "\n");
  return 0;
}

int Tag(int argc, char** argv) {
  const CommandSpec spec = {"hub tag", "synthub hub tag OWNER/NAME@REV TAG",
                            "Points TAG (letters, digits, '-', '_', '.') at the revision REF names.",
                            {HubFlag()}};
  Args args(spec, argc, argv);
  if (args.positional().size() != 2) throw UsageError("expected a revision reference and a tag");
  hub::Hub h(args.Str("hub"));
  const hub::Revision r = h.Resolve(args.positional()[0]);
  h.Tag(r.name, args.positional()[1], r.id);
  std::printf("%s@%s -> %s\n", r.name.c_str(), args.positional()[1].c_str(), r.id.c_str());
  return 0;
}

int Token(int argc, char** argv) {
  const CommandSpec spec = {"hub token", "synthub hub token --owner OWNER --scope read|write",
                            "Creates an access token for the server and prints it once (the hub keeps\n"
                            "only its SHA-256). --owner '*' gives every owner.",
                            {HubFlag(), {"owner", "", "owner the token may publish under (required)"},
                             {"scope", "write", "read | write"}}};
  Args args(spec, argc, argv);
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  if (args.Str("owner").empty()) throw UsageError("--owner is required");
  hub::Hub h(args.Str("hub"));
  std::printf("%s\n", h.CreateToken(args.Str("owner"), args.Str("scope")).c_str());
  return 0;
}

int Materialize(int argc, char** argv, World& world) {
  const CommandSpec spec = {
      "hub materialize",
      "synthub hub materialize OWNER/NAME[@REV] (--hub DIR | --from URL|DIR) --to OUT [--regenerate]",
      "Writes a dataset revision into OUT. By default its files are copied (local hub) or\n"
      "downloaded (server, through 'hub pull'); with --regenerate, or when the store lacks\n"
      "the shards, they are rendered from the recipe in the revision's manifest.json (per\n"
      "shard, on all threads, split across ranks under mpirun) with params.ustar from the\n"
      "revision. Every shard is then checked against the revision's SHA-256. Rerunning\n"
      "resumes: shards already in OUT with the published bytes are kept.",
      {HubFlag(),
       {"from", "", "a hub server URL or hub folder (instead of --hub)"},
       {"to", "", "output dataset folder (required)"},
       {"regenerate", "false", "render the shards from the recipe instead of downloading", true},
       {"threads", "0", "rendering / copying threads (0 = all cores)"},
       {"parallel", "4", "downloads at once (server)"},
       {"cache", "", "download cache for a server source (default OUT/.synthub-pull)"},
       {"token", "", "bearer token (default $SYNTHUB_TOKEN; never printed)"},
       {"quiet", "false", "no progress output", true}}};
  Args args(spec, argc, argv);
  if (args.positional().size() != 1) throw UsageError("expected one revision reference");
  if (args.Given("hub") && args.Given("from")) throw UsageError("give --hub or --from, not both");
  hub::MaterializeOptions o;
  o.source = args.Given("from") ? args.Str("from") : args.Str("hub");
  o.out = args.Str("to");
  if (o.out.empty()) throw UsageError("--to is required");
  o.regenerate = args.Switch("regenerate");
  o.threads = args.Int("threads");
  o.parallel = args.Int("parallel");
  if (o.threads < 0 || o.parallel < 1) throw UsageError("--threads >= 0, --parallel >= 1");
  o.cache = args.Str("cache");
  o.token = TokenFlag(args);
  o.progress = !args.Switch("quiet");
  const hub::MaterializeStats s = hub::Materialize(args.positional()[0], o, world);
  if (world.rank() == 0) {
    if (!s.fallback.empty()) std::printf("regenerating instead of downloading: %s\n", s.fallback.c_str());
    if (s.regenerated) {
      std::printf("%s -> %s: regenerated %llu shard(s) from the recipe, kept %llu already present, "
                  "downloaded %llu other file(s)\n",
                  s.revision.c_str(), o.out.c_str(), static_cast<unsigned long long>(s.shards_regenerated),
                  static_cast<unsigned long long>(s.shards_kept),
                  static_cast<unsigned long long>(s.files_downloaded));
    } else {
      std::printf("%s -> %s: downloaded %llu file(s)\n", s.revision.c_str(), o.out.c_str(),
                  static_cast<unsigned long long>(s.files_downloaded));
    }
    std::printf("verified %llu shards against the published SHA-256\n",
                static_cast<unsigned long long>(s.shards_verified));
  }
  return 0;
}

int Serve(int argc, char** argv) {
  const CommandSpec spec = {"hub serve", "synthub hub serve [--hub DIR] [--host H] [--port P]",
                            "Serves the hub over HTTP until SIGINT/SIGTERM (docs/hub.md lists the routes).",
                            {HubFlag(),
                             {"host", "127.0.0.1", "address to listen on"},
                             {"port", "8080", "port (0: pick a free one, printed)"},
                             {"threads", "8",
                              "request threads (uploads, commits, PostgreSQL queries; event loops, one per "
                              "core, serve downloads)"}}};
  Args args(spec, argc, argv);
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  hub::ServeOptions o;
  o.dir = args.Str("hub");
  o.host = args.Str("host");
  o.port = args.Int("port");
  o.threads = args.Int("threads");
  if (o.port < 0 || o.port > 65535) throw UsageError("--port: 0..65535");
  if (o.threads < 1) throw UsageError("--threads must be >= 1");
  hub::Hub check(o.dir);  // a clear error before binding
  hub::Serve(o);
  return 0;
}

int Pull(int argc, char** argv) {
  // --shared-cache may repeat: collect every occurrence first.
  std::vector<std::string> shared;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--shared-cache") == 0) {
      if (i + 1 >= argc) throw UsageError("--shared-cache needs a value");
      shared.push_back(argv[++i]);
    } else if (std::strncmp(argv[i], "--shared-cache=", 15) == 0) {
      shared.push_back(argv[i] + 15);
    } else {
      rest.push_back(argv[i]);
    }
  }
  const CommandSpec spec = {
      "hub pull",
      "synthub hub pull OWNER/NAME[@REV] --from URL|HUBDIR --to CACHE [--shared-cache DIR]...",
      "Downloads a revision into CACHE/<owner>/<name>/<id>/ (parallel, resumable, every\n"
      "file checked against its SHA-256) and prints that folder. --shared-cache folders\n"
      "(repeatable) are read-only tiers searched first.",
      {{"from", "", "hub server URL or hub folder (required)"},
       {"to", "", "the cache folder written (required)"},
       {"shared-cache", "", "read-only cache tier (repeatable)"},
       {"parallel", "4", "files downloaded at once"},
       {"offline", "false", "no network: fail unless complete in a cache tier", true},
       {"token", "", "bearer token (default $SYNTHUB_TOKEN; never printed)"},
       {"quiet", "false", "no progress output", true}}};
  Args args(spec, static_cast<int>(rest.size()), rest.data());
  if (args.positional().size() != 1) throw UsageError("expected one revision reference");
  hub::PullOptions o;
  o.source = args.Str("from");
  o.cache = args.Str("to");
  if (o.cache.empty()) throw UsageError("--to is required");
  if (o.source.empty() && !args.Switch("offline")) throw UsageError("--from is required (unless --offline)");
  o.shared_caches = shared;
  o.parallel = args.Int("parallel");
  if (o.parallel < 1) throw UsageError("--parallel must be >= 1");
  o.offline = args.Switch("offline");
  o.token = TokenFlag(args);
  o.progress = !args.Switch("quiet");
  std::printf("%s\n", hub::Pull(args.positional()[0], o).c_str());
  return 0;
}

int Verify(int argc, char** argv) {
  const CommandSpec spec = {
      "hub verify", "synthub hub verify [--hub DIR]",
      "Checks a hub store end to end: the catalogue's own integrity check, every revision's\n"
      "manifest (canonical, hashing to its id) and file list, every file's blob present\n"
      "with its size, and every blob re-hashed against its name. Prints a summary; exits\n"
      "1 naming each problem on stderr.",
      {HubFlag()}};
  Args args(spec, argc, argv);
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  hub::Hub h(args.Str("hub"));
  const hub::StoreReport r = hub::VerifyStore(h);
  for (const std::string& p : r.problems) std::fprintf(stderr, "hub verify: %s\n", p.c_str());
  std::printf("%s: %llu revisions, %llu files, %llu blobs re-hashed (%llu bytes, %llu unreferenced), "
              "%llu upload(s) in progress: %s\n",
              h.dir().c_str(), static_cast<unsigned long long>(r.revisions),
              static_cast<unsigned long long>(r.files), static_cast<unsigned long long>(r.blobs),
              static_cast<unsigned long long>(r.blob_bytes), static_cast<unsigned long long>(r.unreferenced_blobs),
              static_cast<unsigned long long>(r.temporaries),
              r.problems.empty() ? "ok" : (std::to_string(r.problems.size()) + " problem(s)").c_str());
  if (!r.problems.empty()) throw Error(h.dir() + ": the store has " + std::to_string(r.problems.size()) + " problem(s)");
  return 0;
}

int Gc(int argc, char** argv) {
  const CommandSpec spec = {
      "hub gc", "synthub hub gc [--hub DIR] [--grace-hours H] [--dry-run]",
      "Removes the blobs that no revision references: what an upload or 'hub add' left\n"
      "when it failed (a full disk) or was abandoned. Only blobs older than the grace\n"
      "period go, so an upload between its blobs and its commit is never broken (a blob\n"
      "uploaded again counts as new); commits wait while gc runs. Safe while 'hub serve'\n"
      "runs. Prints what it removed (or, with --dry-run, would remove).",
      {HubFlag(),
       {"grace-hours", "24", "keep unreferenced blobs younger than this (hours, fractions allowed)"},
       {"dry-run", "false", "only report", true}}};
  Args args(spec, argc, argv);
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  const double hours = args.Double("grace-hours");
  if (!(hours >= 0)) throw UsageError("--grace-hours must be >= 0");
  hub::Hub h(args.Str("hub"));
  const bool dry = args.Switch("dry-run");
  const hub::GcReport r = hub::CollectGarbage(h, static_cast<int64_t>(hours * 3600), dry);
  std::printf("%s: %llu blobs, %llu unreferenced: %s %llu (%llu bytes), kept %llu younger than %g h\n",
              h.dir().c_str(), static_cast<unsigned long long>(r.blobs),
              static_cast<unsigned long long>(r.unreferenced), dry ? "would remove" : "removed",
              static_cast<unsigned long long>(r.removed), static_cast<unsigned long long>(r.removed_bytes),
              static_cast<unsigned long long>(r.kept_recent), hours);
  return 0;
}

}  // namespace

int RunHub(int argc, char** argv, World& world) {
  if (argc < 1) {
    std::fputs(kHubUsage, stderr);
    return 2;
  }
  const std::string sub = argv[0];
  if (sub == "--help" || sub == "-h" || sub == "help") return std::fputs(kHubUsage, stdout), 0;
  const int n = argc - 1;
  char** v = argv + 1;
  if (sub == "init") return Init(n, v);
  if (sub == "add") return Add(n, v);
  if (sub == "list") return ListOrSearch(false, n, v);
  if (sub == "search") return ListOrSearch(true, n, v);
  if (sub == "show") return Show(n, v);
  if (sub == "tag") return Tag(n, v);
  if (sub == "token") return Token(n, v);
  if (sub == "materialize") return Materialize(n, v, world);
  if (sub == "serve") return Serve(n, v);
  if (sub == "pull") return Pull(n, v);
  if (sub == "verify") return Verify(n, v);
  if (sub == "gc") return Gc(n, v);
  throw UsageError("unknown hub command '" + sub + "' (init, add, list, search, show, tag, token, "
                   "materialize, serve, pull, verify, gc)");
}

}  // namespace synthub::cli
