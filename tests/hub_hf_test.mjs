// The official Hugging Face JavaScript client (@huggingface/hub, pinned in
// tests/web/package-lock.json) against `synthub hub serve` as its hubUrl:
// listFiles and downloadFile of a dataset and (when given) a model, by the
// default revision ("main"), by tag and by revision id; every file's bytes
// hash to the SHA-256 the listing gives; a missing file is null; an unknown
// repository is the client's 404 error. Usage:
//   node tests/hub_hf_test.mjs URL DATASET [MODEL]   (exit 1 on a failure)
import { createHash } from 'crypto';
import { createRequire } from 'module';

const require = createRequire(new URL('./web/package.json', import.meta.url));  // tests/web/node_modules
const { listFiles, downloadFile } = require('@huggingface/hub');

const [hubUrl, dataset, model] = process.argv.slice(2);
let failed = 0;
function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok' : 'FAIL'} - ${name}${ok || !detail ? '' : ': ' + detail}`);
  if (!ok) failed++;
}

async function roundTrip(repo, revision, what) {
  const files = [];
  for await (const f of listFiles({ repo, revision, hubUrl, recursive: true })) files.push(f);
  check(`${what}: listFiles gives its files`, files.length > 0 && files.every(f => f.type === 'file'),
        JSON.stringify(files.slice(0, 2)));
  let good = 0;
  for (const f of files) {
    const blob = await downloadFile({ repo, path: f.path, revision, hubUrl });
    const bytes = Buffer.from(await blob.arrayBuffer());
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length === f.size && sha === f.lfs.oid) good++;
    else console.log(`#   ${f.path}: ${bytes.length} bytes, sha256 ${sha}; listed ${f.size}, ${f.lfs.oid}`);
  }
  check(`${what}: downloadFile of every file matches its size and SHA-256 (${files.length} files)`, good === files.length);
  return files;
}

try {
  const ds = { type: 'dataset', name: dataset };
  await roundTrip(ds, undefined, `dataset ${dataset} (main)`);
  await roundTrip(ds, 'v1', `dataset ${dataset}@v1`);
  const info = await fetch(`${hubUrl}/api/datasets/${dataset}/revision/v1`).then(r => r.json());
  await roundTrip(ds, info.sha, `dataset ${dataset}@<id>`);
  check('a missing file is null', (await downloadFile({ repo: ds, path: 'nope.tar', hubUrl })) === null);
  let status = 0;
  try {
    for await (const f of listFiles({ repo: { type: 'dataset', name: 'nobody/nothing' }, hubUrl })) void f;
  } catch (e) {
    status = e.statusCode;
  }
  check('an unknown repository: the client raises its 404', status === 404, 'status ' + status);
  if (model) {
    const files = await roundTrip({ type: 'model', name: model }, undefined, `model ${model}`);
    check('the model has model.safetensors and config.json',
          files.some(f => f.path === 'model.safetensors') && files.some(f => f.path === 'config.json'));
  }
} catch (e) {
  check('no client error', false, String(e && e.stack || e));
}
console.log(`# ${failed ? failed + ' failed' : 'all passed'}`);
process.exit(failed ? 1 : 0);
