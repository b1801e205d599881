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
    // Seconds behind the wall clock; a watermark ahead of it (event times in the future) is said so, not negative.
    const behind = typeof wm[0] === "number" ? Math.round((s.at - Math.min(...wm.filter((x) => typeof x === "number"))) / 1000) : undefined;
    const lag = behind === undefined ? "—" : Math.max(0, behind);
    const lagNote = behind !== undefined && behind < 0 ? `watermark ${fmt(-behind)} s ahead of the clock: event times in the future` : undefined;
    const lagOf = (p) => (p.logEndOffset !== undefined && p.position !== undefined ? Math.max(0, p.logEndOffset - p.position) : 0);
    const items = [
      ["events/s", Math.round(rate)],
      ["records read", s.elementsRead],
      ["watermark", time(wm.length === 1 ? wm[0] : Math.min(...wm.filter((x) => typeof x === "number")))],
      ["watermark lag (s)", lag, lagNote],
      ["consumer lag", sum(s.sources.flatMap((x) => x.partitions), lagOf)],
      ["open windows", sum(s.grouped, (g) => g.openWindows)],
      ["late panes", sum(s.grouped, (g) => g.panes.LATE)],
      ["late-data output", sum(s.grouped, (g) => g.droppedDueToLateness)],
      ["dead letters", s.counters.deadLetters || 0],
    ];
    $("tiles").replaceChildren(
      ...items.map(([label, value, note]) => {
        const t = el("div", undefined, "tile");
        t.dataset.metric = label;
        t.append(el("div", label, "label"), el("div", typeof value === "number" ? fmt(value) : value, "value"));
        if (note) t.append(el("div", note, "note"));
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
    // Each node shows its step's whole name: the composite's path (muted) above the step's own name, the column as
    // wide as its longest label (measured in the page's font).
    const labels = new Map(s.steps.map((step) => {
      const parts = step.name.split("/");
      const own = parts.pop();
      // An unnamed parDo inside a named composite (writeResults/parDo([object Object])): the composite's name.
      if (/^parDo\(\[object Object\]\)$/.test(own) && parts.length) return [step.index, { path: "", own: parts.join("/") }];
      return [step.index, { path: parts.length ? parts.join("/") + "/" : "", own }];
    }));
    const measure = svg("svg", { width: 0, height: 0 });
    $("graph").append(measure);
    const textWidth = (text, cls) => {
      const t = svg("text", cls ? { class: cls } : {}, text);
      measure.append(t);
      return t.getComputedTextLength();
    };
    const H = 52, GX = 12, GY = 10;
    const widths = columns.map((col) => Math.ceil(Math.max(112, ...col.map((step) => {
      const l = labels.get(step.index);
      return Math.max(textWidth(l.own, "name"), l.path ? textWidth(l.path, "path") : 0) + 14;
    }))));
    measure.remove();
    const xs = widths.reduce((acc, w, c) => (acc.push(c === 0 ? 10 : acc[c - 1] + widths[c - 1] + GX), acc), []);
    const pos = new Map();
    columns.forEach((col, c) => col.forEach((step, r) => pos.set(step.index, { x: xs[c], y: 10 + r * (H + GY), w: widths[c] })));
    const width = xs[xs.length - 1] + widths[widths.length - 1] + 10;
    const height = 20 + Math.max(...columns.map((col) => col.length)) * (H + GY) - GY;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "pipeline graph" });
    for (const step of s.steps) {
      const to = pos.get(step.index);
      for (const input of step.inputs) {
        const from = pos.get(input);
        if (from) root.append(svg("line", { x1: from.x + from.w, y1: from.y + H / 2, x2: to.x, y2: to.y + H / 2 }));
      }
    }
    const groupedKinds = new Set(["groupByKey", "combinePerKey", "windowedCombine"]);
    for (const step of s.steps) {
      const p = pos.get(step.index);
      const g = svg("g", { "data-step": step.name });
      const cls = step.kind === "source" || step.kind === "impulse" ? "source" : groupedKinds.has(step.kind) ? "grouped" : "";
      g.append(svg("rect", { x: p.x, y: p.y, width: p.w, height: H, rx: 5, class: cls }));
      const l = labels.get(step.index);
      g.append(svg("title", {}, step.name));
      if (l.path) g.append(svg("text", { x: p.x + 7, y: p.y + 14, class: "path" }, l.path));
      g.append(svg("text", { x: p.x + 7, y: p.y + 28, class: "name" }, l.own));
      g.append(svg("text", { x: p.x + 7, y: p.y + 44, class: "count" }, fmt(step.elements)));
      root.append(g);
    }
    $("graph").replaceChildren(root);
  }

  /** A line over the last SPAN_MS of wall clock, ending at `end` (the newest sample): the x axis always spans it. */
  const SPAN_MS = 5 * 60_000;
  function chart(id, points, unit, end) {
    const W = 520, H = 140, L = 44;
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, height: H });
    const finite = points.filter((p) => Number.isFinite(p[1]));
    const max = Math.max(1, ...finite.map((p) => p[1]));
    const min = Math.min(0, ...finite.map((p) => p[1]));
    const t1 = end, t0 = end - SPAN_MS;
    const x = (t) => L + ((t - t0) / SPAN_MS) * (W - L - 8);
    const y = (v) => H - 16 - ((v - min) / (max - min || 1)) * (H - 26);
    for (const v of [min, (min + max) / 2, max]) {
      root.append(svg("line", { x1: L, x2: W - 8, y1: y(v), y2: y(v) }), svg("text", { x: 2, y: y(v) + 3 }, Math.round(v) + unit));
    }
    root.append(svg("polyline", { points: finite.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ") }));
    root.append(
      svg("text", { x: L, y: H - 2 }, clock(t0)),
      svg("text", { x: (L + W) / 2 - 28, y: H - 2 }, clock(t0 + SPAN_MS / 2)),
      svg("text", { x: W - 60, y: H - 2 }, clock(t1)),
    );
    $(id).replaceChildren(root);
  }

  function charts(history) {
    const end = history.length ? history[history.length - 1].at : Date.now();
    const recent = history.filter((h) => h.at >= end - SPAN_MS);
    const rate = [];
    for (let i = 1; i < recent.length; i++) {
      const a = recent[i - 1], b = recent[i];
      rate.push([b.at, b.at > a.at ? ((b.elementsRead - a.elementsRead) * 1000) / (b.at - a.at) : 0]);
    }
    chart("chart-throughput", rate, "", end);
    // Clamped at 0: a watermark ahead of the clock is not a lag (the tile says how far ahead it is).
    chart("chart-lag", recent.filter((h) => typeof h.watermark === "number").map((h) => [h.at, Math.max(0, (h.at - h.watermark) / 1000)]), "s", end);
  }

  function tables(s) {
    const parts = s.sources.flatMap((x) => x.partitions);
    const sub = (a, b) => (a !== undefined && b !== undefined ? Math.max(0, a - b) : undefined);
    fillRows($("partitions"), parts.map((p) => [p.topic, p.partition, p.recordsRead, time(p.watermark), p.idle ? "idle" : "",
      p.logEndOffset, p.position, p.committedOffset, sub(p.logEndOffset, p.position), sub(p.logEndOffset, p.committedOffset)]));
    fillRows($("grouped"), s.grouped.map((g) => [g.step, time(g.inputWatermark), time(g.outputWatermark), g.openWindows,
      g.panes.EARLY, g.panes.ON_TIME, g.panes.LATE, g.lateElements, g.droppedDueToLateness]));
    fillRows($("panes"), [...s.recentPanes].reverse().slice(0, 12).map((p) => [`${time(p.window.start)} – ${clock(p.window.end)}`,
      el("td", p.key, "key"), ...paneFigures(p.value), `${p.timing} #${p.index}${p.isLast ? " final" : ""}`, clock(p.emittedAt), p.step]));
  }

  /** Cents (an integer) as money text, exact: 4500 → "45.00". */
  const money = (cents) => {
    const abs = Math.abs(cents);
    return `${cents < 0 ? "-" : ""}${Math.floor(abs / 100).toLocaleString("en-US")}.${String(abs % 100).padStart(2, "0")}`;
  };
  /** A pane's sum, count and avg cells: the sales figures (from the exact cents), or the raw value across the three. */
  function paneFigures(value) {
    let v;
    try {
      v = JSON.parse(value);
    } catch (e) {
      v = undefined;
    }
    if (v && Number.isInteger(v.sumCents) && Number.isInteger(v.count) && Number.isInteger(v.avgCents)) {
      return [el("td", money(v.sumCents), "num"), el("td", fmt(v.count), "num"), el("td", money(v.avgCents), "num")];
    }
    const raw = el("td", value, "value");
    raw.colSpan = 3;
    return [raw];
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
