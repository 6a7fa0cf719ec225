// Browser test of the PWMK web UI: starts a real `pwmk serve` on a free loopback port and drives
// Debian's chromium (headless) with playwright-core. Run by ./test.sh (`npm test` in this folder).
// PWMK_DLL overrides the server build to test (default: the Release build of src/Pwmk.Cli).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const dll = process.env.PWMK_DLL ?? join(root, 'src', 'Pwmk.Cli', 'bin', 'Release', 'net10.0', 'pwmk.dll');
const chromiumPath = process.env.PWMK_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(here, 'artifacts');

let server; // the pwmk serve child process
let serverLog = '';
let base; // http://127.0.0.1:PORT
let browser;
let page;
let stateDir;
const external = []; // requests that left loopback (CDN or any other host)
const pageErrors = [];
const notFound = []; // responses 404 (a missing favicon shows up here)

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

async function until(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})\n--- server output ---\n${serverLog.slice(-4000)}`);
}

before(async () => {
  assert.ok(existsSync(dll), `server build not found: ${dll} (run dotnet build Pwmk.slnx -c Release)`);
  assert.ok(existsSync(chromiumPath), `chromium not found at ${chromiumPath} (apt-get install chromium)`);
  mkdirSync(artifacts, { recursive: true });
  stateDir = mkdtempSync(join(tmpdir(), 'pwmk-ui-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' };
  delete env.PWMK_API_KEY; // no key: the UI's loopback client may assert beliefs
  server = spawn('dotnet', [dll, 'serve', '--urls', base, '--state-dir', stateDir, '--step-delay-ms', '20', '--seed', '3'],
    { cwd: stateDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  await until('the server to answer /health', async () => (await fetch(base + '/health')).ok, 30_000);

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('response', (r) => { if (r.status() === 404) notFound.push(r.url()); });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && u.protocol !== 'data:') external.push(r.url());
  });
});

after(async () => {
  if (page) await page.screenshot({ path: join(artifacts, 'ui.png'), fullPage: true }).catch(() => {});
  if (browser) await browser.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await Promise.race([new Promise((r) => server.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

test('the page loads without CDN references and shows the running simulation', async () => {
  const html = await (await fetch(base + '/')).text();
  for (const file of ['/', '/ui/app.js', '/ui/style.css']) {
    const text = file === '/' ? html : await (await fetch(base + file)).text();
    assert.doesNotMatch(text, /(src|href)\s*=\s*["']?(https?:)?\/\//i, `${file} loads something from another host`);
    assert.doesNotMatch(text, /@import\s+url\(\s*["']?(https?:)?\/\//i, `${file} imports CSS from another host`);
  }
  const response = await page.goto(base + '/', { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  assert.equal(await page.title(), 'PWMK');
  await page.waitForFunction(() => Number(document.getElementById('status').dataset.steps || 0) > 0, null, { timeout: 15_000 });
  assert.match(await page.textContent('#status'), /sim-\d+ running · box-world/);
  // the world comes from the simulation's timeline, fetched beside the pushed status
  await page.waitForFunction(() => document.querySelectorAll('#world .c').length > 0, null, { timeout: 15_000 });
});

test('the grid and the belief graph render', async () => {
  const cells = await page.locator('#world .c').count();
  assert.ok(cells >= 25, `world grid has ${cells} cells`);
  assert.ok(await page.locator('#world .c.agent').count() >= 1, 'no agent drawn on the world grid');
  assert.ok(await page.locator('#world .c.wall').count() >= 1, 'no wall drawn on the world grid');
  await page.waitForFunction(() => document.querySelectorAll('#graph line').length > 0, null, { timeout: 15_000 });
  const agentNodes = await page.locator('#graph g.node-agent').count();
  const objectNodes = await page.locator('#graph g.node-object').count();
  assert.equal(agentNodes, 2, 'one node per agent');
  assert.ok(objectNodes >= 1, 'no object nodes in the belief graph');
  const box = await page.locator('#graph').boundingBox();
  assert.ok(box.width > 100 && box.height > 100, `graph is ${box.width}x${box.height}`);
  assert.match(await page.textContent('#graph'), /\d+ beliefs shown, \d+ false/);
});

test('a query typed in the query box shows its answer', async () => {
  const r = await fetch(base + '/api/beliefs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ agent: 'anne', belief: 'in(marble, box)' }) });
  assert.equal(r.status, 201, 'loopback client may assert without a key');
  await page.fill('#query', 'believes(anne, X)');
  await page.click('#query-form button[type=submit]');
  await page.waitForFunction(() => /solution/.test(document.getElementById('answer').textContent), null, { timeout: 10_000 });
  const answer = await page.textContent('#answer');
  assert.match(answer, /^X = in\(marble,box\)$/m);
  assert.match(answer, /\(1 solution, [\d.]+ ms\)/);

  await page.fill('#query', 'believes(nobody_here, X)');
  await page.click('#query-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('answer').textContent === 'false.', null, { timeout: 10_000 });

  await page.fill('#query', 'believes(anne, ');
  await page.click('#query-form button[type=submit]');
  await page.waitForFunction(() => /^4\d\d /.test(document.getElementById('answer').textContent), null, { timeout: 10_000 });
});

test('charts move as the simulation runs', async () => {
  // data points: reward and training loss gain one per finished episode, latency one per belief query
  const points = () => page.evaluate(() => Object.fromEntries(['chart-reward', 'chart-latency', 'chart-plan', 'chart-loss']
    .map((id) => [id, Number(document.getElementById(id).dataset.points || 0)])));
  const first = await points();
  // a few more queries through the box so the latency chart has fresh points too
  for (let i = 0; i < 3; i++) {
    await page.fill('#query', `believes(A, B), ${i} >= 0`);
    await page.click('#query-form button[type=submit]');
    await page.waitForFunction(() => /solution|false\./.test(document.getElementById('answer').textContent), null, { timeout: 10_000 });
  }
  const later = await until('the reward and loss charts to gain points', async () => {
    const p = await points();
    return p['chart-reward'] >= first['chart-reward'] + 2 && p['chart-loss'] > first['chart-loss'] && p['chart-latency'] > first['chart-latency'] ? p : null;
  }, 20_000);
  const line = await page.getAttribute('#chart-reward polyline', 'points');
  assert.ok(line.split(' ').length >= 2, `reward chart line: ${line} (${JSON.stringify(first)} -> ${JSON.stringify(later)})`);
});

test('the per-agent view greys the cells hidden from that agent', async () => {
  const options = await page.locator('#agent-select option').allTextContents();
  assert.deepEqual(options, ['agent_0', 'agent_1']);
  for (const agent of options) {
    await page.selectOption('#agent-select', agent);
    await page.waitForFunction((a) => document.getElementById('agent-select').value === a, agent);
    const view = await page.evaluate(() => {
      const cells = [...document.querySelectorAll('#view .c')];
      const hidden = cells.filter((c) => c.classList.contains('hidden'));
      const colour = (c) => getComputedStyle(c).backgroundColor;
      return { cells: cells.length, hidden: hidden.length, hiddenColours: [...new Set(hidden.map(colour))], visibleColours: [...new Set(cells.filter((c) => !c.classList.contains('hidden')).map(colour))] };
    });
    const world = await page.locator('#world .c').count();
    assert.equal(view.cells, world, `${agent}: view and world differ in size`);
    assert.ok(view.hidden > 0 && view.hidden < view.cells, `${agent}: ${view.hidden} of ${view.cells} cells hidden`);
    assert.equal(view.hiddenColours.length, 1, `${agent}: hidden cells in several colours ${view.hiddenColours}`);
    const [r, g, b] = view.hiddenColours[0].match(/\d+/g).map(Number);
    assert.ok(r === g && g === b && r > 100 && r < 230, `${agent}: hidden cells are not grey: ${view.hiddenColours[0]}`);
    assert.ok(!view.visibleColours.includes(view.hiddenColours[0]), `${agent}: visible cells share the hidden grey`);
  }
  await page.screenshot({ path: join(artifacts, 'ui.png'), fullPage: true });
});

async function api(path, init) {
  const r = await fetch(base + path, init);
  assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
  return r.json();
}

let slowId; // a second simulation, slow enough that its recorded steps stay put while the tests replay them

test('the picker lists every simulation and switches the views to the one picked', async () => {
  const created = await api('/api/simulations', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ env: 'hide-and-seek', agents: 2, stepDelayMs: 400, train: false, seed: 5 }) });
  slowId = created.id;
  await page.waitForFunction((id) => [...document.querySelectorAll('#sim-select option')].some((o) => o.value === id), slowId, { timeout: 10_000 });
  const options = await page.locator('#sim-select option').count();
  assert.equal(options, (await api('/api/simulations')).length);
  await page.selectOption('#sim-select', slowId);
  await page.waitForFunction(() => /hide-and-seek/.test(document.getElementById('world-meta').textContent), null, { timeout: 10_000 });
  await until('the hide-and-seek world and its legend', async () =>
    await page.locator('#world .c.seeker').count() === 1 && /seeker/.test(await page.textContent('#grid-legend')), 10_000);
  assert.equal(await page.locator('#world .c.hider').count(), 1);
});

// the belief table the page shows for an agent, as {chain, fact, false} rows
const tableRows = () => page.evaluate(() => [...document.querySelectorAll('#belief-table tbody tr[data-chain]')]
  .map((tr) => ({ chain: tr.dataset.chain, fact: tr.dataset.fact, false: tr.dataset.false === 'true', truth: tr.children[2].textContent })));
const apiRows = (record, agent) => record.beliefs.filter((b) => b.chain[0] === agent)
  .map((b) => ({ chain: b.chain.join('>'), fact: b.fact, false: b.false, truth: b.trueFact ?? '(unknown)' }));
const bySort = (rows) => rows.map((r) => JSON.stringify(r)).sort();
const shownSequence = async () => Number(/record (\d+)/.exec(await page.textContent('#step-label'))[1]);

test('the timeline steps back and forth through the recorded beliefs, and the table matches the API', async () => {
  await until('a few recorded steps', async () => (await api(`/api/simulations/${slowId}/timeline?count=0`)).next >= 4, 15_000);
  await page.click('#back'); // leaves live mode
  assert.equal(await page.isChecked('#live'), false);
  // the step the page has selected is the scrubber's value (set at once); the label and table follow when its record arrives
  const selected = async () => Number(await page.inputValue('#scrubber'));
  const shows = (n) => page.waitForFunction((k) => document.getElementById('scrubber').value === String(k)
    && new RegExp(`record ${k} `).test(document.getElementById('step-label').textContent), n, { timeout: 10_000 });
  await shows(await selected());
  for (const move of ['#back', '#back', '#forward']) {
    const expected = (await selected()) + (move === '#back' ? -1 : 1);
    await page.click(move);
    await shows(expected);
    const record = await api(`/api/simulations/${slowId}/timeline/${expected}`);
    for (const agent of (await api(`/api/simulations/${slowId}`)).agents) {
      await page.selectOption('#agent-select', agent);
      await page.waitForFunction((a) => document.getElementById('belief-agent').textContent === a, agent);
      assert.deepEqual(bySort(await tableRows()), bySort(apiRows(record, agent)), `${move} to record ${expected}, ${agent}`);
    }
    assert.match(await page.textContent('#step-label'), new RegExp(`episode ${record.episode}, step ${record.step} `));
    assert.equal(await page.locator('#plan-table tbody tr[data-agent]').count(), record.decisions.length);
  }
  // the table lists nested chains too (ToM depth 2), each marked true or false against the world
  const agents = (await api(`/api/simulations/${slowId}`)).agents;
  const rows = [];
  for (const agent of agents) { await page.selectOption('#agent-select', agent); rows.push(...await tableRows()); }
  assert.ok(rows.length > 0, 'no beliefs in the table');
  await page.screenshot({ path: join(artifacts, 'ui-timeline.png'), fullPage: true });
  // scrubbing to the oldest kept step shows it
  const t = await api(`/api/simulations/${slowId}/timeline?count=0`);
  await page.locator('#scrubber').fill(String(t.first));
  await page.waitForFunction((n) => new RegExp(`record ${n} `).test(document.getElementById('step-label').textContent), t.first, { timeout: 10_000 });
  // live again follows the newest step
  await page.check('#live');
  await until('live mode to show the newest step', async () => (await shownSequence()) >= t.next - 1, 10_000);
});

test('belief graph edges carry their facts as labels', async () => {
  await page.check('#nested');
  await until('labelled edges', async () => await page.locator('#graph .edge-label').count() > 0, 10_000);
  const labels = await page.locator('#graph .edge-label').allTextContents();
  assert.ok(labels.every((l) => /\w+\(.*\)/.test(l)), `labels: ${labels.slice(0, 5)}`);
  assert.equal(labels.length, await page.locator('#graph line').count());
});

test('an alert Alertmanager posts to the webhook shows in the Alerts card, then as resolved', async () => {
  const notify = (status) => fetch(base + '/alerts/webhook', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      version: '4', status, receiver: 'pwmk', groupKey: 'g', alerts: [{
        status, labels: { alertname: 'HighBeliefQueryLatency', severity: 'warning' },
        annotations: { summary: 'Belief queries are slow', runbook_url: base + '/runbook#highbeliefquerylatency' },
      }],
    }),
  });
  assert.equal((await notify('firing')).status, 204);
  await page.waitForFunction(() => [...document.querySelectorAll('#alerts li.firing')].some((li) => /HighBeliefQueryLatency firing \(warning\): Belief queries are slow/.test(li.textContent)),
    null, { timeout: 10_000 });
  assert.match(await page.textContent('#alerts-meta'), /^1 firing/);
  assert.equal(await page.getAttribute('#alerts li.firing a', 'href'), base + '/runbook#highbeliefquerylatency');
  assert.equal((await notify('resolved')).status, 204);
  await page.waitForFunction(() => /^0 firing · 2 received/.test(document.getElementById('alerts-meta').textContent)
    && /HighBeliefQueryLatency resolved/.test(document.querySelector('#alerts li').textContent), null, { timeout: 10_000 });
});

test('at 390 px wide the page does not scroll sideways', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const phone = await context.newPage();
  phone.on('pageerror', (e) => pageErrors.push(String(e)));
  await phone.goto(base + '/', { waitUntil: 'load' });
  await phone.waitForFunction(() => document.querySelectorAll('#world .c').length > 0, null, { timeout: 15_000 });
  const widths = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth }));
  await phone.screenshot({ path: join(artifacts, 'ui-390.png'), fullPage: true });
  await context.close();
  assert.ok(widths.page <= widths.view && widths.body <= widths.view, `page is ${JSON.stringify(widths)} wide`);
});

test('no request was answered 404 (the favicon exists)', () => {
  assert.deepEqual(notFound, []);
});

test('no request left loopback and the page raised no script error', () => {
  assert.deepEqual(external, []);
  assert.deepEqual(pageErrors, []);
});
