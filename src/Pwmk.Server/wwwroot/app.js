'use strict';
// PWMK web UI. Global state (status line, query latency) comes from /api/events (Server-Sent Events, polling
// /api/snapshot as a fallback); the selected simulation's steps come from its timeline (/api/simulations/{id}/timeline),
// so every view here is the same JSON a notebook can fetch.
(function () {
  const $ = (id) => document.getElementById(id);
  const svgNs = 'http://www.w3.org/2000/svg';
  const st = { snapshot: null, sims: [], simId: null, sim: null, first: 0, next: 0, seq: -1, record: null, live: true, timer: null, agent: null };

  const LEGENDS = {
    'box-world': [['0', 'agent', 'agent (its number); a gold ring: it holds the key'], ['k', 'key', 'key (on the floor)'], ['B', 'box', 'box'],
      ['T', 'treasure', 'treasure'], ['D', 'door', 'closed door'], ['/', 'door', 'open door'], ['#', 'wall', 'wall'], ['', 'hidden', 'hidden from the agent']],
    'hide-and-seek': [['S', 'seeker', 'seeker'], ['H', 'hider', 'hider'], ['#', 'wall', 'wall'], ['', 'hidden', 'hidden from the agent']],
    rooms: [['room: agents [..] container {objects}', '', 'each line a room, its agents and containers with their objects'], ['room: ?', 'hidden', 'a room the agent is not in']],
  };

  function cellClass(ch, env) {
    if (ch === '?') return 'hidden';
    if (ch === '#') return 'wall';
    if (env === 'hide-and-seek') return ch === 'S' ? 'seeker' : ch === 'H' ? 'hider' : '';
    if (/[0-9A]/.test(ch)) return 'agent';
    return { k: 'key', T: 'treasure', D: 'door', '/': 'door', B: 'box' }[ch] || '';
  }

  function renderGrid(box, rows, env, holder) {
    box.textContent = '';
    if (!rows) return;
    if (env === 'rooms') {
      box.className = 'rooms';
      for (const row of rows) {
        const div = document.createElement('div');
        div.textContent = row;
        if (row.endsWith(': ?')) div.className = 'hidden';
        box.appendChild(div);
      }
      return;
    }
    box.className = 'grid';
    const width = rows.length ? rows[0].length : 0;
    box.style.gridTemplateColumns = `repeat(${width}, var(--cell))`;
    for (const row of rows) {
      for (const ch of row) {
        const c = document.createElement('div');
        c.className = 'c ' + cellClass(ch, env);
        if (holder !== null && ch === holder) { c.classList.add('holds-key'); c.title = 'holds the key'; }
        c.textContent = ch === '.' || ch === '?' ? '' : ch;
        box.appendChild(c);
      }
    }
  }

  function renderLegend(env) {
    const ul = $('grid-legend');
    if (ul.dataset.env === env) return;
    ul.dataset.env = env;
    ul.textContent = '';
    for (const [sym, cls, text] of LEGENDS[env] || []) {
      const li = document.createElement('li');
      const s = document.createElement('span');
      s.className = 'sym c ' + cls;
      s.textContent = sym;
      li.append(s, ' ' + text);
      ul.appendChild(li);
    }
  }

  function svg(name, attrs, text) {
    const e = document.createElementNS(svgNs, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Agents and fluents as nodes; each belief an edge from the outermost believer to the fluent its fact is about, labelled with the fact.
  function renderGraph(beliefs, agents) {
    const g = $('graph');
    const nested = $('nested').checked;
    g.textContent = '';
    const nodes = new Map();
    for (const a of agents) nodes.set(a, { kind: 'agent' });
    const edges = new Map();
    for (const b of beliefs) {
      if (b.chain.length > 1 && !nested) continue;
      // the node is the fluent (pos(key), open(door)); the edge's label is the value believed
      const m = /^(\w+)\(([^,()]+)/.exec(b.fact);
      const target = m ? `${m[1]}(${m[2].trim()})` : b.fact;
      if (!nodes.has(target)) nodes.set(target, { kind: 'object' });
      const label = (b.chain.length > 1 ? b.chain.slice(1).join(' → ') + ': ' : '') + b.fact;
      const key = b.chain[0] + '>' + target + '>' + label;
      if (!edges.has(key)) edges.set(key, { from: b.chain[0], to: target, label, isFalse: b.false, nested: b.chain.length > 1, title: b.chain.join(' believes ') + ' ' + b.fact });
    }
    const names = [...nodes.keys()];
    const agentNames = names.filter((n) => nodes.get(n).kind === 'agent');
    const objects = names.filter((n) => nodes.get(n).kind === 'object');
    agentNames.forEach((n, i) => Object.assign(nodes.get(n), { x: 110, y: 30 + (i + 0.5) * (290 / Math.max(1, agentNames.length)) }));
    objects.forEach((n, i) => Object.assign(nodes.get(n), { x: 600 + (i % 2) * 120, y: 25 + (i + 0.5) * (300 / Math.max(1, objects.length)) }));
    const perTarget = new Map();
    for (const e of edges.values()) {
      const a = nodes.get(e.from), b = nodes.get(e.to);
      const line = svg('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: (e.isFalse ? 'false' : '') + (e.nested ? ' nested' : '') });
      line.appendChild(svg('title', {}, e.title));
      g.appendChild(line);
      // labels sit along the edge, staggered per target so that edges into one object do not print over each other
      const k = perTarget.get(e.to) || 0;
      perTarget.set(e.to, k + 1);
      const t = 0.55 + ((k % 4) * 0.1);
      g.appendChild(svg('text', { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t - 3, class: 'edge-label' + (e.isFalse ? ' false' : ''), 'data-edge': e.label }, e.label));
    }
    for (const [name, n] of nodes) {
      const grp = svg('g', { class: 'node-' + n.kind, transform: `translate(${n.x},${n.y})` });
      grp.appendChild(svg('circle', { r: n.kind === 'agent' ? 14 : 9 }));
      grp.appendChild(svg('text', { x: n.kind === 'agent' ? -18 : 12, y: 4, 'text-anchor': n.kind === 'agent' ? 'end' : 'start' }, name));
      g.appendChild(grp);
    }
    const falseCount = [...edges.values()].filter((e) => e.isFalse).length;
    g.appendChild(svg('text', { x: 8, y: 352 }, `${edges.size} beliefs shown, ${falseCount} false`));
  }

  function renderChart(id, points) {
    const c = $(id);
    c.textContent = '';
    const w = 300, h = 120, pad = 14;
    c.dataset.points = String(points ? points.length : 0);
    if (!points || points.length === 0) { c.appendChild(svg('text', { x: 8, y: 60 }, 'no data yet')); return; }
    const vs = points.map((p) => p.v);
    let lo = Math.min(...vs), hi = Math.max(...vs);
    if (hi === lo) { hi += 1; lo -= 1; }
    const n = points.length;
    const xy = points.map((p, i) => `${(pad + (n === 1 ? 0 : i * (w - 2 * pad) / (n - 1))).toFixed(1)},${(h - pad - (p.v - lo) * (h - 2 * pad) / (hi - lo)).toFixed(1)}`);
    c.appendChild(svg('polyline', { points: xy.join(' ') }));
    c.appendChild(svg('text', { x: 2, y: 10 }, hi.toPrecision(3)));
    c.appendChild(svg('text', { x: 2, y: h - 2 }, lo.toPrecision(3)));
    c.appendChild(svg('text', { x: w - 60, y: 10 }, 'n=' + n));
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function renderBeliefTable(record, agent) {
    const body = $('belief-table').querySelector('tbody');
    body.textContent = '';
    $('belief-agent').textContent = agent || '';
    const rows = record.beliefs.filter((b) => b.chain[0] === agent).sort((a, b) => a.chain.length - b.chain.length || a.chain.join().localeCompare(b.chain.join()) || a.fact.localeCompare(b.fact));
    // the online world model's prediction of each belief (made before the step), and the beliefs it predicted that nobody held
    const predicted = (record.predictedBeliefs || []).filter((p) => p.chain[0] === agent);
    const guess = (p) => (p ? `${p.predicted ?? 'no belief'} (${p.probability.toFixed(2)})` : '—');
    for (const b of rows) {
      const tr = document.createElement('tr');
      tr.dataset.chain = b.chain.join('>');
      tr.dataset.fact = b.fact;
      tr.dataset.false = String(b.false);
      cell(tr, b.chain.join(' → '));
      cell(tr, b.fact, 'mono');
      cell(tr, b.trueFact ?? '(unknown)', 'mono');
      cell(tr, b.false ? 'false' : 'true', b.false ? 'false' : 'ok');
      const p = predicted.find((x) => x.actual === b.fact && x.chain.join('>') === tr.dataset.chain);
      const td = cell(tr, guess(p), p ? (p.correct ? 'mono ok' : 'mono false') : 'mono');
      td.dataset.testid = 'predicted-belief';
      body.appendChild(tr);
    }
    for (const p of predicted.filter((x) => x.actual === null)) {
      const tr = document.createElement('tr');
      tr.dataset.chain = p.chain.join('>');
      cell(tr, p.chain.join(' → '));
      cell(tr, '(no belief)', 'mono');
      cell(tr, '');
      cell(tr, '');
      cell(tr, guess(p), 'mono false').dataset.testid = 'predicted-belief';
      body.appendChild(tr);
    }
    if (rows.length === 0 && predicted.length === 0) { const tr = document.createElement('tr'); cell(tr, 'no beliefs recorded at this step').colSpan = 5; body.appendChild(tr); }
  }

  function renderPlans(record) {
    const body = $('plan-table').querySelector('tbody');
    body.textContent = '';
    for (const d of record.decisions) {
      const tr = document.createElement('tr');
      tr.dataset.agent = d.agent;
      cell(tr, d.agent);
      cell(tr, d.action, 'mono');
      cell(tr, d.source, d.source);
      cell(tr, d.goal ?? '—', 'mono');
      cell(tr, d.plan.length ? d.plan.join(', ') : '—', 'mono');
      body.appendChild(tr);
    }
    if (record.decisions.length === 0) { const tr = document.createElement('tr'); cell(tr, 'the episode starts: no decision yet').colSpan = 5; body.appendChild(tr); }
  }

  function strip(values, lo, hi) {
    const row = document.createElement('div');
    row.className = 'strip';
    for (const v of values) {
      const s = document.createElement('span');
      const t = hi > lo ? (v - lo) / (hi - lo) : 0;
      s.style.background = `rgba(40, 48, 68, ${Math.max(0, Math.min(1, t)).toFixed(2)})`;
      s.title = v.toFixed(3);
      row.appendChild(s);
    }
    return row;
  }

  function renderPredictions(record) {
    const box = $('predictions');
    box.textContent = '';
    if (record.predictions.length === 0) { box.textContent = 'no prediction at this step (the model trains after the first episode)'; return; }
    for (const p of record.predictions) {
      const all = p.predicted.concat(p.observed);
      const lo = Math.min(...all), hi = Math.max(...all);
      const div = document.createElement('div');
      div.className = 'prediction';
      div.dataset.agent = p.agent;
      const h = document.createElement('div');
      h.textContent = `${p.agent}: mean squared error ${p.meanSquaredError.toFixed(4)}`;
      div.append(h, strip(p.predicted, lo, hi), strip(p.observed, lo, hi));
      box.appendChild(div);
    }
  }

  function renderRecord() {
    const r = st.record, sim = st.sim;
    if (!r || !sim) return;
    $('step-label').textContent = `episode ${r.episode}, step ${r.step} (record ${r.sequence} of ${st.first}..${st.next - 1})${st.live ? ' · live' : ''}`;
    const holderFact = r.facts.find((f) => /^pos\(key, *agent_(\d+)\)$/.test(f));
    const holder = holderFact ? /agent_(\d+)/.exec(holderFact)[1] : null;
    renderGrid($('world'), r.world, sim.env, holder);
    renderLegend(sim.env);
    $('facts').textContent = r.facts.length ? 'true now: ' + r.facts.join(', ') : '';
    const select = $('agent-select');
    if ([...select.options].map((o) => o.value).join() !== sim.agents.join()) {
      select.textContent = '';
      for (const n of sim.agents) { const o = document.createElement('option'); o.value = o.textContent = n; select.appendChild(o); }
    }
    st.agent = select.value || sim.agents[0];
    renderGrid($('view'), r.views[sim.agents.indexOf(st.agent)], sim.env, holder);
    renderBeliefTable(r, st.agent);
    renderPlans(r);
    renderPredictions(r);
    renderGraph(r.beliefs, sim.agents);
  }

  // Claims and tells, newest first: who said what to whom, who believed it, and whether it was true.
  function renderClaims(sim) {
    const list = $('claims');
    list.textContent = '';
    $('claims-meta').textContent = sim ? `${sim.claims} claims, ${sim.lies} false` : '';
    if (!sim) return;
    for (const c of [...sim.recentClaims].reverse()) {
      const li = document.createElement('li');
      const to = c.public ? 'claimed to ' + c.listeners.join(', ') : 'told ' + c.listeners.join(', ');
      const believed = c.trusting.length ? 'believed by ' + c.trusting.join(', ') : 'believed by nobody';
      li.textContent = `episode ${c.episode} step ${c.step} · ${c.speaker} ${to}: ${c.fact} · ${believed}${c.true ? '' : ' · a lie'}`;
      if (!c.true) li.className = 'false';
      list.appendChild(li);
    }
  }

  function renderSim() {
    const sim = st.sim;
    renderClaims(sim);
    $('world-meta').textContent = sim ? `${sim.env}, ${sim.agents.length} agents, ToM depth ${sim.tomDepth}, ${sim.status}` : '';
    renderChart('chart-reward', sim ? sim.rewards : []);
    renderChart('chart-plan', sim ? sim.planRate : []);
    renderChart('chart-loss', sim ? sim.trainingLoss : []);
    const s = $('scrubber');
    s.min = String(st.first);
    s.max = String(Math.max(st.first, st.next - 1));
    if (st.seq >= 0) s.value = String(st.seq);
    $('timeline-meta').textContent = st.next === 0 ? 'no step recorded yet' : `${st.next - st.first} steps kept (the last ${st.next - st.first} of ${st.next})`;
  }

  async function getJson(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    return r.json();
  }

  async function show(seq) {
    if (!st.simId || seq < st.first || seq >= st.next) return;
    st.seq = seq;
    $('scrubber').value = String(seq);
    try {
      const rec = await getJson(`/api/simulations/${encodeURIComponent(st.simId)}/timeline/${seq}`);
      if (rec.sequence !== st.seq) return; // a newer request won
      st.record = rec;
      renderRecord();
    } catch { /* dropped from the timeline meanwhile: the next refresh moves on */ }
  }

  async function refresh() {
    try {
      st.sims = await getJson('/api/simulations');
      const select = $('sim-select');
      const ids = st.sims.map((s) => s.id);
      if ([...select.options].map((o) => o.value).join() !== ids.join()) {
        select.textContent = '';
        for (const s of st.sims) { const o = document.createElement('option'); o.value = s.id; o.textContent = `${s.id} (${s.env}, ${s.status})`; select.appendChild(o); }
      }
      if (!st.simId || !ids.includes(st.simId)) st.simId = (st.snapshot && st.snapshot.simulation && ids.includes(st.snapshot.simulation.id)) ? st.snapshot.simulation.id : ids[ids.length - 1] || null;
      select.value = st.simId || '';
      st.sim = st.sims.find((s) => s.id === st.simId) || null;
      if (st.simId) {
        const t = await getJson(`/api/simulations/${encodeURIComponent(st.simId)}/timeline?count=0`);
        st.first = t.first;
        st.next = t.next;
        if (st.live && st.next > 0 && st.seq !== st.next - 1) await show(st.next - 1);
        else if (st.seq < st.first && st.next > 0) await show(st.first);
      }
      renderSim();
    } catch { /* the server may be restarting: try again */ }
    setTimeout(refresh, 1000);
  }

  function stopPlaying() {
    if (st.timer) { clearInterval(st.timer); st.timer = null; }
    $('play').innerHTML = '&#9654;';
    $('play').setAttribute('aria-label', 'play');
  }

  function goTo(seq) {
    st.live = false;
    $('live').checked = false;
    show(Math.max(st.first, Math.min(st.next - 1, seq)));
  }

  $('back').addEventListener('click', () => { stopPlaying(); goTo(st.seq - 1); });
  $('forward').addEventListener('click', () => { stopPlaying(); goTo(st.seq + 1); });
  $('scrubber').addEventListener('input', (e) => { stopPlaying(); goTo(Number(e.target.value)); });
  $('live').addEventListener('change', (e) => { st.live = e.target.checked; if (st.live) { stopPlaying(); show(st.next - 1); } });
  $('play').addEventListener('click', () => {
    if (st.timer) { stopPlaying(); return; }
    if (st.seq >= st.next - 1) goTo(st.first); else goTo(st.seq);
    $('play').innerHTML = '&#10074;&#10074;';
    $('play').setAttribute('aria-label', 'pause');
    st.timer = setInterval(() => { if (st.seq >= st.next - 1) stopPlaying(); else show(st.seq + 1); }, 250);
  });
  $('sim-select').addEventListener('change', (e) => { stopPlaying(); st.simId = e.target.value; st.seq = -1; st.record = null; st.live = true; $('live').checked = true; });
  $('agent-select').addEventListener('change', renderRecord);
  $('nested').addEventListener('change', renderRecord);

  // On a cluster member (/health has a cluster check): the cluster's simulations, each with the member it runs on.
  async function refreshCluster() {
    try {
      const health = await fetch('/health').then((r) => r.json());
      if (!health.checks || !health.checks.cluster) return; // one process: no cluster card, no polling
      $('cluster-card').hidden = false;
      const [cluster, sims] = await Promise.all([getJson('/api/cluster'), getJson('/api/cluster/simulations')]);
      $('cluster-meta').textContent = `${cluster.members.length} members · this one ${cluster.self} · ${sims.length} simulations`;
      const body = $('cluster-table').querySelector('tbody');
      body.textContent = '';
      for (const s of sims) {
        const tr = document.createElement('tr');
        for (const v of [s.id, s.spec.env, s.spec.planner, s.status, s.member, s.episode, s.steps, s.resumedAt]) {
          const td = document.createElement('td');
          td.textContent = String(v);
          tr.appendChild(td);
        }
        body.appendChild(tr);
      }
    } catch { /* a member may be leaving: try again */ }
    setTimeout(refreshCluster, 2000);
  }
  refreshCluster();

  // Alerts Alertmanager sent to /alerts/webhook: the ones firing now, then the latest received.
  function renderAlerts(alerts) {
    const ul = $('alerts');
    ul.textContent = '';
    if (!alerts) return;
    $('alerts-meta').textContent = `${alerts.firing.length} firing · ${alerts.total} received`;
    const shown = alerts.received;
    if (shown.length === 0) { const li = document.createElement('li'); li.textContent = 'none received'; ul.appendChild(li); return; }
    for (const a of shown.slice(0, 10)) {
      const li = document.createElement('li');
      li.className = a.status === 'firing' ? 'firing' : 'resolved';
      const when = new Date(a.receivedAt).toLocaleTimeString();
      li.textContent = `${when} ${a.name} ${a.status}${a.severity ? ' (' + a.severity + ')' : ''}: ${a.summary || ''} `;
      if (a.runbookUrl) { const link = document.createElement('a'); link.href = a.runbookUrl; link.textContent = 'runbook'; li.appendChild(link); }
      ul.appendChild(li);
    }
  }

  function renderSnapshot(s) {
    st.snapshot = s;
    const sim = s.simulation;
    $('status').textContent = sim
      ? `${sim.id} ${sim.status} · ${sim.env} · episode ${sim.episode} step ${sim.step} · reward ${sim.episodeReward.toFixed(2)} · ${s.factCount} facts`
      : `no simulation · ${s.factCount} facts`;
    $('status').dataset.steps = sim ? String(sim.totalSteps) : '0';
    renderChart('chart-latency', s.queryLatencyMs);
    renderAlerts(s.alerts);
  }

  $('query-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = $('answer');
    out.textContent = 'running…';
    try {
      const r = await fetch('/api/beliefs/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: $('query').value, limit: 50 }) });
      const body = await r.json();
      if (!r.ok) { out.textContent = `${r.status} ${body.title}: ${body.detail}`; return; }
      if (body.count === 0) { out.textContent = 'false.'; return; }
      out.textContent = body.solutions.map((x) => { const ks = Object.keys(x); return ks.length ? ks.map((k) => `${k} = ${x[k]}`).join(', ') : 'true'; }).join('\n')
        + `\n(${body.count} solution${body.count === 1 ? '' : 's'}${body.truncated ? ', more exist' : ''}, ${body.elapsedMs} ms)`;
    } catch (e) {
      out.textContent = 'error: ' + e;
    }
  });

  function poll() {
    fetch('/api/snapshot').then((r) => r.json()).then(renderSnapshot).catch(() => {}).finally(() => setTimeout(poll, 1000));
  }

  if (window.EventSource) {
    const es = new EventSource('/api/events');
    es.addEventListener('snapshot', (e) => renderSnapshot(JSON.parse(e.data)));
    es.onerror = () => { if (!st.snapshot) $('status').textContent = 'reconnecting…'; };
  } else {
    poll();
  }
  refresh();
})();
