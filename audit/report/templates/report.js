// Filtering, sorting, search and details for the status report. No network,
// no dependencies; reads the escaped JSON index and never builds HTML from data.
(function () {
  "use strict";
  var index = JSON.parse(document.getElementById("audit-index").textContent);
  var L = JSON.parse(document.getElementById("audit-labels").textContent);
  var lang = document.documentElement.lang || "en";
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }
  var num = new Intl.NumberFormat(lang);
  var plural = new Intl.PluralRules(lang);
  function counted(forms, n) { return fill(forms[plural.select(n)] || forms.other, { count: num.format(n) }); }

  // Relative times ("7 d ago") are computed now, when the page is opened, from each
  // <time class="ago">'s datetime; the absolute date stays in its title and on paper.
  var rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" });
  function ago(iso, now) {
    var s = (Date.parse(iso) - now) / 1000, a = Math.abs(s);
    if (a < 90 * 60) return rtf.format(Math.round(s / 60), "minute");
    if (a < 36 * 3600) return rtf.format(Math.round(s / 3600), "hour");
    return rtf.format(Math.round(s / 86400), "day");
  }
  function relative(root) {
    var now = Date.now();
    root.querySelectorAll("time.ago").forEach(function (t) { t.textContent = ago(t.getAttribute("datetime"), now); });
  }
  relative(document);
  var table = document.getElementById("table");
  // Rows are rendered in index order: row i of the index is tBodies[i].
  var bodies = {};
  Array.prototype.forEach.call(table.tBodies, function (tb, i) { bodies[i] = tb; });
  var q = document.getElementById("q");
  var fState = document.getElementById("f-state");
  var fKind = document.getElementById("f-kind");
  var fRegion = document.getElementById("f-region");
  var fDoc = document.getElementById("f-doc");
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
  // Details start folded (in the HTML itself: folding thousands of rows from the
  // script cost a layout each); the button opens them.
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
    expandAll.textContent = open ? L.collapse : L.expand;
    Object.keys(bodies).forEach(function (i) { setDetail(bodies[i], open); });
  });

  // Past the page's row limit the rest of the rows come as compact arrays (PAGED:
  // id, severity, name, shown address, link (1: the shown address, 0: none), outcome,
  // HTTP status, checked (ISO), kind, region, documents; words are indices into
  // data.words) and are built a page at a time, as text nodes: no data ever becomes
  // markup.
  var PAGE = 100;
  var dateFmt = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
  var paged = (function () {
    var el = document.getElementById("audit-paged");
    var none = { rows: [], filter: function () { return 0; } };
    if (!el) return none;
    var data = JSON.parse(el.textContent), w = data.words;
    var rows = data.rows.map(function (a) {
      var url = a[3], href = a[4] === 1 ? url : (a[4] || null), outcome = w[a[5]];
      return { id: a[0], sev: a[1], state: data.states[a[1]], name: a[2], shownUrl: url, href: href,
        outcome: outcome, http: a[6] || null, checked: a[7], kind: w[a[8]], region: w[a[9]], docs: a[10],
        text: (a[2] + " " + url + " " + w[a[8]] + " " + w[a[9]] + " " + outcome).toLocaleLowerCase() };
    });
    var body = document.getElementById("paged-body"), at = document.getElementById("page-at");
    var prev = document.getElementById("page-prev"), next = document.getElementById("page-next");
    var hits = rows, page = 0;
    function node(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text !== undefined && text !== null) e.textContent = String(text);
      return e;
    }
    function row(r) {
      var tr = node("tr", "s-" + r.state), c = node("td", "c-res");
      c.appendChild(node("div", "name", r.name));
      if (r.href) { var a = node("a", "url", r.shownUrl); a.href = r.href; a.rel = "noopener noreferrer nofollow"; c.appendChild(a); }
      else if (r.shownUrl) c.appendChild(node("span", "url", r.shownUrl));
      tr.appendChild(c);
      var v = node("td"); v.appendChild(node("span", "badge b-" + r.state, L["state-" + r.state])); tr.appendChild(v);
      var o = node("td");
      if (r.outcome) { o.appendChild(node("span", "outcome", r.outcome)); if (r.http) o.appendChild(node("span", "http", "HTTP " + r.http)); }
      else o.appendChild(node("span", "none", r.shownUrl ? L.never : "—"));
      tr.appendChild(o);
      var d = node("td", "c-date");
      if (r.checked) {
        var t = node("time", "ago", dateFmt.format(new Date(r.checked)));
        t.setAttribute("datetime", r.checked);
        d.appendChild(t);
      }
      tr.appendChild(d);
      return tr;
    }
    function show() {
      var frag = document.createDocumentFragment(), end = Math.min(hits.length, (page + 1) * PAGE);
      for (var k = page * PAGE; k < end; k++) frag.appendChild(row(hits[k]));
      body.replaceChildren(frag);
      relative(body);
      at.textContent = hits.length ? fill(L.page, { first: num.format(page * PAGE + 1), last: num.format(end), count: num.format(hits.length) }) : "";
      prev.disabled = page === 0;
      next.disabled = end >= hits.length;
      document.getElementById("paged").hidden = hits.length === 0;
    }
    prev.addEventListener("click", function () { page = Math.max(0, page - 1); show(); });
    next.addEventListener("click", function () { page += 1; show(); });
    return {
      rows: rows,
      filter: function (words) {
        hits = rows.filter(function (r) { return matches(r, words); });
        if (sort.key !== "sev" || sort.dir !== 1) hits.sort(cmp);
        page = 0;
        show();
        return hits.length;
      }
    };
  })();

  function matches(r, words) {
    var st = fState.value;
    if (st === "problems" ? !problems[r.state] : st && r.state !== st) return false;
    if (fKind.value && r.kind !== fKind.value) return false;
    if (fRegion.value && r.region !== fRegion.value) return false;
    if (fDoc.value && r.docs.indexOf(+fDoc.value) < 0) return false;
    if (!words.length) return true;
    var text = r.text !== undefined ? r.text : searchText(r.i);
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
    var total = index.length + paged.rows.length;
    n += paged.filter(words);
    shown.textContent = n === total ? counted(L.all, total) : fill(L.shown, { shown: num.format(n), count: num.format(total) });
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
    if (fDoc.value) p.set("doc", fDoc.value);
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
    pick(fDoc, p.get("doc"));
    var s = p.get("sort");
    if (s && /^-?(name|sev|http|checked|failing)$/.test(s)) sort = { key: s.replace("-", ""), dir: s.charAt(0) === "-" ? -1 : 1 };
  }
  function update() { applyFilter(); save(); }
  [fState, fKind, fRegion, fDoc].forEach(function (el) { el.addEventListener("change", update); });
  q.addEventListener("input", update);
  document.getElementById("toolbar").addEventListener("submit", function (ev) { ev.preventDefault(); });
  document.getElementById("reset").addEventListener("click", function () {
    q.value = ""; fState.value = ""; fKind.value = ""; fRegion.value = ""; fDoc.value = "";
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
    if (tb.hidden) { q.value = ""; fState.value = ""; fKind.value = ""; fRegion.value = ""; fDoc.value = ""; applyFilter(); }
    setDetail(tb, true);
    tb.scrollIntoView({ block: "center" });
    tb.classList.remove("flash");
    void tb.offsetWidth; // restart the highlight animation
    tb.classList.add("flash");
    return true;
  }
  document.querySelectorAll("button.doclink").forEach(function (b) {
    b.addEventListener("click", function () {
      fDoc.value = fDoc.value === b.getAttribute("data-doc") ? "" : b.getAttribute("data-doc");
      update();
      document.getElementById("resources").scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
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
  // For tests and the bench: the page is built and interactive.
  document.documentElement.setAttribute("data-ready", "");
})();
