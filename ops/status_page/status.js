// The live status page: polls /status.json every second and redraws with DOM APIs only. Everything shown goes
// through textContent or SVG text nodes (never innerHTML): keys and values come from untrusted input.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : n === undefined || n === null ? "—" : String(n));
  const time = (ms) => {
    if (ms === "+Inf") return "end of input";
    if (ms === "-Inf" || typeof ms !== "number") return "—";
    return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  };
  const clock = (ms) => (typeof ms === "number" ? new Date(ms).toISOString().slice(11, 19) : "—");
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const svg = (tag, attrs, text) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  };
  const fillRows = (table, rows) => {
    const body = table.tBodies[0];
    body.replaceChildren(
      ...rows.map((cells) => {
        const tr = el("tr");
        for (const c of cells) tr.append(typeof c === "object" && c !== null ? c : el("td", fmt(c)));
        return tr;
      }),
    );
  };

  function tiles(s, history, ready) {
    const last = history.length > 1 ? history[history.length - 1] : undefined;
    const prev = history.length > 1 ? history[history.length - 2] : undefined;
    const rate = last && prev && last.at > prev.at ? ((last.elementsRead - prev.elementsRead) * 1000) / (last.at - prev.at) : 0;
    const sum = (xs, f) => xs.reduce((n, x) => n + f(x), 0);
    const wm = s.sources.length ? s.sources.map((x) => x.watermark) : ["-Inf"];
    const lag = typeof wm[0] === "number" ? Math.round((s.at - Math.min(...wm.filter((x) => typeof x === "number"))) / 1000) : "—";
    const lagOf = (p) => (p.logEndOffset !== undefined && p.position !== undefined ? Math.max(0, p.logEndOffset - p.position) : 0);
    const items = [
      ["events/s", Math.round(rate)],
      ["records read", s.elementsRead],
      ["watermark", time(wm.length === 1 ? wm[0] : Math.min(...wm.filter((x) => typeof x === "number")))],
      ["watermark lag (s)", lag],
      ["consumer lag", sum(s.sources.flatMap((x) => x.partitions), lagOf)],
      ["open windows", sum(s.grouped, (g) => g.openWindows)],
      ["late (updated)", sum(s.grouped, (g) => g.lateElements)],
      ["dropped (late output)", sum(s.grouped, (g) => g.droppedDueToLateness)],
      ["dead letters", s.counters.deadLetters || 0],
    ];
    $("tiles").replaceChildren(
      ...items.map(([label, value]) => {
        const t = el("div", undefined, "tile");
        t.dataset.metric = label;
        t.append(el("div", label, "label"), el("div", typeof value === "number" ? fmt(value) : value, "value"));
        return t;
      }),
    );
    $("state").textContent = s.state;
    $("state").className = "badge " + (s.state === "RUNNING" ? "ok" : s.state === "FAILED" ? "bad" : "");
    $("ready").textContent = ready.ready ? "ready" : "not ready";
    $("ready").className = "badge " + (ready.ready ? "ok" : "bad");
    $("reasons").replaceChildren(...ready.reasons.map((r) => el("li", r)));
    $("not-ready").hidden = ready.ready;
  }

  // Layered layout: column = longest path from a source; rows in topological order.
  function graph(s) {
    const depth = new Map();
    for (const step of s.steps) depth.set(step.index, Math.max(-1, ...step.inputs.map((i) => depth.get(i) ?? 0)) + 1);
    const columns = [];
    for (const step of s.steps) (columns[depth.get(step.index)] ||= []).push(step);
    const W = 136, H = 40, GX = 18, GY = 12;
    const pos = new Map();
    columns.forEach((col, c) => col.forEach((step, r) => pos.set(step.index, { x: 10 + c * (W + GX), y: 10 + r * (H + GY) })));
    const width = 20 + columns.length * (W + GX) - GX;
    const height = 20 + Math.max(...columns.map((col) => col.length)) * (H + GY) - GY;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "pipeline graph" });
    for (const step of s.steps) {
      const to = pos.get(step.index);
      for (const input of step.inputs) {
        const from = pos.get(input);
        if (from) root.append(svg("line", { x1: from.x + W, y1: from.y + H / 2, x2: to.x, y2: to.y + H / 2 }));
      }
    }
    const groupedKinds = new Set(["groupByKey", "combinePerKey", "windowedCombine"]);
    for (const step of s.steps) {
      const p = pos.get(step.index);
      const g = svg("g", { "data-step": step.name });
      const cls = step.kind === "source" || step.kind === "impulse" ? "source" : groupedKinds.has(step.kind) ? "grouped" : "";
      g.append(svg("rect", { x: p.x, y: p.y, width: W, height: H, rx: 5, class: cls }));
      const title = svg("title", {}, step.name);
      const short = step.name.split("/").pop().replace(/^parDo\(\[object Object\]\)$/, step.name.split("/")[0]);
      g.append(title, svg("text", { x: p.x + 6, y: p.y + 16 }, short.length > 23 ? short.slice(0, 22) + "…" : short));
      g.append(svg("text", { x: p.x + 6, y: p.y + 33, class: "count" }, fmt(step.elements)));
      root.append(g);
    }
    $("graph").replaceChildren(root);
  }

  function chart(id, points, unit) {
    const W = 520, H = 140, L = 44;
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, height: H });
    const finite = points.filter((p) => Number.isFinite(p[1]));
    const max = Math.max(1, ...finite.map((p) => p[1]));
    const min = Math.min(0, ...finite.map((p) => p[1]));
    const t0 = points.length ? points[0][0] : 0, t1 = points.length ? points[points.length - 1][0] : 1;
    const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - 8);
    const y = (v) => H - 16 - ((v - min) / (max - min || 1)) * (H - 26);
    for (const v of [min, (min + max) / 2, max]) {
      root.append(svg("line", { x1: L, x2: W - 8, y1: y(v), y2: y(v) }), svg("text", { x: 2, y: y(v) + 3 }, Math.round(v) + unit));
    }
    root.append(svg("polyline", { points: finite.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ") }));
    if (points.length) root.append(svg("text", { x: L, y: H - 2 }, clock(t0)), svg("text", { x: W - 60, y: H - 2 }, clock(t1)));
    $(id).replaceChildren(root);
  }

  function charts(history) {
    const recent = history.slice(-300);
    const rate = [];
    for (let i = 1; i < recent.length; i++) {
      const a = recent[i - 1], b = recent[i];
      rate.push([b.at, b.at > a.at ? ((b.elementsRead - a.elementsRead) * 1000) / (b.at - a.at) : 0]);
    }
    chart("chart-throughput", rate, "");
    chart("chart-lag", recent.filter((h) => typeof h.watermark === "number").map((h) => [h.at, (h.at - h.watermark) / 1000]), "s");
  }

  function tables(s) {
    const parts = s.sources.flatMap((x) => x.partitions);
    const sub = (a, b) => (a !== undefined && b !== undefined ? Math.max(0, a - b) : undefined);
    fillRows($("partitions"), parts.map((p) => [p.topic, p.partition, p.recordsRead, time(p.watermark), p.idle ? "idle" : "",
      p.logEndOffset, p.position, p.committedOffset, sub(p.logEndOffset, p.position), sub(p.logEndOffset, p.committedOffset)]));
    fillRows($("grouped"), s.grouped.map((g) => [g.step, time(g.inputWatermark), time(g.outputWatermark), g.openWindows,
      g.panes.EARLY, g.panes.ON_TIME, g.panes.LATE, g.lateElements, g.droppedDueToLateness]));
    fillRows($("panes"), [...s.recentPanes].reverse().slice(0, 12).map((p) => [clock(p.emittedAt), p.step, p.key,
      `${time(p.window.start)} – ${clock(p.window.end)}`, `${p.timing} #${p.index}${p.isLast ? " final" : ""}`, el("td", p.value, "value")]));
  }

  async function refresh() {
    try {
      const response = await fetch("status.json", { cache: "no-store" });
      const status = await response.json();
      if (status.snapshot) {
        tiles(status.snapshot, status.history, status.readiness);
        graph(status.snapshot);
        charts(status.history);
        tables(status.snapshot);
      }
      $("updated").textContent = "updated " + new Date().toISOString().slice(11, 19) + "Z";
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    } catch (e) {
      $("state").textContent = "disconnected";
      $("state").className = "badge bad";
    }
  }
  refresh();
  setInterval(refresh, 1000);
})();
