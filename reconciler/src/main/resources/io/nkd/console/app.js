// nkd's web console: plain JavaScript, no framework, no build step. It reads the same JSON API the CLI reads
// (/api/v1/clusters, …/NAME/history), follows /api/v1/events (Server-Sent Events) to update without reloading,
// and builds every element with the DOM API (never innerHTML), so nothing from the API is ever parsed as HTML.
"use strict";

const TOKEN_KEY = "nkd.apiToken"; // sessionStorage only: never a cookie, never a URL
const state = { clusters: new Map(), commits: new Map(), commitList: [], live: false, view: null };

// ---- small helpers -------------------------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function short(id) { return id ? id.slice(0, 12) : "—"; }

/** "45 s", "3 min", "2 h", "5 d". */
function duration(s) {
  return s < 60 ? s + " s" : s < 3600 ? Math.round(s / 60) + " min" : s < 86400 ? Math.round(s / 3600) + " h" : Math.round(s / 86400) + " d";
}

function secondsSince(t) { return Math.round((Date.now() - t.getTime()) / 1000); }

function when(iso) {
  if (!iso) return "—";
  const t = new Date(iso);
  const s = secondsSince(t);
  return h("time", { datetime: iso, title: t.toISOString() }, s < 5 ? "just now" : duration(s) + " ago");
}

/** "for 3 min": how long a state has lasted, its start in the tooltip. */
function lasting(iso) {
  const t = new Date(iso);
  return h("time", { datetime: iso, title: "since " + t.toISOString() }, "for " + duration(Math.max(0, secondsSince(t))));
}

function phaseClass(p) {
  return { READY: "ok", PROVISIONING: "info", ROLLOUT_PENDING: "info", PENDING: "info", PAUSED: "warn", UNMANAGED: "warn",
    DEGRADED: "bad", FAILED: "bad", UNKNOWN: "warn", Completed: "ok", Progressing: "info", Pending: "info", Paused: "warn",
    Degraded: "bad", Updated: "ok", Updating: "info", Failed: "bad", TRUE: "ok", FALSE: "bad",
    ready: "ok", READY_NODE: "ok", failed: "bad", FAILED_NODE: "bad", NOT_READY: "bad", APPLIED: "ok", REFUSED: "bad",
    ROLLOUT: "info", UNCHANGED: "" }[p] || "";
}

function badge(text, cls) { return h("span", { class: "badge " + (cls === undefined ? phaseClass(text) : cls) }, text || "—"); }

function condition(s, type) { return (s.conditions || []).find(c => c.type === type); }

function commitCell(id) {
  if (!id) return "—";
  const c = state.commits.get(id);
  const idText = h("code", { title: id }, short(id));
  return h("span", {}, c && c.url ? h("a", { href: c.url, rel: "noopener noreferrer", target: "_blank" }, idText) : idText, c ? [" ", c.subject,
    h("span", { class: "muted" }, " · ", c.author, " · "), when(c.time)] : null);
}

/** updated / updating / pending / failed nodes: the rollout's count when there is one, else config fetched vs desired. */
function nodeCounts(s) {
  const n = { updated: 0, updating: 0, pending: 0, failed: 0 };
  const rollout = s.rollout && s.rollout.nodes && s.rollout.nodes.length ? s.rollout.nodes : null;
  if (rollout) {
    for (const r of rollout) n[(r.state || "Pending").toLowerCase()] = (n[(r.state || "Pending").toLowerCase()] || 0) + 1;
    return n;
  }
  for (const node of s.nodes || []) {
    if (node.phase === "FAILED") n.failed++;
    else if (node.currentVersion && node.currentVersion === node.desiredVersion) n.updated++;
    else n.pending++;
  }
  return n;
}

/** "clusters/x/cluster.yaml:12:5" in an error message: the place to fix. */
function errorLocation(message) {
  const m = /([\w./-]+\.(?:ya?ml|bu|json|ign)):(\d+)(?::(\d+))?/.exec(message || "");
  return m ? m[0] : null;
}

async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((body && body.error) || ("HTTP " + r.status));
  return body;
}

// ---- data ----------------------------------------------------------------------------------------------------

async function loadClusters() {
  const list = await getJson("/api/v1/clusters");
  state.clusters = new Map(list.map(s => [s.name, s]));
}

let commitsLoading = null;
function loadCommits() {
  if (!commitsLoading) {
    commitsLoading = getJson("/api/v1/commits").then(list => {
      state.commitList = list;
      state.commits = new Map(list.map(c => [c.id, c]));
    }).catch(() => {}).finally(() => { commitsLoading = null; });
  }
  return commitsLoading;
}

function connect() {
  const es = new EventSource("/api/v1/events");
  const live = document.getElementById("live");
  es.addEventListener("open", () => { state.live = true; live.textContent = "live"; live.className = "live on"; });
  es.addEventListener("error", () => { state.live = false; live.textContent = "reconnecting…"; live.className = "live off"; });
  es.addEventListener("cluster", e => {
    const s = JSON.parse(e.data);
    const before = state.clusters.get(s.name);
    state.clusters.set(s.name, s);
    const known = id => !id || state.commits.has(id);
    const refresh = !known(s.appliedRevision) || !known(s.attemptedRevision) ? loadCommits() : Promise.resolve();
    refresh.then(() => changed(s.name, before, s));
  });
  es.addEventListener("removed", e => {
    const { name } = JSON.parse(e.data);
    state.clusters.delete(name);
    changed(name, null, null);
  });
}

function changed(name, before, after) {
  if (state.view && state.view.update) state.view.update(name, before, after);
}

// ---- views ---------------------------------------------------------------------------------------------------

function main() { return document.getElementById("main"); }

function show(view, title) {
  state.view = view;
  document.title = title + " · nkd";
  const m = main();
  m.replaceChildren(...view.nodes);
  for (const a of document.querySelectorAll("nav a")) {
    a.toggleAttribute("aria-current", false);
  }
  const nav = document.getElementById(view.nav);
  if (nav) nav.setAttribute("aria-current", "page");
}

function clusterList() {
  const filter = h("input", { id: "filter", type: "search", placeholder: "name, provider, phase, reason, pool", autocomplete: "off" });
  const tbody = h("tbody", { id: "clusters" });
  const count = h("p", { class: "muted", id: "cluster-count", "aria-live": "polite" });
  const view = {
    nav: "nav-clusters",
    nodes: [h("h1", {}, "Clusters"),
      h("div", { class: "toolbar" }, h("label", { for: "filter" }, "Filter", filter)),
      count,
      h("div", { class: "table-wrap" }, h("table", { "aria-describedby": "cluster-count" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Cluster"), h("th", { scope: "col" }, "Provider"),
          h("th", { scope: "col" }, "Phase"),
          h("th", { scope: "col" }, "Ready"), h("th", { scope: "col" }, "Applied commit"),
          h("th", { scope: "col", class: "hide-narrow" }, "API server"), h("th", { scope: "col", class: "hide-narrow" }, "Pools"),
          h("th", { scope: "col" }, "Nodes"))),
        tbody))],
    update() {
      const q = filter.value.trim().toLowerCase();
      const rows = [];
      let shown = 0;
      for (const s of [...state.clusters.values()].sort((a, b) => a.name.localeCompare(b.name))) {
        const ready = condition(s, "Ready");
        const text = [s.name, s.provider, s.phase, ready && ready.reason, ready && ready.message, ...(s.pools || []).map(p => p.name)]
          .join(" ").toLowerCase();
        if (q && !text.includes(q)) continue;
        shown++;
        const n = nodeCounts(s);
        rows.push(h("tr", { "data-cluster": s.name },
          h("td", {}, h("a", { href: "#/clusters/" + encodeURIComponent(s.name) }, s.name)),
          h("td", { class: "provider" }, s.provider || "—"),
          h("td", { class: "phase" }, badge(s.phase)),
          h("td", { class: "msg" }, ready ? [badge(ready.reason, phaseClass(s.phase)), " ", h("span", { class: "muted" }, ready.message || "")] : "—"),
          h("td", { class: "applied" }, commitCell(s.appliedRevision)),
          h("td", { class: "hide-narrow" }, apiServer(s)),
          h("td", { class: "hide-narrow" }, (s.pools || []).map(p => h("div", {}, p.name, ": ", h("code", {}, p.renderedVersion)))),
          h("td", { class: "counts" }, h("span", { title: "updated / updating / pending / failed" },
            `${n.updated} updated · ${n.updating} updating · ${n.pending} pending · ${n.failed} failed`))));
      }
      tbody.replaceChildren(...rows);
      count.textContent = shown === state.clusters.size ? `${shown} cluster(s)` : `${shown} of ${state.clusters.size} cluster(s)`;
    }
  };
  filter.addEventListener("input", () => view.update());
  view.update();
  return view;
}

function apiServer(s) {
  const k = s.kubernetes;
  return k && k.server ? h("span", { title: k.server }, k.server.replace(/^https?:\/\//, "")) : "—";
}

function clusterPage(name) {
  const body = h("div", { id: "cluster-body" });
  const history = h("div", { id: "history" }, h("p", { class: "muted" }, "Loading history…"));
  const tokenInput = h("input", { id: "api-token", type: "password", autocomplete: "off", spellcheck: "false",
    value: sessionStorage.getItem(TOKEN_KEY) || "" });
  const result = h("p", { id: "reconcile-result", role: "status", "aria-live": "polite" });
  const button = h("button", { id: "reconcile", type: "button" }, "Reconcile now");
  button.addEventListener("click", () => reconcile(name, tokenInput, button, result));
  let historyTimer = null;
  const loadHistory = () => getJson("/api/v1/clusters/" + encodeURIComponent(name) + "/history")
    .then(list => history.replaceChildren(historyTable(list)))
    .catch(e => history.replaceChildren(h("p", { class: "bad" }, "History: " + e.message)));
  const view = {
    nav: "nav-clusters",
    nodes: [h("p", {}, h("a", { href: "#/" }, "← Clusters")), h("h1", {}, "Cluster ", h("span", { id: "cluster-name" }, name)),
      h("section", { "aria-labelledby": "actions-h" }, h("h2", { id: "actions-h" }, "Actions"),
        h("div", { class: "toolbar" },
          h("label", { for: "api-token" }, "API token (kept in this tab only)", tokenInput), button), result),
      body, h("h2", {}, "History"), history],
    update(changedName) {
      if (changedName && changedName !== name) return;
      const s = state.clusters.get(name);
      // what a section leaves out is null: never drawn (replaceChildren would write "null")
      body.replaceChildren(...(s ? clusterDetails(s) : [h("p", { class: "bad" }, "No cluster named " + name + ".")]).filter(x => x != null));
      if (changedName) {
        clearTimeout(historyTimer);
        historyTimer = setTimeout(loadHistory, 150);
      }
    }
  };
  view.update();
  loadHistory();
  return view;
}

async function reconcile(name, tokenInput, button, result) {
  const token = tokenInput.value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
  button.disabled = true;
  result.className = "";
  result.textContent = "Requesting…";
  try {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const r = await fetch("/api/v1/clusters/" + encodeURIComponent(name) + "/reconcile", { method: "POST", headers });
    const body = await r.json().catch(() => ({}));
    if (r.status === 202) {
      result.className = "ok";
      result.textContent = "Reconcile of " + name + " requested: nkd fetches the repository and reconciles now.";
    } else {
      result.className = "bad";
      result.textContent = "Refused (" + r.status + "): " + (body.error || r.statusText)
        + (r.status === 401 ? ". Enter the API token (nkd serve --api-token-file, or STATE_DIR/api-token)." : "");
    }
  } catch (e) {
    result.className = "bad";
    result.textContent = "Cannot reach nkd: " + e.message;
  } finally {
    button.disabled = false;
  }
}

function clusterDetails(s) {
  const ready = condition(s, "Ready");
  const out = [];
  out.push(h("dl", { class: "kv", id: "summary" },
    h("dt", {}, "Phase"), h("dd", { id: "phase" }, badge(s.phase)),
    h("dt", {}, "Ready"), h("dd", {}, ready ? [badge(ready.reason, phaseClass(s.phase)), " ", ready.message || ""] : "—"),
    h("dt", {}, "Applied commit"), h("dd", { id: "applied" }, commitCell(s.appliedRevision), s.appliedAt ? [" (applied ", when(s.appliedAt), ")"] : null),
    h("dt", {}, "Attempted commit"), h("dd", { id: "attempted" }, commitCell(s.attemptedRevision)),
    h("dt", {}, "Cluster API"), h("dd", {}, s.kubernetes ? [badge(s.kubernetes.apiReady ? "up" : "down", s.kubernetes.apiReady ? "ok" : "bad"),
      " ", s.kubernetes.apiMessage || "", ` · ${s.kubernetes.nodesJoined} of ${s.kubernetes.nodesExpected} joined, ${s.kubernetes.nodesReady} Ready`] : "not observed"),
    h("dt", {}, "Updated"), h("dd", {}, when(s.updatedAt))));

  if (s.lastError) {
    const e = s.lastError;
    const loc = errorLocation(e.message);
    out.push(h("section", { class: "error-box", id: "last-error", "aria-labelledby": "err-h" },
      h("h2", { id: "err-h" }, "Last error: ", h("span", { class: "bad" }, e.reason)),
      loc ? h("p", {}, "At ", h("code", { class: "location" }, loc)) : null,
      h("pre", { class: "message" }, e.message),
      h("p", { class: "muted" }, "Commit ", h("code", {}, short(e.revision)), " · ", when(e.time),
        e.attempts > 1 ? ` · ${e.attempts} attempts` : "", e.retryAt ? [" · retry ", when(e.retryAt)] : " · waits for a new commit")));
  }

  out.push(h("h2", {}, "Conditions"), table(["Type", "Status", "Reason", "Message", "Since"],
    (s.conditions || []).map(c => [c.type, badge(c.status), c.reason, h("span", { class: "msg" }, c.message || ""), when(c.lastTransitionTime)]),
    "conditions"));

  out.push(h("h2", {}, "Pools"), table(["Pool", "Rendered version", "Nodes"],
    (s.pools || []).map(p => [p.name, h("code", {}, p.renderedVersion), (s.nodes || []).filter(n => n.pool === p.name).length]), "pools"));

  const r = s.rollout;
  if (r) {
    out.push(h("h2", {}, "Rollout"), h("dl", { class: "kv", id: "rollout" },
      h("dt", {}, "Phase"), h("dd", {}, badge(r.phase || "—")),
      h("dt", {}, "Target"), h("dd", {}, h("code", {}, r.targetImage || "—"), r.targetKubernetes ? [" · Kubernetes ", r.targetKubernetes] : null),
      h("dt", {}, "Commit"), h("dd", {}, commitCell(r.revision)),
      r.waiting ? [h("dt", {}, "Waiting"), h("dd", {}, r.waiting, r.opensAt ? [" (opens ", when(r.opensAt), ")"] : null)] : null,
      r.message ? [h("dt", {}, "Message"), h("dd", { class: "msg" }, r.message)] : null,
      r.maxUnavailable ? [h("dt", {}, "Batches"), h("dd", { id: "rollout-batch" },
        `control-plane nodes one at a time, first; then up to ${r.maxUnavailable} worker(s) at a time (maxUnavailable)`)] : null,
      h("dt", {}, "Started"), h("dd", {}, when(r.startedAt)),
      r.completedAt ? [h("dt", {}, "Completed"), h("dd", {}, when(r.completedAt))] : null));
    out.push(...rolloutProgress(r));
  }

  const rolloutNode = name => r && r.nodes ? r.nodes.find(n => n.name === name) : null;
  out.push(h("h2", {}, "Nodes"), table(["Node", "Pool", "Machine", "Config: current → desired", "OS image", "Kubernetes", "Rollout", "Since", "Message"],
    (s.nodes || []).map(n => {
      const k = n.kubernetes || {};
      const ro = rolloutNode(n.name);
      const same = n.currentVersion && n.currentVersion === n.desiredVersion;
      return [h("span", { class: "node-name" }, n.name), n.pool, badge(n.phase, phaseClass(n.phase === "READY" ? "READY" : n.phase)),
        h("span", { class: "versions" }, h("code", {}, n.currentVersion || "none"), h("span", { class: "arrow", "aria-label": "to" }, "→"),
          h("code", { class: same ? "ok" : "warn" }, n.desiredVersion || "—")),
        (ro && ro.currentImage) || k.osImage || "—",
        (ro && ro.currentKubernetes) || k.kubeletVersion || "—",
        ro ? h("span", { class: "rollout-state" }, badge(ro.state), ro.step ? " " + ro.step : "", ro.message ? h("div", { class: "muted msg" }, ro.message) : null,
          (ro.blockedBy || []).map(b => h("div", { class: "warn msg" }, "blocked by PodDisruptionBudget ", h("code", {}, b.budget || "?")))) : "—",
        when((ro && ro.since) || n.since), h("span", { class: "msg" }, n.message || (k.message && !k.ready ? k.message : ""))];
    }), "nodes"));

  if (s.addons) {
    const a = s.addons;
    out.push(h("h2", {}, "Add-ons"), h("p", {}, `${a.applied} of ${a.objects} objects applied`),
      (a.errors || []).length ? table(["Add-on", "Object", "Source", "Message"], a.errors.map(e => [e.addon, e.object, h("code", {}, e.source || ""), e.message]), "addon-errors") : null);
  }
  return out;
}

/**
 * The rollout as the Housekeeper moves it: what fails (Degraded names the node), which PodDisruptionBudgets refuse
 * evictions now, the nodes in flight, and the order in batches (the Update's status lists nodes in the order the
 * Housekeeper takes them: control plane first, then by name).
 */
function rolloutProgress(r) {
  const out = [];
  const nodes = r.nodes || [];
  const failed = nodes.filter(n => n.state === "Failed");
  if (r.phase === "Degraded" || failed.length) {
    out.push(h("section", { class: "error-box", id: "rollout-degraded", "aria-labelledby": "degraded-h" },
      h("h3", { id: "degraded-h" }, h("span", { class: "bad" }, "Degraded"), failed.length ? [": ", failed.map(n => n.name).join(", ")] : null),
      failed.length ? h("ul", {}, failed.map(n => h("li", {}, h("strong", { class: "failed-node" }, n.name), n.step ? ` (${n.step})` : "",
        ": ", n.message || "failed"))) : h("p", {}, r.message || ""),
      h("p", { class: "muted" }, "The rollout is halted. Fix the cause and annotate the node housekeeper.io/retry, or push a commit that changes the target.")));
  }
  const blocked = nodes.filter(n => (n.blockedBy || []).length);
  if (blocked.length) {
    out.push(h("section", { class: "warn-box", id: "drain-blocked", "aria-labelledby": "blocked-h" },
      h("h3", { id: "blocked-h" }, h("span", { class: "warn" }, "Drain blocked by PodDisruptionBudgets")),
      h("ul", {}, blocked.flatMap(n => n.blockedBy.map(b => h("li", { class: "blocking-budget" },
        h("strong", {}, n.name), ": evictions refused by ", h("code", { class: "budget" }, b.budget || "an unreadable PodDisruptionBudget"),
        (b.pods || []).length ? [" (pods ", b.pods.flatMap((p, i) => i ? [", ", h("code", {}, p)] : [h("code", {}, p)]), ")"] : null,
        b.since ? [" ", lasting(b.since)] : null)))),
      h("p", { class: "muted" }, "The agent retries until the drain timeout. Let the budget allow a disruption (more replicas, a lower minAvailable), or set evictPodForce.")));
  }
  const inFlight = nodes.filter(n => n.state === "Updating");
  if (inFlight.length) {
    out.push(h("p", { id: "rollout-now" }, "Now: ", inFlight.map(n => h("span", { class: "in-flight" },
      h("strong", {}, n.name), " ", badge(n.step || "Updating", "info"), n.since ? [" ", lasting(n.since)] : null))
      .flatMap((span, i) => i ? [" · ", span] : [span])));
  }
  if (nodes.length) {
    const groups = [["Control plane, one at a time", nodes.filter(n => n.role === "ControlPlane")],
      [r.maxUnavailable ? `Workers, up to ${r.maxUnavailable} at a time` : "Workers", nodes.filter(n => n.role === "Worker")],
      ["Nodes", nodes.filter(n => n.role !== "ControlPlane" && n.role !== "Worker")]];
    out.push(h("div", { id: "rollout-order", "aria-label": "Rollout order" }, groups.filter(g => g[1].length).map(([title, list]) =>
      h("div", { class: "batch" }, h("h3", {}, title), h("ol", { class: "order" }, list.map(n =>
        h("li", { class: "step-node " + (phaseClass(n.state) || "muted"), "data-node": n.name, "data-state": n.state || "Pending" },
          n.name, " ", badge(n.state === "Updating" && n.step ? n.step : n.state || "Pending"))))))));
  }
  return out;
}

function table(headers, rows, id) {
  return h("div", { class: "table-wrap" }, h("table", { id },
    h("thead", {}, h("tr", {}, headers.map(x => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.length ? rows.map(r => h("tr", {}, r.map(c => h("td", {}, c))))
      : h("tr", {}, h("td", { colspan: headers.length, class: "muted" }, "none")))));
}

function historyTable(list) {
  return table(["Applied", "Commit", "Outcome", "Reason", "Message", "Completed"],
    [...list].reverse().map(e => [when(e.time), commitCell(e.revision), badge(e.outcome), e.reason || "",
      h("span", { class: "msg" }, e.message || ""), e.completed ? when(e.completed) : "—"]), "history-table");
}

function planPage(params) {
  const base = h("input", { id: "plan-base", list: "commit-list", required: true, autocomplete: "off", spellcheck: "false" });
  const head = h("input", { id: "plan-head", list: "commit-list", required: true, autocomplete: "off", spellcheck: "false" });
  const datalist = h("datalist", { id: "commit-list" });
  const out = h("div", { id: "plan-result", "aria-live": "polite" });
  const go = h("button", { id: "plan-go", type: "submit" }, "Show plan");
  const fill = () => {
    datalist.replaceChildren(...state.commitList.map(c => h("option", { value: c.id }, short(c.id) + " " + c.subject)));
    if (!base.value && state.commitList[1]) base.value = state.commitList[1].id;
    if (!head.value && state.commitList[0]) head.value = state.commitList[0].id;
  };
  if (params.get("base")) base.value = params.get("base");
  if (params.get("head")) head.value = params.get("head");
  const form = h("form", { class: "toolbar", id: "plan-form" },
    h("label", { for: "plan-base" }, "Base (branch, tag or commit)", base),
    h("label", { for: "plan-head" }, "Head", head), go, datalist);
  form.addEventListener("submit", ev => {
    ev.preventDefault();
    const q = new URLSearchParams({ base: base.value.trim(), head: head.value.trim() });
    const target = "#/plan?" + q;
    if (location.hash !== target) history.replaceState(null, "", target);
    runPlan(base.value.trim(), head.value.trim(), out, go);
  });
  loadCommits().then(fill);
  fill();
  if (params.get("base") && params.get("head")) runPlan(params.get("base"), params.get("head"), out, go);
  return { nav: "nav-plan", nodes: [h("h1", {}, "Plan"),
    h("p", { class: "muted" }, "What the daemon would do going from one revision of the config repository to another: the text of ",
      h("code", {}, "nkd plan --format markdown"), "."), form, out] };
}

async function runPlan(base, head, out, go) {
  go.disabled = true;
  out.replaceChildren(h("p", { class: "muted" }, "Planning…"));
  try {
    const r = await fetch("/api/v1/plan/" + encodeURIComponent(base) + "/" + encodeURIComponent(head), { headers: { Accept: "application/json" } });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      out.replaceChildren(h("p", { class: "error-box bad", id: "plan-error" }, body.error || "HTTP " + r.status));
      return;
    }
    const p = body.plan;
    const rows = [];
    for (const e of p.repositoryErrors || []) rows.push(["(repository)", badge(e.effect), e.summary, e.reason]);
    for (const c of p.clusters || []) for (const a of c.actions || []) rows.push([c.cluster, badge(a.effect, a.effect === "refused" ? "bad" : a.effect === "applied" ? "ok" : "warn"), a.summary, h("span", { class: "msg" }, a.reason || "")]);
    out.replaceChildren(
      h("p", { id: "plan-summary" }, h("code", {}, short(body.base.commit)), " → ", h("code", {}, short(body.head.commit)), ": ", p.summary),
      h("h2", {}, "Actions"), table(["Cluster", "Effect", "Action", "Reason"], rows, "plan-actions"),
      h("h2", {}, "As nkd plan --format markdown prints it"), h("pre", { id: "plan-markdown" }, body.markdown));
  } catch (e) {
    out.replaceChildren(h("p", { class: "error-box bad" }, "Cannot reach nkd: " + e.message));
  } finally {
    go.disabled = false;
  }
}

// ---- routing -------------------------------------------------------------------------------------------------

function route() {
  const hash = location.hash || "#/";
  const [path, query] = hash.slice(1).split("?");
  const m = /^\/clusters\/([^/]+)$/.exec(path);
  if (m) {
    const name = decodeURIComponent(m[1]);
    show(clusterPage(name), name);
  } else if (path === "/plan") {
    show(planPage(new URLSearchParams(query || "")), "Plan");
  } else {
    show(clusterList(), "Clusters");
  }
}

async function start() {
  window.addEventListener("hashchange", () => { route(); main().focus(); });
  try {
    await Promise.all([loadClusters(), loadCommits()]);
  } catch (e) {
    main().replaceChildren(h("p", { class: "error-box bad" }, "Cannot read the API: " + e.message));
    return;
  }
  route();
  // the first view is drawn: marked after the next frame, for the first-paint measurement (bench/README.md)
  requestAnimationFrame(() => setTimeout(() => performance.mark("nkd-first-view"), 0));
  connect();
  // relative times ("3 min ago") stay true without a change
  setInterval(() => { if (state.view && state.view.update && document.activeElement && document.activeElement.tagName !== "INPUT") state.view.update(); }, 30000);
}

start();
