#include "hub/web_page.h"

namespace synthub::hub {

// Routes: "/" lists; "#/OWNER/NAME@ID" (or /ui/OWNER/NAME[@REF]) shows one revision. The page only
// reads the public JSON API (/api/revisions...) and files (/files/...).
const char kWebPage[] = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>synthub hub</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f6f7f9; }
header { background: #1d3557; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; }
header h1 { font-size: 18px; margin: 0; }
header a { color: #fff; text-decoration: none; }
header input { flex: 1; max-width: 420px; padding: 5px 8px; border-radius: 4px; border: 0; }
main { display: grid; grid-template-columns: minmax(260px, 340px) 1fr; gap: 20px; padding: 16px 20px; }
section.list h2 { font-size: 15px; margin: 10px 0 6px; text-transform: uppercase; color: #555; }
ul.items { list-style: none; margin: 0; padding: 0; }
ul.items li { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; margin-bottom: 6px; padding: 6px 10px; }
ul.items li a { font-weight: 600; color: #1d3557; text-decoration: none; }
.muted { color: #6b7480; font-size: 12px; }
.tag { display: inline-block; background: #e8eef7; color: #1d3557; border-radius: 10px; padding: 0 7px; margin-right: 4px; font-size: 12px; }
#detail { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 14px 20px; min-height: 200px; overflow-x: auto; }
#detail h2 { margin-top: 0; word-break: break-all; }
table { border-collapse: collapse; margin: 8px 0; }
td, th { border: 1px solid #dde1e6; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
pre, code { font-family: ui-monospace, monospace; font-size: 12px; }
pre { background: #f0f2f5; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
img.preview { max-width: 100%; image-rendering: pixelated; border: 1px solid #dde1e6; }
img.curves { max-width: 100%; border: 1px solid #dde1e6; background: #fff; }
.cmd { display: flex; gap: 6px; align-items: flex-start; margin: 4px 0; }
.cmd pre { flex: 1; margin: 0; }
.error { color: #b00020; }
</style>
</head>
<body>
<header><h1><a href="#/">synthub hub</a></h1>
<input id="search" type="search" placeholder="search names and cards" aria-label="search">
<select id="family" aria-label="family"><option value="">any family</option></select>
<select id="license" aria-label="licence"><option value="">any licence</option></select>
<select id="architecture" aria-label="architecture"><option value="">any architecture</option></select>
</header>
<main>
<div>
<section class="list"><h2>Datasets</h2><ul class="items" id="datasets"><li class="muted">loading…</li></ul></section>
<section class="list"><h2>Models</h2><ul class="items" id="models"><li class="muted">loading…</li></ul></section>
</div>
<div id="detail"><p class="muted">Choose a dataset or a model.</p></div>
</main>
<script>
'use strict';
// Builds an element; children are nodes or strings (always inserted as text).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'text') e.textContent = String(v); else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}
function seg(s) { return String(s).split('/').map(encodeURIComponent).join('/'); }
function fileUrl(r, path) { return '/files/' + seg(r.name) + '/' + encodeURIComponent(r.id) + '/' + seg(path); }
function revLink(name, id) { return '#/' + seg(name) + '@' + encodeURIComponent(id); }
function bytes(n) {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0; let x = Number(n) || 0;
  while (x >= 1024 && i < u.length - 1) { x /= 1024; ++i; }
  return (i ? x.toFixed(1) : String(x)) + ' ' + u[i] + (i ? ' (' + Number(n).toLocaleString('en') + ' bytes)' : '');
}
async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  return r.json();
}
async function getText(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  return r.text();
}
function hasFile(r, path) { return (r.files || []).some(f => f.path === path); }
function kvTable(obj) {
  const t = el('table', {});
  for (const [k, v] of Object.entries(obj)) {
    t.appendChild(el('tr', {}, el('th', {text: k}),
      el('td', {}, typeof v === 'object' && v !== null ? el('code', {text: JSON.stringify(v)}) : String(v))));
  }
  return t;
}

// Minimal Markdown: front matter (as a table), headings, paragraphs, lists,
// tables, code fences; inline `code` and **bold**. Text only, never HTML.
function inline(text) {
  const out = []; const re = /(`[^`]+`|\*\*[^*]+\*\*)/g; let last = 0; let m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(m[0][0] === '`' ? el('code', {text: m[0].slice(1, -1)}) : el('strong', {text: m[0].slice(2, -2)}));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
function cells(line) {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map(c => c.trim());
}
function markdown(src) {
  const box = el('div', {class: 'card'});
  let lines = String(src || '').replace(/\r\n/g, '\n').split('\n');
  if (lines[0] === '---') {
    const end = lines.indexOf('---', 1);
    if (end > 0) {
      const front = {};
      for (const l of lines.slice(1, end)) {
        const c = l.indexOf(':');
        if (c > 0) front[l.slice(0, c).trim()] = l.slice(c + 1).trim();
      }
      box.appendChild(el('table', {class: 'front'}, Object.entries(front).map(([k, v]) =>
        el('tr', {}, el('th', {text: k}), el('td', {text: v})))));
      lines = lines.slice(end + 1);
    }
  }
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (!l.trim()) { ++i; continue; }
    const h = /^(#{1,6})\s+(.*)$/.exec(l);
    if (h) { box.appendChild(el('h' + Math.min(6, h[1].length + 2), {}, inline(h[2]))); ++i; continue; }
    if (l.startsWith('```')) {
      const body = []; ++i;
      while (i < lines.length && !lines[i].startsWith('```')) body.push(lines[i++]);
      ++i; box.appendChild(el('pre', {text: body.join('\n')})); continue;
    }
    if (l.trim().startsWith('|') && i + 1 < lines.length && /^\s*\|?\s*:?-+/.test(lines[i + 1])) {
      const t = el('table', {}, el('tr', {}, cells(l).map(c => el('th', {}, inline(c)))));
      i += 2;
      while (i < lines.length && lines[i].trim().startsWith('|')) {
        t.appendChild(el('tr', {}, cells(lines[i++]).map(c => el('td', {}, inline(c)))));
      }
      box.appendChild(t); continue;
    }
    if (/^\s*[-*]\s+/.test(l)) {
      const ul = el('ul', {});
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i])) {
        ul.appendChild(el('li', {}, inline(lines[i++].replace(/^\s*[-*]\s+/, ''))));
      }
      box.appendChild(ul); continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|```|\s*\|)/.test(lines[i])) para.push(lines[i++]);
    if (!para.length) para.push(lines[i++]);
    box.appendChild(el('p', {}, inline(para.join(' '))));
  }
  return box;
}

function command(text) {
  const pre = el('pre', {class: 'command', text: text});
  const b = el('button', {type: 'button', text: 'copy'});
  b.addEventListener('click', () => {
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(() => { b.textContent = 'copied'; });
  });
  return el('div', {class: 'cmd'}, pre, b);
}

function listItem(r) {
  return el('li', {'data-name': r.name},
    el('a', {href: revLink(r.name, r.id), class: 'name', text: r.name}), ' ',
    (r.tags || []).map(t => el('span', {class: 'tag', text: t})),
    el('div', {class: 'muted', text: r.id.slice(0, 12) + ' · ' + bytes(r.size).split(' (')[0] +
      (r.kind === 'model' && r.architecture ? ' · ' + r.architecture : '') +
      (r.license ? ' · ' + r.license : '')}));
}

// A dataset's formula family from its recipe (FractalDB recipes name none;
// a packed dataset's recipe records where it was packed from).
function recipeFamily(recipe) {
  return recipe.family || (recipe.packed_from ? 'packed' : 'fractaldb');
}
function familyOf(r) {
  const recipe = (r.meta || {}).recipe;
  return recipe ? recipeFamily(recipe) : '';
}

// Fills a filter's choices with the values seen, keeping the one chosen.
function setChoices(id, values) {
  const select = document.getElementById(id);
  const chosen = select.value;
  const first = select.options[0].cloneNode(true);
  select.replaceChildren(first, ...[...new Set(values.filter(v => v))].sort().map(v => el('option', {value: v, text: v})));
  select.value = [...select.options].some(o => o.value === chosen) ? chosen : '';
}

async function loadLists() {
  const q = document.getElementById('search').value;
  const lists = {};
  try {
    for (const kind of ['dataset', 'model']) {
      lists[kind] = (await getJson('/api/revisions?kind=' + kind + '&q=' + encodeURIComponent(q))).revisions;
    }
  } catch (e) {
    for (const kind of ['dataset', 'model']) {
      document.getElementById(kind + 's').replaceChildren(el('li', {class: 'error', text: String(e.message)}));
    }
    return;
  }
  setChoices('family', lists.dataset.map(familyOf));
  setChoices('license', [...lists.dataset, ...lists.model].map(r => r.license));
  setChoices('architecture', lists.model.map(r => r.architecture));
  const family = document.getElementById('family').value;
  const license = document.getElementById('license').value;
  const architecture = document.getElementById('architecture').value;
  for (const kind of ['dataset', 'model']) {
    const ul = document.getElementById(kind + 's');
    ul.replaceChildren();
    // One entry per name: the newest revision (the list is newest first).
    const seen = new Set();
    for (const r of lists[kind]) {
      if (seen.has(r.name)) continue;
      seen.add(r.name);
      if (license && r.license !== license) continue;
      if (kind === 'dataset' && family && familyOf(r) !== family) continue;
      if (kind === 'model' && architecture && r.architecture !== architecture) continue;
      ul.appendChild(listItem(r));
    }
    if (!ul.children.length) ul.appendChild(el('li', {class: 'muted', text: 'none'}));
  }
}

function filesTable(r) {
  return el('table', {class: 'files'}, el('tr', {}, el('th', {text: 'file'}), el('th', {text: 'size'}), el('th', {text: 'sha256'})),
    (r.files || []).map(f => el('tr', {},
      el('td', {}, el('a', {href: fileUrl(r, f.path), text: f.path})),
      el('td', {text: Number(f.size).toLocaleString('en')}),
      el('td', {}, el('code', {text: f.sha256.slice(0, 16) + '…'})))));
}

function header(r) {
  return [el('h2', {text: r.name + '@' + r.id.slice(0, 12)}),
    el('p', {}, el('span', {class: 'tag', text: r.kind}), ' ', (r.tags || []).map(t => el('span', {class: 'tag', text: t})),
      el('span', {class: 'muted', text: ' revision ' + r.id + ' · ' + new Date(r.created * 1000).toISOString().slice(0, 19).replace('T', ' ') +
        (r.license ? ' · licence ' + r.license : '')})),
    el('p', {}, 'Size: ', el('strong', {class: 'size', text: bytes(r.size)}), ' in ' + (r.files || []).length + ' files')];
}

function commands(r) {
  const origin = location.origin;
  const ref = r.name + '@' + r.id;
  const out = [el('h3', {text: 'Commands'}),
    command('synthub hub pull ' + ref + ' --from ' + origin + ' --to ~/.cache/synthub')];
  if (r.kind === 'dataset') {
    out.push(command('synthub hub materialize ' + ref + ' --from ' + origin + ' --regenerate --to ' + r.name.split('/')[1]));
    out.push(command('synthub pretrain --data ' + origin + '/files/' + seg(r.name) + '/' + r.id + '/ --out run'));
    if (r.shard_pattern) {
      out.push(command('webdataset.WebDataset("' + origin + '/files/' + seg(r.name) + '/' + r.id + '/' + r.shard_pattern + '")'));
    }
    out.push(command('wids.ShardListDataset("' + origin + '/api/wids/' + seg(r.name) + '@' + r.id + '")'));
    out.push(command('HF_ENDPOINT=' + origin + ' python3 -c \'import huggingface_hub as h; print(h.snapshot_download("' +
      r.name + '", repo_type="dataset", revision="' + r.id + '"))\''));
  } else {
    out.push(command('HF_ENDPOINT=' + origin + ' python3 -c \'import timm; m = timm.create_model("hf-hub:' +
      r.name + '@' + r.id + '", pretrained=True)\''));
    out.push(command('HF_ENDPOINT=' + origin + ' python3 -c \'import huggingface_hub as h; print(h.snapshot_download("' +
      r.name + '", revision="' + r.id + '"))\''));
  }
  return out;
}

// What each formula family draws, and a readable summary of a recipe: the
// family, the counts, the image and the family's main knobs (the whole recipe
// follows as JSON).
const FAMILIES = {
  fractaldb: 'FractalDB: fractals of 2D iterated function systems, one system per class',
  ofdb: 'OFDB: one fractal image per class (one-instance FractalDB)',
  visualatom: 'VisualAtom: contours whose radii are sums of sine waves, one frequency pair per class',
  rcdb: 'RCDB: radial contours (noisy polygons) with masks, one shape rule per class',
  '1p-frac': '1p-frac: one fractal, its classes are small perturbations of it',
  'mv-fractaldb': 'MV-FractalDB: fixed views of 3D fractal point clouds, one per class',
  exfractaldb: 'ExFractalDB: random views of 3D fractal point clouds, one per class',
  '3d-ofdb': '3D-OFDB: views of one 3D fractal per class',
  packed: 'packed images (synthub pack)',
};
function range(v) { return Array.isArray(v) ? (v[0] === v[1] ? String(v[0]) : v[0] + '–' + v[1]) : v; }
function recipeSummary(recipe) {
  const fam = recipeFamily(recipe);
  const c = recipe.contour, f3 = recipe.fractal3d, s = recipe.search, p = recipe.onepfrac;
  const size = (recipe.render || {}).size || (c || {}).size || (f3 || {}).size;
  const rows = {
    family: FAMILIES[fam] || fam,
    classes: recipe.categories,
    'images per class': recipe.instances_per_category,
    images: recipe.categories && recipe.instances_per_category ? recipe.categories * recipe.instances_per_category : undefined,
    'image size': size ? size + ' × ' + size : undefined,
    format: (recipe.encode || {}).format,
    seed: recipe.seed,
  };
  if (s && (fam === 'fractaldb' || fam === 'ofdb')) {
    rows['maps per system'] = range([s.min_maps, s.max_maps]);
    rows['filling threshold'] = s.threshold;
    rows['points per image'] = (recipe.render || {}).points;
  }
  if (c) {
    rows.vertices = range(c.vertices);
    rows.orbits = range(c.orbits);
    if (c.frequency) rows['sine frequencies'] = range(c.frequency);
    if (c.masks !== undefined) rows.masks = c.masks;
    rows['line width'] = range(c.line_width);
  }
  if (p) { rows['perturbation δ'] = p.delta; rows['σ (spectral)'] = p.sigma; }
  if (f3) {
    rows['points per cloud'] = f3.points;
    if (f3.views !== undefined) rows['views per class'] = f3.views;
    rows['point rule'] = f3.point_rule;
  }
  if (recipe.packed_from) rows['packed from'] = recipe.packed_from;
  for (const k of Object.keys(rows)) if (rows[k] === undefined || rows[k] === null) delete rows[k];
  const t = kvTable(rows);
  t.className = 'recipe-summary';
  t.dataset.family = fam;
  return t;
}

async function showDataset(r, box) {
  const pngs = (r.files || []).map(f => f.path).filter(p => /\.(png|jpg|webp)$/.test(p) && !p.endsWith('.tar'));
  pngs.sort((a, b) => (a === 'preview.png' ? -1 : b === 'preview.png' ? 1 : a.localeCompare(b)));
  if (pngs.length) {
    box.appendChild(el('h3', {text: 'Samples per class'}));
    for (const p of pngs) {
      box.appendChild(el('figure', {}, el('img', {class: 'preview', id: p === 'preview.png' ? 'preview' : null,
        src: fileUrl(r, p), alt: p}), el('figcaption', {class: 'muted', text: p})));
    }
  }
  if (hasFile(r, 'manifest.json')) {
    try {
      const m = await getJson(fileUrl(r, 'manifest.json'));
      box.appendChild(el('h3', {text: 'Summary'}));
      box.appendChild(kvTable({samples: m.num_samples, classes: m.num_classes,
        shards: (m.shards || []).length, 'samples per shard': m.samples_per_shard,
        extensions: (m.extensions || []).join(', '), bytes: bytes(r.size)}));
      if (m.recipe) {
        box.appendChild(el('h3', {text: 'Recipe'}));
        box.appendChild(recipeSummary(m.recipe));
        box.appendChild(el('pre', {class: 'recipe', text: JSON.stringify(m.recipe, null, 2)}));
      }
    } catch (e) { box.appendChild(el('p', {class: 'error', text: String(e.message)})); }
  }
}

function evalTable(rows) {
  const keys = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k) && k !== 'kind') keys.push(k);
  return el('table', {class: 'eval'}, el('tr', {}, keys.map(k => el('th', {text: k}))),
    rows.map(r => el('tr', {}, keys.map(k => el('td', {text: r[k] === undefined ? '' : typeof r[k] === 'object' ? JSON.stringify(r[k]) : String(r[k])})))));
}

async function showModel(r, box) {
  const lineage = [];
  if (r.dataset) lineage.push(['pre-trained on', r.dataset]);
  if (r.base_model) lineage.push(['fine-tuned from', r.base_model]);
  if (lineage.length) {
    box.appendChild(el('h3', {text: 'Lineage'}));
    box.appendChild(el('table', {class: 'lineage'}, lineage.map(([what, ref]) => {
      const at = ref.indexOf('@');
      const href = at > 0 ? revLink(ref.slice(0, at), ref.slice(at + 1)) : '#/' + seg(ref);
      return el('tr', {}, el('th', {text: what}), el('td', {}, el('a', {href: href, text: ref})));
    })));
  }
  if (hasFile(r, 'curves.svg')) {
    box.appendChild(el('h3', {text: 'Learning curves'}));
    box.appendChild(el('img', {class: 'curves', id: 'curves', src: fileUrl(r, 'curves.svg'), alt: 'learning curves'}));
  }
  const rows = [];
  for (const f of (r.files || []).filter(f => /(^|\/)eval\.json$/.test(f.path))) {
    try { const j = await getJson(fileUrl(r, f.path)); j.file = f.path; rows.push(j); } catch (e) {}
  }
  if (hasFile(r, 'metrics.jsonl')) {
    try {
      for (const line of (await getText(fileUrl(r, 'metrics.jsonl'))).split('\n')) {
        if (!line.trim()) continue;
        const j = JSON.parse(line);
        if (j.kind === 'eval') { j.file = 'metrics.jsonl'; rows.push(j); }
      }
    } catch (e) {}
  }
  if (rows.length) { box.appendChild(el('h3', {text: 'Evaluation'})); box.appendChild(evalTable(rows)); }
  let card = r.card;
  if (!card && hasFile(r, 'README.md')) { try { card = await getText(fileUrl(r, 'README.md')); } catch (e) {} }
  if (card) { box.appendChild(el('h3', {text: 'Model card'})); box.appendChild(markdown(card)); }
}

async function showRevision(ref) {
  const box = document.getElementById('detail');
  box.replaceChildren(el('p', {class: 'muted', text: 'loading ' + ref + '…'}));
  try {
    const r = await getJson('/api/revisions/' + seg(ref));
    box.replaceChildren(...header(r));
    if (r.kind === 'dataset') await showDataset(r, box); else await showModel(r, box);
    const meta = Object.assign({}, r.meta || {}); delete meta.recipe;
    if (Object.keys(meta).length) { box.appendChild(el('h3', {text: 'Metadata'})); box.appendChild(kvTable(meta)); }
    box.append(...commands(r));
    box.appendChild(el('h3', {text: 'Files'}));
    box.appendChild(filesTable(r));
  } catch (e) { box.replaceChildren(el('p', {class: 'error', text: String(e.message)})); }
}

function route() {
  // "#/owner/name@id", or a /ui/owner/name[@ref] link.
  let h = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  if (!h && location.pathname.startsWith('/ui/')) h = decodeURIComponent(location.pathname.slice(4));
  if (h) showRevision(h);
  else document.getElementById('detail').replaceChildren(el('p', {class: 'muted', text: 'Choose a dataset or a model.'}));
}
let timer = null;
document.getElementById('search').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(loadLists, 250); });
for (const id of ['family', 'license', 'architecture']) document.getElementById(id).addEventListener('change', loadLists);
window.addEventListener('hashchange', route);
loadLists().then(route);
</script>
</body>
</html>
)HTML";

}  // namespace synthub::hub
