'use strict';
// PWMK web UI: renders snapshots pushed by /api/events (Server-Sent Events), falls back to polling /api/snapshot.
(function () {
  const $ = (id) => document.getElementById(id);
  const svgNs = 'http://www.w3.org/2000/svg';
  let selected = null;
  let last = null;

  function cellClass(ch, env) {
    if (ch === '?') return 'hidden';
    if (ch === '#') return 'wall';
    if (env === 'hide-and-seek') return ch === 'S' ? 'seeker' : ch === 'H' ? 'hider' : '';
    if (/[0-9A]/.test(ch)) return 'agent';
    return { k: 'key', T: 'treasure', D: 'door', '/': 'door', B: 'box' }[ch] || '';
  }

  function renderGrid(el, render) {
    el.textContent = '';
    if (!render) return;
    if (render.env === 'rooms') {
      el.className = 'rooms';
      for (const row of render.rows) {
        const div = document.createElement('div');
        div.textContent = row;
        if (row.endsWith(': ?')) div.className = 'hidden';
        el.appendChild(div);
      }
      return;
    }
    el.className = 'grid';
    const width = render.rows.length ? render.rows[0].length : 0;
    el.style.gridTemplateColumns = `repeat(${width}, 24px)`;
    for (const row of render.rows) {
      for (const ch of row) {
        const c = document.createElement('div');
        c.className = 'c ' + cellClass(ch, render.env);
        c.textContent = ch === '.' || ch === '?' ? '' : ch;
        el.appendChild(c);
      }
    }
  }

  function el(name, attrs, text) {
    const e = document.createElementNS(svgNs, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Agents and objects as nodes, beliefs as edges (agent -> object named in the believed fact).
  function renderGraph(agents) {
    const svg = $('graph');
    const nested = $('nested').checked;
    svg.textContent = '';
    const nodes = new Map();
    const edges = [];
    for (const a of agents) nodes.set(a.id, { kind: 'agent' });
    for (const a of agents) {
      for (const b of a.beliefs) {
        if (b.depth > 1 && !nested) continue;
        const m = /^\w+\(([^,()]+)/.exec(b.fact);
        const target = m ? m[1].trim() : b.fact;
        if (!nodes.has(target)) nodes.set(target, { kind: 'object' });
        edges.push({ from: b.chain[b.chain.length - 1], via: b.chain[0], to: target, fact: b.fact, isFalse: b.false, depth: b.depth });
      }
    }
    const names = [...nodes.keys()];
    const agentsOnly = names.filter((n) => nodes.get(n).kind === 'agent');
    const objects = names.filter((n) => nodes.get(n).kind === 'object');
    agentsOnly.forEach((n, i) => Object.assign(nodes.get(n), { x: 120, y: 40 + (i + 0.5) * (280 / Math.max(1, agentsOnly.length)) }));
    objects.forEach((n, i) => Object.assign(nodes.get(n), { x: 520 + (i % 2) * 150, y: 30 + (i + 0.5) * (300 / Math.max(1, objects.length)) }));
    const seen = new Set();
    for (const e of edges) {
      const key = e.via + '>' + e.from + '>' + e.to + '>' + e.isFalse;
      if (seen.has(key)) continue;
      seen.add(key);
      const a = nodes.get(e.via), b = nodes.get(e.to);
      if (!a || !b) continue;
      const line = el('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: (e.isFalse ? 'false' : '') + (e.depth > 1 ? ' nested' : '') });
      line.appendChild(el('title', {}, e.chain ? e.chain.join(' believes ') : e.via + ' believes ' + e.fact));
      svg.appendChild(line);
    }
    for (const [name, n] of nodes) {
      const g = el('g', { class: 'node-' + n.kind, transform: `translate(${n.x},${n.y})` });
      g.appendChild(el('circle', { r: n.kind === 'agent' ? 14 : 9 }));
      g.appendChild(el('text', { x: n.kind === 'agent' ? -18 : 12, y: 4, 'text-anchor': n.kind === 'agent' ? 'end' : 'start' }, name));
      svg.appendChild(g);
    }
    const falseCount = edges.filter((e) => e.isFalse).length;
    svg.appendChild(el('text', { x: 8, y: 350 }, `${edges.length} beliefs shown, ${falseCount} false`));
  }

  function renderChart(id, points) {
    const svg = $(id);
    svg.textContent = '';
    const w = 300, h = 120, pad = 14;
    if (!points || points.length === 0) { svg.appendChild(el('text', { x: 8, y: 60 }, 'no data yet')); return; }
    const vs = points.map((p) => p.v);
    let lo = Math.min(...vs), hi = Math.max(...vs);
    if (hi === lo) { hi += 1; lo -= 1; }
    const n = points.length;
    const xy = points.map((p, i) => `${(pad + (n === 1 ? 0 : i * (w - 2 * pad) / (n - 1))).toFixed(1)},${(h - pad - (p.v - lo) * (h - 2 * pad) / (hi - lo)).toFixed(1)}`);
    svg.appendChild(el('polyline', { points: xy.join(' ') }));
    svg.appendChild(el('text', { x: 2, y: 10 }, hi.toPrecision(3)));
    svg.appendChild(el('text', { x: 2, y: h - 2 }, lo.toPrecision(3)));
    svg.appendChild(el('text', { x: w - 60, y: 10 }, 'n=' + n));
    svg.dataset.points = String(n);
  }

  function render(s) {
    last = s;
    const sim = s.simulation;
    $('status').textContent = sim
      ? `${sim.id} ${sim.status} · ${sim.env} · episode ${sim.episode} step ${sim.step} · reward ${sim.episodeReward.toFixed(2)} · ${s.factCount} facts`
      : `no simulation · ${s.factCount} facts`;
    $('status').dataset.steps = sim ? String(sim.totalSteps) : '0';
    $('world-meta').textContent = sim ? `${sim.agents.length} agents, ToM depth ${sim.tomDepth}` : '';
    renderGrid($('world'), s.world);
    const select = $('agent-select');
    const names = s.views.map((v) => v.agent);
    if (select.options.length !== names.length) {
      select.textContent = '';
      for (const n of names) { const o = document.createElement('option'); o.value = o.textContent = n; select.appendChild(o); }
    }
    selected = select.value || names[0];
    renderGrid($('view'), s.views.find((v) => v.agent === selected));
    renderGraph(s.agents);
    renderChart('chart-reward', sim ? sim.rewards : []);
    renderChart('chart-latency', s.queryLatencyMs);
    renderChart('chart-plan', s.planSuccess);
    renderChart('chart-loss', sim ? sim.trainingLoss : []);
  }

  $('agent-select').addEventListener('change', () => last && render(last));
  $('nested').addEventListener('change', () => last && render(last));

  $('query-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = $('answer');
    out.textContent = 'running…';
    try {
      const r = await fetch('/api/beliefs/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: $('query').value, limit: 50 }) });
      const body = await r.json();
      if (!r.ok) { out.textContent = `${r.status} ${body.title}: ${body.detail}`; return; }
      if (body.count === 0) { out.textContent = 'false.'; return; }
      out.textContent = body.solutions.map((s) => { const ks = Object.keys(s); return ks.length ? ks.map((k) => `${k} = ${s[k]}`).join(', ') : 'true'; }).join('\n')
        + `\n(${body.count} solution${body.count === 1 ? '' : 's'}${body.truncated ? ', more exist' : ''}, ${body.elapsedMs} ms)`;
    } catch (e) {
      out.textContent = 'error: ' + e;
    }
  });

  function poll() {
    fetch('/api/snapshot').then((r) => r.json()).then(render).catch(() => {}).finally(() => setTimeout(poll, 1000));
  }

  if (window.EventSource) {
    const es = new EventSource('/api/events');
    es.addEventListener('snapshot', (e) => render(JSON.parse(e.data)));
    es.onerror = () => { if (!last) $('status').textContent = 'reconnecting…'; };
  } else {
    poll();
  }
})();
