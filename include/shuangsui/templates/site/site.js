/* 站内检索：不需要服务器。索引在 search-index.js 中（以 <script> 加载，file:// 下也可用）；
   网址中的 ?q= 会在打开时自动检索，例如 index.html?q=化工。 */
(function () {
  "use strict";
  var box = document.getElementById("q");
  var out = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var index = window.SHUANGSUI_SEARCH || [];
  if (!box || !out) { return; }
  var root = out.getAttribute("data-root") || "";
  var LIMIT = 50;

  function norm(s) { return String(s || "").toLowerCase().replace(/[\s\u3000]+/g, ""); }

  function cls(outcome) {
    return outcome === "未发现问题" ? "o-ok" : (outcome === "立案查处" ? "o-bad" : "o-warn");
  }

  function render(raw) {
    var q = norm(raw);
    while (out.firstChild) { out.removeChild(out.firstChild); }
    if (!q) { status.textContent = "可按单位名称、统一社会信用代码或行业检索（共 " + index.length + " 家已公示单位）。"; return; }
    var hits = index.filter(function (e) {
      return norm(e.n).indexOf(q) >= 0 || norm(e.u).indexOf(q) >= 0 || norm(e.i) === q;
    });
    status.textContent = hits.length ? "找到 " + hits.length + " 家单位" + (hits.length > LIMIT ? "，显示前 " + LIMIT + " 家" : "") + "：" : "未找到与“" + raw + "”相符的已公示单位。";
    hits.slice(0, LIMIT).forEach(function (e) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + e.h;
      a.textContent = e.n;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      var badge = document.createElement("span");
      badge.className = "badge " + cls(e.o);
      badge.textContent = e.o;
      li.appendChild(badge);
      var sub = document.createElement("span");
      sub.className = "sub";
      sub.textContent = e.u + " · " + e.i + " · 整改：" + e.r + " · 公示于 " + e.d;
      li.appendChild(sub);
      out.appendChild(li);
    });
  }

  var q0 = "";
  try { q0 = new URLSearchParams(window.location.search).get("q") || ""; } catch (err) { q0 = ""; }
  box.value = q0;
  render(q0);
  box.addEventListener("input", function () { render(box.value); });
})();
