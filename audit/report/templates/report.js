// Filtering, sorting, search and details for the status report. No network,
// no dependencies; reads the escaped JSON index and never builds HTML from data.
(function () {
  "use strict";
  var index = JSON.parse(document.getElementById("audit-index").textContent);
  var table = document.getElementById("table");
  // Rows are rendered in index order: row i of the index is tBodies[i].
  var bodies = {};
  Array.prototype.forEach.call(table.tBodies, function (tb, i) { bodies[i] = tb; });
  var q = document.getElementById("q");
  var fState = document.getElementById("f-state");
  var fKind = document.getElementById("f-kind");
  var fRegion = document.getElementById("f-region");
  var shown = document.getElementById("shown");
  var nomatch = document.getElementById("nomatch");
  var expandAll = document.getElementById("expand");
  var problems = { dead: 1, suspect: 1, moved: 1, blocked: 1, flaky: 1 };
  var sort = { key: "sev", dir: 1 };
  var collator = new Intl.Collator(["ru", "en"], { sensitivity: "base", numeric: true });

  function setDetail(tb, open) {
    var detail = tb.querySelector("tr.detail");
    var btn = tb.querySelector("button.more");
    detail.hidden = !open;
    btn.setAttribute("aria-expanded", open ? "true" : "false");
  }
  // Details start open (readable without script and on paper); fold them now.
  Object.keys(bodies).forEach(function (i) { setDetail(bodies[i], false); });
  table.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button.more");
    if (btn) { setDetail(btn.closest("tbody"), btn.getAttribute("aria-expanded") !== "true"); return; }
    var sb = ev.target.closest("th button[data-sort]");
    if (sb) {
      var key = sb.getAttribute("data-sort");
      sort = { key: key, dir: sort.key === key ? -sort.dir : 1 };
      applySort();
      save();
    }
  });
  expandAll.addEventListener("click", function () {
    var open = expandAll.getAttribute("aria-pressed") !== "true";
    expandAll.setAttribute("aria-pressed", open ? "true" : "false");
    expandAll.textContent = open ? "Collapse all" : "Expand all";
    Object.keys(bodies).forEach(function (i) { setDetail(bodies[i], open); });
  });

  function matches(r, words) {
    var st = fState.value;
    if (st === "problems" ? !problems[r.state] : st && r.state !== st) return false;
    if (fKind.value && r.kind !== fKind.value) return false;
    if (fRegion.value && r.region !== fRegion.value) return false;
    if (!words.length) return true;
    var text = searchText(r.i);
    for (var k = 0; k < words.length; k++) if (text.indexOf(words[k]) < 0) return false;
    return true;
  }
  // Search covers what the row shows (name, kind, region, address, citation, verdict,
  // reason, outcome, evidence, page title, sources, notes), read from the page itself
  // on the first search rather than shipped twice in the index.
  var SEARCHED = ".name, .chip, .url, .cited code, .badge, .reason, .outcome, .q";
  var texts = {};
  function searchText(i) {
    if (texts[i] === undefined) {
      var parts = [];
      bodies[i].querySelectorAll(SEARCHED).forEach(function (el) { parts.push(el.textContent); });
      texts[i] = parts.join(" ").toLocaleLowerCase();
    }
    return texts[i];
  }
  function applyFilter() {
    var words = q.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    var n = 0;
    index.forEach(function (r) {
      var ok = matches(r, words);
      bodies[r.i].hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n === index.length ? index.length + " resources" : "Showing " + n + " of " + index.length;
    nomatch.hidden = n > 0;
    document.querySelectorAll(".card[data-state]").forEach(function (c) {
      c.setAttribute("aria-pressed", fState.value === c.getAttribute("data-state") ? "true" : "false");
    });
  }
  function cmp(a, b) {
    var k = sort.key, x = a[k], y = b[k];
    var empty = function (z) { return z === null || z === ""; };
    if (empty(x) !== empty(y)) return empty(x) ? 1 : -1; // blanks last either way
    var c = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
    if (c === 0 && k !== "sev") c = a.sev - b.sev;
    if (c === 0) c = collator.compare(a.name, b.name);
    return c * sort.dir;
  }
  function applySort() {
    index.slice().sort(cmp).forEach(function (r) { table.appendChild(bodies[r.i]); });
    table.querySelectorAll("th[aria-sort]").forEach(function (th) {
      var key = th.querySelector("button").getAttribute("data-sort");
      th.setAttribute("aria-sort", key === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none");
    });
  }
  // Filters live in the URL fragment, so a filtered view can be bookmarked or shared.
  function save() {
    var p = new URLSearchParams();
    if (q.value) p.set("q", q.value);
    if (fState.value) p.set("verdict", fState.value);
    if (fKind.value) p.set("kind", fKind.value);
    if (fRegion.value) p.set("region", fRegion.value);
    if (sort.key !== "sev" || sort.dir !== 1) p.set("sort", (sort.dir < 0 ? "-" : "") + sort.key);
    try { history.replaceState(null, "", p.toString() ? "#" + p.toString() : location.pathname + location.search); } catch (e) { /* file: URLs in some browsers */ }
  }
  function load() {
    var p = new URLSearchParams(location.hash.slice(1));
    var pick = function (sel, val) {
      if (val && Array.prototype.some.call(sel.options, function (o) { return o.value === val; })) sel.value = val;
    };
    q.value = p.get("q") || "";
    pick(fState, p.get("verdict"));
    pick(fKind, p.get("kind"));
    pick(fRegion, p.get("region"));
    var s = p.get("sort");
    if (s && /^-?(name|sev|http|checked|failing)$/.test(s)) sort = { key: s.replace("-", ""), dir: s.charAt(0) === "-" ? -1 : 1 };
  }
  function update() { applyFilter(); save(); }
  [fState, fKind, fRegion].forEach(function (el) { el.addEventListener("change", update); });
  q.addEventListener("input", update);
  document.getElementById("toolbar").addEventListener("submit", function (ev) { ev.preventDefault(); });
  document.getElementById("reset").addEventListener("click", function () {
    q.value = ""; fState.value = ""; fKind.value = ""; fRegion.value = "";
    sort = { key: "sev", dir: 1 };
    applySort(); update();
  });
  document.querySelectorAll(".card[data-state]").forEach(function (card) {
    card.addEventListener("click", function () {
      var st = card.getAttribute("data-state");
      fState.value = fState.value === st ? "" : st;
      update();
      document.getElementById("resources").scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && document.activeElement !== q && !/INPUT|SELECT|TEXTAREA/.test(document.activeElement.tagName)) {
      ev.preventDefault(); q.focus();
    }
  });
  // A link to one resource (from "changes", or shared as #r-<id>) clears the
  // filters that could hide it, opens its details and brings it into view.
  function reveal(id) {
    var tb = document.getElementById(id);
    if (!tb || !tb.classList.contains("res")) return false;
    if (tb.hidden) { q.value = ""; fState.value = ""; fKind.value = ""; fRegion.value = ""; applyFilter(); }
    setDetail(tb, true);
    tb.scrollIntoView({ block: "center" });
    tb.classList.remove("flash");
    void tb.offsetWidth; // restart the highlight animation
    tb.classList.add("flash");
    return true;
  }
  document.querySelectorAll("a.ch-name").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      if (reveal(a.getAttribute("href").slice(1))) ev.preventDefault();
    });
  });
  var target = location.hash.indexOf("#r-") === 0 ? location.hash.slice(1) : null;
  if (!target) load();
  applySort();
  applyFilter();
  if (target) reveal(decodeURIComponent(target));
})();
