// The hub's web page in a real headless Chromium (Debian's /usr/bin/chromium
// driven by playwright-core; nothing is downloaded). Usage:
//   node tests/hub_web_test.mjs URL DATASET [MODEL] [NAME:FAMILY,...]
// (the last: more datasets, of other formula families). Screenshots of the
// front page, each dataset page and the model page go to $SCREENSHOT_DIR
// (default: the current folder).
// Checks: the page lists the published dataset and model; the dataset's
// preview contact sheet loads (naturalWidth > 0); recipe, size and the pull
// command are shown; the model's card renders (front matter table, heading)
// with its text escaped, its learning curves load and its eval table shows;
// no page errors, no script injected from catalogue text. Each dataset shows
// its own contact sheet and a recipe summary naming its family, and the family
// filter tells them apart. Exit 1 on failure.
import { createRequire } from 'module';
import path from 'path';

const require = createRequire(new URL('./web/package.json', import.meta.url));  // tests/web/node_modules
const { chromium } = require('playwright-core');

const [url, dataset, model, more] = process.argv.slice(2);
const others = (more || '').split(',').filter(x => x).map(x => x.split(':'));
const shots = process.env.SCREENSHOT_DIR || '.';
async function screenshot(page, name) {
  const file = path.join(shots, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log('# screenshot: ' + path.resolve(file));
}
let failed = 0;
function check(name, cond, detail = '') {
  console.log((cond ? 'ok - ' : 'FAIL - ') + name + (cond || !detail ? '' : ' (' + detail + ')'));
  if (!cond) failed++;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  page.on('dialog', d => { errors.push('dialog: ' + d.message()); d.dismiss(); });
  await page.goto(url + '/', { waitUntil: 'networkidle' });
  await page.waitForSelector('#datasets li[data-name]', { timeout: 15000 });
  const datasets = await page.$$eval('#datasets li[data-name]', els => els.map(e => e.dataset.name));
  check('the page lists the dataset ' + dataset, datasets.includes(dataset), JSON.stringify(datasets));
  if (model) {
    const models = await page.$$eval('#models li[data-name]', els => els.map(e => e.dataset.name));
    check('the page lists the model ' + model, models.includes(model), JSON.stringify(models));
  }

  // The dataset: preview image, summary, recipe, size, commands.
  await page.click(`#datasets li[data-name="${dataset}"] a`);
  await page.waitForSelector('#detail h2', { timeout: 15000 });
  await page.waitForFunction(() => {
    const img = document.querySelector('#preview');
    return img && img.complete;
  }, null, { timeout: 15000 });
  const preview = await page.$eval('#preview', img => ({ w: img.naturalWidth, h: img.naturalHeight, src: img.src }));
  check('the dataset preview contact sheet loads', preview.w > 0 && preview.h > 0, JSON.stringify(preview));
  await page.waitForSelector('#detail pre.recipe', { timeout: 15000 });
  const detail = await page.textContent('#detail');
  check('the recipe is shown', /"categories"|categories/.test(await page.textContent('#detail pre.recipe')));
  check('the size in bytes is shown', /bytes\)|\d+ B/.test(await page.textContent('#detail .size')));
  check('samples and classes are shown', /samples/.test(detail) && /classes/.test(detail));
  check('a copy-paste pull command', detail.includes('synthub hub pull ' + dataset + '@'));
  check('a materialize command', detail.includes('synthub hub materialize ' + dataset + '@'));
  check('the webdataset brace URL of the shards', /webdataset\.WebDataset\("http:\/\/[^"]+\/files\/[^"]+-\{0+\.\.\d+\}\.tar"\)/.test(detail));
  check('the wids index URL', detail.includes('wids.ShardListDataset("') && detail.includes('/api/wids/' + dataset + '@'));
  check('the HF_ENDPOINT line for huggingface_hub', detail.includes('HF_ENDPOINT=' + url) &&
        detail.includes('snapshot_download("' + dataset + '", repo_type="dataset", revision="'));
  const summary = await page.$eval('#detail table.recipe-summary', t => ({ family: t.dataset.family, text: t.textContent }));
  check('a recipe summary names the family (FractalDB) and the counts',
        summary.family === 'fractaldb' && /FractalDB/.test(summary.text) && /images per class/.test(summary.text) &&
        /maps per system/.test(summary.text), JSON.stringify(summary));
  await screenshot(page, 'hub_dataset_fractaldb.png');

  // Datasets of other families: their own contact sheet and recipe summary.
  for (const [name, family] of others) {
    await page.click(`#datasets li[data-name="${name}"] a`);
    await page.waitForFunction(n => document.querySelector('#detail h2') &&
      document.querySelector('#detail h2').textContent.startsWith(n), name, { timeout: 15000 });
    await page.waitForFunction(n => {
      const img = document.querySelector('#preview');
      return img && img.complete && img.src.includes('/' + n + '/');
    }, name, { timeout: 15000 });
    const sheet = await page.$eval('#preview', img => ({ w: img.naturalWidth, src: img.src }));
    check(`${name}: its own contact sheet loads`, sheet.w > 0, JSON.stringify(sheet));
    await page.waitForSelector('#detail table.recipe-summary', { timeout: 15000 });
    const sum = await page.$eval('#detail table.recipe-summary', t => ({ family: t.dataset.family, text: t.textContent }));
    const knobs = { visualatom: /sine frequencies/, rcdb: /masks/, '1p-frac': /perturbation/,
                    'mv-fractaldb': /views per class/, '3d-ofdb': /views per class/, exfractaldb: /points per cloud/ };
    check(`${name}: the recipe summary names ${family} and its knobs`,
          sum.family === family && (!knobs[family] || knobs[family].test(sum.text)), JSON.stringify(sum));
    await screenshot(page, `hub_dataset_${family}.png`);
  }

  if (model) {
    await page.click(`#models li[data-name="${model}"] a`);
    await page.waitForFunction(m => document.querySelector('#detail h2') &&
      document.querySelector('#detail h2').textContent.startsWith(m), model, { timeout: 15000 });
    await page.waitForSelector('#detail .card', { timeout: 15000 });
    const card = await page.$eval('#detail .card', e => ({
      front: e.querySelectorAll('table.front tr').length,
      heading: (e.querySelector('h3, h4, h5') || {}).textContent || '',
      scripts: e.querySelectorAll('script').length,
      tables: e.querySelectorAll('table').length,
    }));
    check('the model card renders front matter as a table', card.front > 0, JSON.stringify(card));
    check('card text is escaped, not executed', card.scripts === 0 && card.heading.includes('<script>'), JSON.stringify(card));
    check('the card\'s Markdown table renders', card.tables >= 2, JSON.stringify(card));
    const curves = await page.$('#curves');
    if (curves) {
      await page.waitForFunction(() => document.querySelector('#curves').complete, null, { timeout: 15000 });
      const w = await page.$eval('#curves', img => img.naturalWidth);
      check('the learning curves image loads', w > 0, 'naturalWidth ' + w);
    } else {
      check('the learning curves image is shown', false, 'no #curves (no curves.svg in the revision?)');
    }
    const lineage = await page.$('#detail table.lineage a');
    check('lineage links to the dataset', lineage !== null &&
      (await lineage.textContent()).startsWith(dataset));
    const mdetail = await page.textContent('#detail');
    check('the HF_ENDPOINT line for timm', mdetail.includes('HF_ENDPOINT=' + url) &&
          mdetail.includes('timm.create_model("hf-hub:' + model + '@'));
    await screenshot(page, 'hub_model.png');
  }
  // Filters by family, licence and architecture, from the values published.
  const options = async id => page.$$eval(`#${id} option`, os => os.map(o => o.value).filter(v => v));
  check('the family filter offers fractaldb', (await options('family')).includes('fractaldb'),
        JSON.stringify(await options('family')));
  await page.selectOption('#family', 'fractaldb');
  await page.waitForSelector(`#datasets li[data-name="${dataset}"]`, { timeout: 5000 });
  check('filtering by family fractaldb keeps the dataset', true);
  for (const [name, family] of others) {
    check(`the family filter offers ${family}`, (await options('family')).includes(family));
    await page.waitForFunction(n => !document.querySelector(`#datasets li[data-name="${n}"]`), name, { timeout: 5000 });
    check(`filtering by fractaldb hides ${name}`, true);
    await page.selectOption('#family', family);
    await page.waitForSelector(`#datasets li[data-name="${name}"]`, { timeout: 5000 });
    await page.waitForFunction(d => !document.querySelector(`#datasets li[data-name="${d}"]`), dataset, { timeout: 5000 });
    check(`filtering by ${family} keeps ${name} and hides ${dataset}`, true);
    await page.selectOption('#family', 'fractaldb');
    await page.waitForFunction(n => !document.querySelector(`#datasets li[data-name="${n}"]`), name, { timeout: 5000 });
    await page.waitForSelector(`#datasets li[data-name="${dataset}"] .muted`, { timeout: 5000 });
  }
  const dsLicense = await page.$eval(`#datasets li[data-name="${dataset}"] .muted`, e => e.textContent.split(' · ').pop());
  const other = (await options('license')).find(l => l !== dsLicense);
  if (other) {
    await page.selectOption('#license', other);
    await page.waitForFunction(d => !document.querySelector(`#datasets li[data-name="${d}"]`), dataset, { timeout: 5000 });
    check(`filtering by another licence (${other}) hides the dataset (${dsLicense})`, true);
    await page.selectOption('#license', '');
  }
  if (model) {
    const archs = await options('architecture');
    check('the architecture filter offers the model\'s', archs.length > 0, JSON.stringify(archs));
    await page.selectOption('#architecture', archs[0]);
    await page.waitForSelector(`#models li[data-name="${model}"]`, { timeout: 5000 });
    check('filtering by its architecture keeps the model', true);
    await page.selectOption('#architecture', '');
  }
  await page.selectOption('#family', '');
  // Search narrows the lists.
  await page.fill('#search', 'no-such-thing-xyz');
  await page.waitForFunction(() => !document.querySelector('#datasets li[data-name]'), null, { timeout: 5000 });
  check('search narrows the list', true);
  await page.fill('#search', '');
  await page.waitForSelector(`#datasets li[data-name="${dataset}"]`, { timeout: 5000 });
  await screenshot(page, 'hub_page.png');
  check('no page errors or dialogs', errors.length === 0, errors.join('; '));
} catch (e) {
  check('the page test ran', false, String(e));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
