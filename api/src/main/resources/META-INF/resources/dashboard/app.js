// Runstream's dashboard: one page, no build step, no dependency. It reads the same API as any client, with the
// key the user signs in with (kept in this tab's sessionStorage only), and follows the activity feed
// (GET /api/events) and a run's events (GET /api/runs/{id}/events) as Server-Sent Events over fetch, so that it
// can send the key and resume with Last-Event-ID after any disconnect. It never polls PostgreSQL: live changes come
// from the feed; queue figures (Redis) are read every few seconds. Every text from the API goes into the page as
// text, never as HTML.

const main = document.getElementById("main");
const liveBadge = document.getElementById("live");
const KEY = "runstream.key";
const RUN_STATUSES = ["queued", "running", "completed", "failed", "cancelled"];
const PAGE = 50;

// ---- DOM ----

/** An element with attributes (on* are listeners) and children (strings become text nodes). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "style") el.style.cssText = value; // through the CSSOM: the page's policy refuses style attributes
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const statusBadge = (status) => h("span", { class: `status ${status}` }, status);
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : "");
const fmtClock = (ms) => new Date(ms).toLocaleTimeString();
const fmtMs = (ms) => (ms === null || ms === undefined || Number.isNaN(ms) ? "–"
  : ms < 1000 ? `${Math.round(ms)} ms` : ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60000).toFixed(1)} min`);
const fmtNum = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString());
const duration = (run) => (run.startedAt && run.completedAt ? fmtMs(Date.parse(run.completedAt) - Date.parse(run.startedAt)) : "");
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const entryMs = (id) => Number(String(id).split("-")[0]);

function notice(text, error = false) {
  return h("div", { class: error ? "notice error" : "notice", role: error ? "alert" : "status" }, text);
}

// ---- API ----

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
  }
}

function headers(extra = {}) {
  const key = sessionStorage.getItem(KEY);
  return key ? { Authorization: `Bearer ${key}`, ...extra } : extra;
}

async function api(path, { method = "GET", body } = {}) {
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }), cache: "no-store" };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const res = await fetch(path, init);
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) {
    if (res.status === 401) signOut("Your key was refused: sign in again.");
    throw new ApiError(res.status, json);
  }
  return json;
}

/**
 * Follows an SSE endpoint with the key, resuming after the last event id on every reconnect (a restarted api, a
 * network blip) until stopped or until the server ends a stream that is over ({@code end}).
 */
class Follow {
  constructor(path, onEvent, { lastEventId = null, onState = () => {} } = {}) {
    this.path = path;
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastId = lastEventId;
    this.stopped = false;
    this.finished = false;
    this.run();
  }

  async run() {
    let backoff = 500;
    while (!this.stopped && !this.finished) {
      this.abort = new AbortController();
      try {
        const extra = { Accept: "text/event-stream" };
        if (this.lastId) extra["Last-Event-ID"] = this.lastId;
        const res = await fetch(this.path, { headers: headers(extra), signal: this.abort.signal, cache: "no-store" });
        if (!res.ok) {
          const problem = await res.json().catch(() => null);
          if (res.status === 401) { signOut("Your key was refused: sign in again."); return; }
          this.onState("error", new ApiError(res.status, problem));
          if (res.status >= 400 && res.status < 500 && res.status !== 429) return;
        } else {
          this.onState("live");
          backoff = 500;
          await this.read(res.body.getReader());
        }
      } catch (e) {
        if (this.stopped) return;
      }
      if (this.stopped || this.finished) return;
      this.onState("reconnecting");
      await wait(backoff);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      let end;
      while ((end = buffer.indexOf("\n\n", start)) >= 0) {
        this.frame(buffer.slice(start, end));
        start = end + 2;
      }
      buffer = buffer.slice(start);
    }
  }

  frame(text) {
    let id = null;
    let type = "message";
    const data = [];
    for (const line of text.split("\n")) {
      if (line.startsWith(":") || line === "") continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") id = value;
      else if (field === "event") type = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) return;
    if (id) this.lastId = id;
    if (id && this.path.startsWith("/api/events")) feedDelay(Date.now() - entryMs(id));
    if (type === "end") this.finished = true;
    this.onEvent(type, JSON.parse(data.join("\n")), id);
  }

  stop() {
    this.stopped = true;
    this.abort?.abort();
  }
}

/**
 * How long each feed event took from its write in Redis to this page (the entry id is Redis' clock, the same
 * machine's in the tests), the last 100,000: what the dashboard's measurement reads.
 */
const feedDelays = [];
window.runstreamFeedDelays = feedDelays;
function feedDelay(ms) {
  if (feedDelays.length >= 100_000) feedDelays.shift();
  feedDelays.push(ms);
}

// ---- views and routing ----

let cleanup = [];
const onLeave = (fn) => cleanup.push(fn);

function setLive(state) {
  liveBadge.textContent = state === "live" ? "● live" : state === "reconnecting" ? "○ reconnecting…" : state === "error" ? "○ feed refused" : "";
  liveBadge.classList.toggle("down", state !== "live");
}

function liveState(state) {
  setLive(state);
  document.body.dataset.feed = state;
}

const routes = [
  [/^#\/?$/, overview],
  [/^#\/runs\/([0-9a-f-]{36})$/, runDetail],
  [/^#\/runs(\?.*)?$/, runs],
  [/^#\/queues$/, queues],
  [/^#\/queues\/([A-Za-z0-9._-]+)\/dead-letters$/, deadLetters],
  [/^#\/workers$/, workers],
  [/^#\/schedules$/, schedules],
  [/^#\/submit(\?.*)?$/, submit],
];

async function route() {
  cleanup.forEach((fn) => fn());
  cleanup = [];
  setLive(null);
  if (!sessionStorage.getItem(KEY) && !(await authOff())) {
    signIn();
    return;
  }
  document.getElementById("logout").hidden = !sessionStorage.getItem(KEY);
  const hash = location.hash || "#/";
  for (const [pattern, view] of routes) {
    const match = hash.match(pattern);
    if (match) {
      const name = view.name === "runDetail" ? "runs" : view.name === "deadLetters" ? "queues" : view.name;
      document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("current", a.dataset.view === name));
      main.replaceChildren(h("p", { class: "muted" }, "Loading…"));
      try {
        await view(...match.slice(1));
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401)) main.replaceChildren(notice(e.message, true));
      }
      document.title = `Runstream · ${main.querySelector("h1")?.textContent || ""}`;
      return;
    }
  }
  main.replaceChildren(notice(`No view at ${hash}`, true));
}

let authChecked = null;
async function authOff() {
  if (authChecked === null) {
    const res = await fetch("/api/pipelines", { cache: "no-store" });
    authChecked = res.ok;
  }
  return authChecked;
}

function signIn(message) {
  document.getElementById("logout").hidden = true;
  document.querySelectorAll("nav a").forEach((a) => a.classList.remove("current"));
  const input = h("input", { type: "password", name: "key", autocomplete: "off", required: true, "aria-label": "API key", placeholder: "rsk_…" });
  const error = h("div");
  const form = h("form", { class: "login", onsubmit: async (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, input.value.trim());
    try {
      await api("/api/pipelines");
      route();
    } catch (err) {
      sessionStorage.removeItem(KEY);
      error.replaceChildren(notice(err.message, true));
    }
  } },
  h("h1", {}, "Sign in to Runstream"),
  message ? notice(message, true) : null,
  h("label", {}, "API key (kept in this tab only)", input),
  error,
  h("button", { class: "primary", type: "submit" }, "Sign in"));
  main.replaceChildren(form);
  input.focus();
}

function signOut(message) {
  sessionStorage.removeItem(KEY);
  cleanup.forEach((fn) => fn());
  cleanup = [];
  signIn(message);
}

document.getElementById("logout").addEventListener("click", () => signOut());
window.addEventListener("hashchange", route);

// keyboard: g then a letter moves between views; / searches runs
let pendingG = false;
document.addEventListener("keydown", (e) => {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "/") {
    e.preventDefault();
    if (!location.hash.startsWith("#/runs") || location.hash.match(/runs\/[0-9a-f-]{36}/)) location.hash = "#/runs";
    setTimeout(() => document.getElementById("search")?.focus(), 50);
    return;
  }
  if (pendingG) {
    pendingG = false;
    const target = { o: "#/", r: "#/runs", q: "#/queues", w: "#/workers", s: "#/schedules", n: "#/submit" }[e.key];
    if (target) location.hash = target;
    return;
  }
  if (e.key === "g") pendingG = true;
});

// ---- overview ----

const BUCKET = 10_000;
const WINDOW = 10 * 60_000;

/**
 * Throughput, failure rate, latency and queue depth over the last ten minutes. The run figures come from the
 * activity feed, replayed from ten minutes ago (as far back as the feed holds) and then followed live; queue
 * depth is read from GET /api/queues every five seconds while the view is open.
 */
async function overview() {
  const buckets = new Map(); // bucket start → {created, completed, failed, retried, latencies: []}
  const createdAt = new Map(); // run → ms created, for end-to-end latency
  const depth = []; // {at, lag, pending, delayed}
  const bucketOf = (ms) => {
    const start = Math.floor(ms / BUCKET) * BUCKET;
    let b = buckets.get(start);
    if (!b) { b = { created: 0, completed: 0, failed: 0, retried: 0, latencies: [] }; buckets.set(start, b); }
    return b;
  };
  const cards = {
    rate: card("Runs finished / s (1 min)"), failure: card("Failure rate (10 min)"),
    p50: card("Latency p50 (1 min)"), p95: card("Latency p95 (1 min)"), depth: card("Waiting in queues"), running: card("In progress"),
  };
  const charts = {
    throughput: chart("Runs per second", [["completed", "#1a7f37"], ["failed", "#c62828"], ["created", "#6b4fbb"]]),
    latency: chart("Submit → end latency", [["p50", "#2458d6"], ["p95", "#a15c00"]], fmtMs),
    depth: chart("Queue depth", [["waiting", "#6b4fbb"], ["in progress", "#2458d6"], ["delayed", "#a15c00"]]),
  };
  main.replaceChildren(h("h1", {}, "Overview"),
    h("div", { class: "cards" }, Object.values(cards).map((c) => c.el)),
    h("div", { class: "charts" }, Object.values(charts).map((c) => c.el)),
    h("p", { class: "muted", id: "overview-note" }, "Run figures from the activity feed of the last ten minutes; queue figures every 5 s."));

  let dirty = true;
  const feed = new Follow("/api/events?type=created,completed,failed,retried", (type, event) => {
    if (type === "gap") return;
    const at = Date.parse(event.at);
    const b = bucketOf(at);
    if (type === "created") { b.created++; createdAt.set(event.run, at); }
    if (type === "retried") b.retried++;
    if (type === "completed" || type === "failed") {
      b[type]++;
      const from = createdAt.get(event.run);
      if (from !== undefined) { b.latencies.push(at - from); createdAt.delete(event.run); }
    }
    if (createdAt.size > 200_000) createdAt.delete(createdAt.keys().next().value);
    dirty = true;
  }, { lastEventId: `${Date.now() - WINDOW}-0`, onState: liveState });
  onLeave(() => feed.stop());

  const readQueues = async () => {
    try {
      const list = await api("/api/queues");
      const sum = (f) => list.reduce((n, q) => n + (q[f] || 0), 0);
      depth.push({ at: Date.now(), waiting: sum("lag"), "in progress": sum("pending"), delayed: sum("delayed") });
      while (depth.length && depth[0].at < Date.now() - WINDOW) depth.shift();
      cards.depth.set(fmtNum(sum("lag") + sum("delayed")));
      cards.running.set(fmtNum(sum("pending")));
      dirty = true;
    } catch (e) { /* shown as a gap in the chart */ }
  };
  readQueues();
  const queueTimer = setInterval(readQueues, 5000);
  onLeave(() => clearInterval(queueTimer));

  const draw = () => {
    if (!dirty) return;
    dirty = false;
    const now = Date.now();
    const from = Math.floor((now - WINDOW) / BUCKET) * BUCKET;
    for (const start of buckets.keys()) if (start < from) buckets.delete(start);
    const series = [];
    for (let t = from; t <= now; t += BUCKET) {
      const b = buckets.get(t) || { created: 0, completed: 0, failed: 0, retried: 0, latencies: [] };
      const sorted = [...b.latencies].sort((x, y) => x - y);
      series.push({ at: t, completed: b.completed / 10, failed: b.failed / 10, created: b.created / 10,
        p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) });
    }
    charts.throughput.draw(series);
    charts.latency.draw(series.filter((s) => s.p50 !== null));
    charts.depth.draw(depth);
    const lastMinute = [...buckets.entries()].filter(([start]) => start >= now - 60_000);
    const finished = lastMinute.reduce((n, [, b]) => n + b.completed + b.failed, 0);
    cards.rate.set((finished / 60).toFixed(finished < 600 ? 2 : 0));
    const all = [...buckets.values()];
    const ended = all.reduce((n, b) => n + b.completed + b.failed, 0);
    const failed = all.reduce((n, b) => n + b.failed, 0);
    cards.failure.set(ended ? `${((100 * failed) / ended).toFixed(1)} %` : "–");
    const recent = lastMinute.flatMap(([, b]) => b.latencies).sort((x, y) => x - y);
    cards.p50.set(fmtMs(quantile(recent, 0.5)));
    cards.p95.set(fmtMs(quantile(recent, 0.95)));
  };
  const drawTimer = setInterval(draw, 1000);
  onLeave(() => clearInterval(drawTimer));
  draw();
}

function quantile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function card(label) {
  const value = h("div", { class: "value" }, "–");
  return { el: h("div", { class: "card" }, h("div", { class: "label" }, label), value), set: (v) => { value.textContent = v; } };
}

/** A line chart on a canvas: series of {at, <name>: value}, drawn again whole on each call. */
function chart(title, lines, format = (v) => (v >= 100 ? Math.round(v) : v.toFixed(1))) {
  const canvas = h("canvas", { role: "img", "aria-label": title });
  const el = h("div", { class: "chart" }, h("h2", {}, title), canvas,
    h("div", { class: "legend" }, lines.map(([name, color]) => [h("i", { style: `background:${color}` }), name])));
  const draw = (points) => {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 400;
    const height = canvas.clientHeight || 160;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const left = 48; const bottom = height - 18;
    const max = Math.max(1e-9, ...points.flatMap((p) => lines.map(([n]) => p[n] || 0)));
    const t0 = Date.now() - WINDOW; const t1 = Date.now();
    g.strokeStyle = "#e3e5e9"; g.fillStyle = "#5c6370"; g.font = "11px system-ui"; g.lineWidth = 1;
    for (let i = 0; i <= 2; i++) {
      const y = 6 + ((bottom - 6) * i) / 2;
      g.beginPath(); g.moveTo(left, y); g.lineTo(width, y); g.stroke();
      g.fillText(format((max * (2 - i)) / 2), 2, y + 4);
    }
    g.fillText(fmtClock(t0), left, height - 4);
    g.fillText(fmtClock(t1), width - 60, height - 4);
    for (const [name, color] of lines) {
      g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
      points.forEach((p, i) => {
        const x = left + ((width - left) * (p.at - t0)) / (t1 - t0);
        const y = bottom - ((bottom - 6) * (p[name] || 0)) / max;
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    }
  };
  return { el, draw };
}

// ---- runs ----

/** Runs newest first with filters and cursor paging; rows change live from the activity feed. */
async function runs(query = "") {
  const params = new URLSearchParams(query.replace(/^\?/, ""));
  const status = params.get("status") || "";
  const pipeline = params.get("pipeline") || "";
  const cursor = params.get("cursor") || "";
  const back = params.get("back") || "";
  const pipelines = await api("/api/pipelines").catch(() => []);
  const search = h("input", { id: "search", type: "search", name: "q", placeholder: "run id", "aria-label": "Find a run by id", size: 38 });
  const statusSelect = h("select", { name: "status", "aria-label": "Status" }, h("option", { value: "" }, "any status"),
    RUN_STATUSES.map((s) => h("option", { value: s, selected: s === status }, s)));
  const pipelineSelect = h("select", { name: "pipeline", "aria-label": "Pipeline" }, h("option", { value: "" }, "any pipeline"),
    pipelines.map((p) => h("option", { value: p.name, selected: p.name === pipeline }, p.name)));
  const message = h("div");
  const filters = h("form", { class: "filters", role: "search", onsubmit: async (e) => {
    e.preventDefault();
    const id = search.value.trim();
    if (id) {
      try {
        await api(`/api/runs/${encodeURIComponent(id)}`);
        location.hash = `#/runs/${id}`;
      } catch (err) {
        message.replaceChildren(notice(err.status === 404 ? `No run ${id}` : err.message, true));
      }
      return;
    }
    const next = new URLSearchParams();
    if (statusSelect.value) next.set("status", statusSelect.value);
    if (pipelineSelect.value) next.set("pipeline", pipelineSelect.value);
    location.hash = `#/runs${next.toString() ? `?${next}` : ""}`;
  } },
  h("label", {}, "Find by id", search), h("label", {}, "Status", statusSelect), h("label", {}, "Pipeline", pipelineSelect),
  h("button", { type: "submit", class: "primary" }, "Apply"));
  statusSelect.addEventListener("change", () => filters.requestSubmit());
  pipelineSelect.addEventListener("change", () => filters.requestSubmit());

  const listQuery = new URLSearchParams({ limit: PAGE });
  if (status) listQuery.set("status", status);
  if (pipeline) listQuery.set("pipeline", pipeline);
  if (cursor) listQuery.set("cursor", cursor);
  const started = performance.now();
  const page = await api(`/api/runs?${listQuery}`);
  const loadedMs = performance.now() - started;
  const rows = new Map();
  const tbody = h("tbody");
  const selectAll = h("input", { type: "checkbox", "aria-label": "Select every run shown" });
  const row = (run) => {
    const check = h("input", { type: "checkbox", "aria-label": `Select run ${run.id}`, dataset: { run: run.id } });
    const tr = h("tr", { dataset: { run: run.id, status: run.status } },
      h("td", {}, check),
      h("td", {}, h("a", { href: `#/runs/${run.id}` }, run.id)),
      h("td", {}, run.pipeline), h("td", {}, run.queue),
      h("td", { class: "cell-status" }, statusBadge(run.status)),
      h("td", { class: "num cell-attempt" }, run.attempt),
      h("td", {}, fmtTime(run.createdAt)), h("td", { class: "num cell-duration" }, duration(run)));
    rows.set(run.id, tr);
    return tr;
  };
  page.items.forEach((run) => tbody.append(row(run)));
  const empty = h("div", { class: "empty", hidden: page.items.length > 0 }, "No runs match.");
  selectAll.addEventListener("change", () => tbody.querySelectorAll("input[type=checkbox]").forEach((c) => { c.checked = selectAll.checked; }));
  const selected = () => [...tbody.querySelectorAll("input[type=checkbox]:checked")].map((c) => c.dataset.run);
  const bulk = async (action, label) => {
    const ids = selected();
    if (!ids.length) { message.replaceChildren(notice("Select runs first.")); return; }
    let done = 0; const refused = [];
    for (const id of ids) {
      try { await api(`/api/runs/${id}/${action}`, { method: "POST" }); done++; } catch (e) { refused.push(`${id.slice(0, 8)}: ${e.message}`); }
    }
    message.replaceChildren(notice(`${label} ${done} of ${ids.length}${refused.length ? ` — ${refused.join("; ")}` : ""}`, refused.length > 0));
  };
  const fresh = h("span", { class: "muted", role: "status" });
  let newRuns = 0;
  const pagerParams = (next) => {
    const p = new URLSearchParams();
    if (status) p.set("status", status);
    if (pipeline) p.set("pipeline", pipeline);
    if (next) p.set("cursor", next);
    return p;
  };
  const nextParams = pagerParams(page.next);
  if (page.next) nextParams.set("back", cursor ? `${back}${back ? "," : ""}${cursor}` : "-");
  const backStack = back ? back.split(",") : [];
  const prevCursor = backStack.length ? backStack[backStack.length - 1] : null;
  const prevParams = pagerParams(prevCursor && prevCursor !== "-" ? prevCursor : "");
  if (backStack.length > 1) prevParams.set("back", backStack.slice(0, -1).join(","));

  main.replaceChildren(h("h1", {}, "Runs"), filters, message,
    h("div", { class: "toolbar" },
      h("button", { type: "button", class: "danger", onclick: () => bulk("cancel", "Cancelled") }, "Cancel selected"),
      h("button", { type: "button", onclick: () => bulk("retry", "Retried") }, "Retry selected"),
      fresh),
    h("table", { id: "runs" },
      h("thead", {}, h("tr", {}, h("th", {}, selectAll), h("th", {}, "Run"), h("th", {}, "Pipeline"), h("th", {}, "Queue"),
        h("th", {}, "Status"), h("th", { class: "num" }, "Attempt"), h("th", {}, "Created"), h("th", { class: "num" }, "Took"))),
      tbody),
    empty,
    h("div", { class: "pager" },
      cursor ? h("a", { href: `#/runs${prevParams.toString() ? `?${prevParams}` : ""}` }, "← Newer") : null,
      page.next ? h("a", { href: `#/runs?${nextParams}`, id: "older" }, "Older →") : null,
      h("span", { id: "runs-timing" }, `${page.items.length} runs · answered in ${Math.round(loadedMs)} ms`)));

  // live: rows shown change as their runs do; new runs that match show on the first page. Events are applied at
  // most every 100 ms (new rows, then each run's latest change), so that a busy feed costs one layout per flush
  // instead of one per event.
  const feedQuery = new URLSearchParams();
  if (pipeline) feedQuery.set("pipeline", pipeline);
  const changed = new Map();
  let added = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const touched = [];
    for (const event of added.slice(-PAGE)) {
      const tr = row({ id: event.run, pipeline: event.pipeline, queue: event.queue, status: "queued", attempt: 0, createdAt: event.at });
      tbody.prepend(tr);
      touched.push(tr);
    }
    newRuns += added.length;
    if (added.length) {
      empty.hidden = true;
      fresh.textContent = `${newRuns} new since opened`;
    }
    added = [];
    while (tbody.children.length > PAGE) { rows.delete(tbody.lastElementChild.dataset.run); tbody.lastElementChild.remove(); }
    for (const [run, event] of changed) {
      const tr = rows.get(run);
      if (!tr) continue;
      tr.dataset.status = event.status;
      tr.querySelector(".cell-status").replaceChildren(statusBadge(event.status));
      tr.querySelector(".cell-attempt").textContent = event.attempt;
      tr.classList.remove("flash");
      touched.push(tr);
    }
    changed.clear();
    // a few changed rows flash; a busy feed changes too many for that to help, and the animations would keep the
    // page repainting while events wait
    if (touched.length <= 10) requestAnimationFrame(() => touched.forEach((tr) => tr.classList.add("flash")));
  };
  const feed = new Follow(`/api/events${feedQuery.toString() ? `?${feedQuery}` : ""}`, (type, event) => {
    if (type === "gap") return;
    if (type === "created" && !rows.has(event.run)) {
      if (!cursor && (!status || status === "queued")) added.push(event);
    } else {
      changed.set(event.run, event);
    }
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 100);
    }
  }, { onState: liveState });
  onLeave(() => feed.stop());
}

// ---- run detail ----

/** One run: what it was given, what it returned, its attempts, and its output as it streams. */
async function runDetail(id) {
  let run = await api(`/api/runs/${id}`);
  const fields = h("dl");
  const input = h("pre", { class: "json", id: "run-input" });
  const outcome = h("pre", { class: "json", id: "run-outcome" });
  const output = h("pre", { id: "run-output", "aria-live": "off" });
  const timeline = h("ol", { class: "timeline", id: "run-timeline" });
  const progress = h("progress", { max: 100, value: 0, hidden: true, "aria-label": "Progress" });
  const progressText = h("span", { class: "muted" });
  const message = h("div");
  const cancel = h("button", { type: "button", class: "danger", id: "cancel", onclick: async () => {
    try { run = await api(`/api/runs/${id}/cancel`, { method: "POST" }); render(); message.replaceChildren(notice(`Cancel asked: ${run.status}`)); } catch (e) { message.replaceChildren(notice(e.message, true)); }
  } }, "Cancel");
  const retry = h("button", { type: "button", id: "retry", onclick: async () => {
    try { const copy = await api(`/api/runs/${id}/retry`, { method: "POST" }); location.hash = `#/runs/${copy.id}`; } catch (e) { message.replaceChildren(notice(e.message, true)); }
  } }, "Retry as a new run");
  const render = () => {
    fields.replaceChildren(...[
      h("dt", {}, "Status"), h("dd", { id: "run-status" }, statusBadge(run.status)),
      h("dt", {}, "Pipeline"), h("dd", {}, run.pipeline), h("dt", {}, "Queue"), h("dd", {}, `${run.queue} · priority ${run.priority}`),
      h("dt", {}, "Attempt"), h("dd", { id: "run-attempt" }, run.attempt),
      h("dt", {}, "Created"), h("dd", {}, fmtTime(run.createdAt)),
      run.scheduledFor ? [h("dt", {}, "Due"), h("dd", {}, fmtTime(run.scheduledFor))] : null,
      h("dt", {}, "Started"), h("dd", {}, fmtTime(run.startedAt) || "–"),
      h("dt", {}, "Ended"), h("dd", {}, fmtTime(run.completedAt) || "–"),
      run.schedule ? [h("dt", {}, "Schedule"), h("dd", {}, run.schedule.name)] : null].flat().filter(Boolean));
    input.textContent = JSON.stringify(run.input ?? null, null, 2);
    outcome.textContent = run.status === "failed" ? run.error : JSON.stringify(run.result ?? null, null, 2);
    cancel.disabled = !["queued", "running"].includes(run.status);
    retry.disabled = !["failed", "cancelled"].includes(run.status);
  };
  render();
  main.replaceChildren(h("h1", {}, `Run ${id}`), message,
    h("div", { class: "toolbar" }, cancel, retry),
    h("div", { class: "detail" },
      h("div", {}, h("h2", {}, "Run"), fields, h("h2", {}, "Input"), input, h("h2", {}, "Result or error"), outcome),
      h("div", {}, h("h2", {}, "Attempts"), timeline, h("h2", {}, "Output"), h("div", {}, progress, progressText), output)));

  const note = (id, text) => timeline.append(h("li", {}, h("time", {}, id ? fmtClock(entryMs(id)) : ""), text));
  const follow = new Follow(`/api/runs/${id}/events`, (type, data, eventId) => {
    switch (type) {
      case "status":
        run.status = data.status;
        if (data.attempt) run.attempt = data.attempt;
        note(eventId, data.status === "running" ? `attempt ${data.attempt} running` : data.status === "queued" ? `attempt ${data.attempt} failed, waiting for a retry` : `${data.status}`);
        render();
        break;
      case "reset":
        output.textContent = "";
        note(eventId, `attempt ${data.attempt} starts over: earlier output discarded`);
        break;
      case "output":
        output.append(data.chunk);
        output.scrollTop = output.scrollHeight;
        break;
      case "progress":
        progress.hidden = false; progress.value = data.percent;
        progressText.textContent = ` ${data.percent} %${data.message ? ` · ${data.message}` : ""}`;
        break;
      case "error":
        note(eventId, `error${data.retryable ? " (will retry)" : ""}: ${data.message}`);
        break;
      case "result":
        run.result = data.result;
        render();
        break;
      case "gap":
        run = data.snapshot;
        note(null, "some events are no longer kept: showing the run as it is");
        render();
        break;
      case "end":
        run = data;
        render();
        setLive(null);
        break;
      default:
    }
  }, { onState: liveState });
  onLeave(() => follow.stop());
}

// ---- queues, workers, schedules ----

/** Every queue's figures, read again every two seconds (Redis, not PostgreSQL). */
async function queues() {
  const tbody = h("tbody");
  const stamp = h("p", { class: "muted", role: "status" });
  const read = async () => {
    const list = await api("/api/queues");
    tbody.replaceChildren(...list.map((q) => h("tr", { dataset: { queue: q.name } },
      h("td", {}, q.name), h("td", { class: "num" }, fmtNum(q.lag)), h("td", { class: "num" }, fmtNum(q.pending)),
      h("td", { class: "num" }, fmtNum(q.delayed)), h("td", { class: "num" }, fmtMs(q.oldestPendingAgeMs)),
      h("td", { class: "num" }, fmtNum(q.waitingOnLimit)),
      h("td", { class: "num" }, q.deadLetters ? h("a", { href: `#/queues/${encodeURIComponent(q.name)}/dead-letters` },
        fmtNum(q.deadLetters)) : "0"),
      h("td", { class: "num" }, fmtNum(q.workers)), h("td", { class: "num" }, fmtNum(q.length)))));
    stamp.textContent = `Read at ${new Date().toLocaleTimeString()}`;
  };
  await read();
  main.replaceChildren(h("h1", {}, "Queues"),
    h("table", { id: "queues" }, h("thead", {}, h("tr", {}, ["Queue", "Waiting", "In progress", "Delayed", "Oldest in progress",
      "Held by limits", "Dead letters", "Workers", "Stream length"].map((t, i) => h("th", { class: i ? "num" : null }, t)))), tbody),
    stamp);
  const timer = setInterval(() => read().catch(() => {}), 2000);
  onLeave(() => clearInterval(timer));
}

/** A queue's dead letters of this tenant's runs: inspect, requeue one as a new run, purge them all. */
async function deadLetters(queue) {
  const message = h("div");
  const tbody = h("tbody");
  let next = null;
  const more = h("button", { type: "button", hidden: true, onclick: () => load(next) }, "Older →");
  const load = async (cursor) => {
    const page = await api(`/api/queues/${encodeURIComponent(queue)}/dead-letters?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
    if (!cursor) tbody.replaceChildren();
    page.items.forEach((d) => tbody.append(h("tr", { dataset: { entry: d.id } },
      h("td", {}, fmtTime(d.at)), h("td", {}, h("a", { href: `#/runs/${d.runId}` }, d.runId)), h("td", {}, d.pipeline),
      h("td", {}, d.reason), h("td", { class: "muted" }, d.id),
      h("td", {}, h("button", { type: "button", class: "requeue", onclick: async (e) => {
        try {
          const run = await api(`/api/queues/${encodeURIComponent(queue)}/dead-letters/${d.id}/requeue`, { method: "POST" });
          e.target.closest("tr").remove();
          message.replaceChildren(notice(`Requeued as run ${run.id}`));
        } catch (err) { message.replaceChildren(notice(err.message, true)); }
      } }, "Requeue")))));
    next = page.next;
    more.hidden = !next;
    if (!tbody.children.length) tbody.append(h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No dead letters of your runs.")));
  };
  await load(null);
  const purge = h("button", { type: "button", class: "danger", id: "purge", onclick: async () => {
    if (!window.confirm(`Remove every dead letter of your runs from ${queue}?`)) return;
    try {
      const { purged } = await api(`/api/queues/${encodeURIComponent(queue)}/dead-letters`, { method: "DELETE" });
      message.replaceChildren(notice(`Purged ${purged} dead letters`));
      await load(null);
    } catch (err) { message.replaceChildren(notice(err.message, true)); }
  } }, "Purge all");
  main.replaceChildren(h("h1", {}, `Dead letters of ${queue}`), message, h("div", { class: "toolbar" }, purge),
    h("table", { id: "dead-letters" }, h("thead", {}, h("tr", {}, ["Dead-lettered", "Run", "Pipeline", "Why", "Entry", ""]
      .map((t) => h("th", {}, t)))), tbody), h("div", { class: "pager" }, more));
}

/** The live workers as each last told itself, and the pipelines they serve; read again every five seconds. */
async function workers() {
  const workerRows = h("tbody");
  const pipelineRows = h("tbody");
  const stamp = h("p", { class: "muted", role: "status" });
  const ago = (iso) => `${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))} s ago`;
  const read = async () => {
    const [live, list] = await Promise.all([api("/api/workers"), api("/api/pipelines")]);
    workerRows.replaceChildren(...live.map((w) => h("tr", { dataset: { worker: w.id } },
      h("td", {}, w.id), h("td", {}, w.queues.join(", ")), h("td", {}, w.pipelines.join(", ")),
      h("td", { class: "num" }, w.concurrency), h("td", { class: "num cell-in-flight" }, w.inFlight),
      h("td", {}, fmtTime(w.startedAt)), h("td", {}, ago(w.heartbeatAt)))));
    if (!live.length) workerRows.replaceChildren(h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No live worker.")));
    pipelineRows.replaceChildren(...list.map((p) => h("tr", {}, h("td", {}, p.name), h("td", {}, p.queue),
      h("td", {}, (p.queues || []).join(", ")), h("td", { class: "num" }, p.workers),
      h("td", {}, (p.unavailable || []).map((u) => `${u.worker}: ${u.reason} (retry ${fmtTime(u.retryAt)})`).join("; ") || "–"))));
    stamp.textContent = `Read at ${new Date().toLocaleTimeString()}`;
  };
  await read();
  main.replaceChildren(h("h1", {}, "Workers"),
    h("table", { id: "workers" }, h("thead", {}, h("tr", {}, h("th", {}, "Worker"), h("th", {}, "Queues"),
      h("th", {}, "Pipelines"), h("th", { class: "num" }, "Concurrency"), h("th", { class: "num" }, "In flight"),
      h("th", {}, "Started"), h("th", {}, "Last heartbeat"))), workerRows),
    h("h2", {}, "Pipelines"),
    h("table", { id: "pipelines" }, h("thead", {}, h("tr", {}, h("th", {}, "Pipeline"), h("th", {}, "Own queue"),
      h("th", {}, "Served on"), h("th", { class: "num" }, "Live workers"), h("th", {}, "Unavailable on"))), pipelineRows),
    stamp);
  const timer = setInterval(() => read().catch(() => {}), 5000);
  onLeave(() => clearInterval(timer));
}

async function schedules() {
  const { schedules: list } = await api("/api/schedules");
  main.replaceChildren(h("h1", {}, "Schedules"),
    list.length ? h("table", { id: "schedules" }, h("thead", {}, h("tr", {}, ["Name", "Pipeline", "Cron", "Zone", "Next", "Last run", "Fired", "Skipped", "Missed", "State"]
      .map((t) => h("th", {}, t)))),
    h("tbody", {}, list.map((s) => h("tr", {}, h("td", {}, s.name), h("td", {}, s.pipeline), h("td", {}, s.cron), h("td", {}, s.timeZone),
      h("td", {}, fmtTime(s.nextTick)), h("td", {}, s.lastRunId ? h("a", { href: `#/runs/${s.lastRunId}` }, s.lastRunId.slice(0, 8)) : "–"),
      h("td", { class: "num" }, s.fired), h("td", { class: "num" }, s.skipped), h("td", { class: "num" }, s.missed),
      h("td", {}, s.paused ? "paused" : "active")))))
      : h("div", { class: "empty" }, "No schedules. Make one with PUT /api/schedules/{name}."));
}

// ---- submit ----

async function submit(query = "") {
  const params = new URLSearchParams(query.replace(/^\?/, ""));
  const pipelines = await api("/api/pipelines");
  const pipeline = h("select", { name: "pipeline", id: "submit-pipeline", required: true },
    pipelines.map((p) => h("option", { value: p.name, selected: p.name === params.get("pipeline") }, p.name)));
  const queue = h("input", { name: "queue", placeholder: "the pipeline's own" });
  const priority = h("select", { name: "priority" }, [1, 2, 3, 4].map((p) => h("option", { value: p, selected: p === 2 }, p)));
  const delay = h("input", { name: "delay", placeholder: "e.g. PT5M (none: now)" });
  const input = h("textarea", { name: "input", id: "submit-input", rows: 8, cols: 60, spellcheck: "false" }, params.get("input") || "{}");
  const message = h("div");
  const form = h("form", { class: "login", style: "max-width:640px;margin:0", onsubmit: async (e) => {
    e.preventDefault();
    let body;
    try {
      body = { pipeline: pipeline.value, input: JSON.parse(input.value || "null"), priority: Number(priority.value) };
    } catch (err) {
      message.replaceChildren(notice(`Input is not JSON: ${err.message}`, true));
      return;
    }
    if (queue.value.trim()) body.queue = queue.value.trim();
    if (delay.value.trim()) body.delay = delay.value.trim();
    try {
      const run = await api("/api/runs", { method: "POST", body });
      location.hash = `#/runs/${run.id}`;
    } catch (err) {
      message.replaceChildren(notice(err.message, true));
    }
  } },
  message,
  h("label", {}, "Pipeline", pipeline), h("label", {}, "Queue", queue), h("label", {}, "Priority (1 first)", priority),
  h("label", {}, "Delay", delay), h("label", {}, "Input (JSON)", input),
  h("button", { type: "submit", class: "primary", id: "submit-run" }, "Submit run"));
  main.replaceChildren(h("h1", {}, "Submit a run"), pipelines.length ? form : notice("No worker has advertised a pipeline yet.", true));
}

route();
