/* 抽取结果在线核验：不需要服务器，不上传任何数据。浏览器下载本次抽取公开的 record.json、
   commitment.json 和 pool.csv，用 WebCrypto（SHA-256）在本机重新计算承诺值、种子、
   候选名录哈希、每家单位的排序值和抽取结果，与公布的记录逐项比对。算法与
   shuangsui.draw.algorithm（select_targets）相同，见“如何验证抽取”和 check.py。
   结果写在 data-verify-result 属性中：checking（核验中）、match（一致）、
   partial（已核验的各项一致，有的项目无从核验，如承诺时已给定公开随机数）、
   mismatch（不一致）、pending（尚未抽取）、unavailable（本浏览器无法核验）、
   error（文件未能下载）。未启用脚本时页面照常显示，可下载文件用 check.py 核验。 */
(function () {
  "use strict";
  var box = document.getElementById("verify-draw");
  if (!box) { return; }
  var ALGORITHM = "shuangsui-draw-v1";
  var HEADER = "uscc,stratum,department,industry";
  var KEY = "K", OTHER = "O";
  var BATCH = 2048; // 每批计算的排序值个数（两批同时进行）
  var status = box.querySelector(".verify-status") || box.appendChild(document.createElement("p"));
  var HEX = [];
  for (var i = 0; i < 256; i++) { HEX.push((i < 16 ? "0" : "") + i.toString(16)); }

  function say(result, text) {
    box.setAttribute("data-verify-result", result);
    status.textContent = text;
  }

  if (!(window.crypto && window.crypto.subtle && window.fetch && window.TextDecoder && window.Promise)) {
    say("unavailable", "本浏览器不支持在线核验（需通过 https 访问，并使用较新版本的浏览器）。请下载下列文件，用 check.py 核验。");
    return;
  }
  if (window.location.protocol === "file:") {
    say("unavailable", "本页从本地文件打开，浏览器不允许读取同一文件夹中的其他文件，无法在线核验。请通过网站访问本页，或下载下列文件后用 check.py 核验。");
    return;
  }
  var enc = new TextEncoder();

  function hex(buf) {
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) { s += HEX[b[i]]; }
    return s;
  }
  function sha256(data) {
    return crypto.subtle.digest("SHA-256", typeof data === "string" ? enc.encode(data) : data);
  }
  async function sha256hex(data) { return hex(await sha256(data)); }
  function short(h) { return typeof h === "string" && h.length > 16 ? h.slice(0, 16) + "…" : String(h); }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function pct(x) { return Math.round(x * 100) + "%"; }

  // 记录中的时刻（UTC，如 2026-11-26T13:15:00Z 或带微秒）换算为微秒数；无法识别时为 null
  function moment(text) {
    if (typeof text !== "string") { return null; }
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$/.exec(text);
    if (!m) { return null; }
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    return ms * 1000 + (m[7] ? +(m[7] + "00000").slice(0, 6) : 0);
  }

  async function download(url, name) {
    var r = await fetch(url, { cache: "no-cache" });
    if (!r.ok) { throw new Error("未能下载 " + name + "（HTTP " + r.status + "）"); }
    return new Uint8Array(await r.arrayBuffer());
  }

  function json(bytes) {
    try { return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)); } catch (e) { return undefined; }
  }

  // 所需重点单位家数：ceil(round(n × key_share, 9))（与 algorithm.key_quota 相同）
  function keyQuota(n, share) {
    var v = n * share, r = Math.round(v);
    return Math.abs(v - r) <= 5e-10 ? r : Math.ceil(v);
  }

  // 排序值比较：SHA-256 原始字节按字典序比较，与其小写十六进制比较结果相同；相同时比信用代码
  function less(a, b) {
    if (a.h !== b.h) { return a.h < b.h; }
    for (var i = 4; i < 32; i++) {
      if (a.d[i] !== b.d[i]) { return a.d[i] < b.d[i]; }
    }
    return a.u < b.u;
  }

  // 保留排序值最小的 k 个（大顶堆，堆顶为其中最大者）
  function Lowest(k) { this.k = k; this.a = []; }
  Lowest.prototype.offer = function (x) {
    var a = this.a, i, p, c;
    if (a.length < this.k) {
      a.push(x);
      for (i = a.length - 1; i > 0; i = p) {
        p = (i - 1) >> 1;
        if (!less(a[p], a[i])) { break; }
        c = a[p]; a[p] = a[i]; a[i] = c;
      }
    } else if (this.k > 0 && less(x, a[0])) {
      a[0] = x;
      for (i = 0; ; i = c) {
        var l = 2 * i + 1, r = l + 1;
        c = i;
        if (l < a.length && less(a[c], a[l])) { c = l; }
        if (r < a.length && less(a[c], a[r])) { c = r; }
        if (c === i) { break; }
        p = a[c]; a[c] = a[i]; a[i] = p;
      }
    }
  };
  Lowest.prototype.sorted = function () {
    return this.a.slice().sort(function (x, y) { return less(x, y) ? -1 : (less(y, x) ? 1 : 0); });
  };

  // 候选名录：逐行读取信用代码和类别，并检查格式（表头、每行四项、按信用代码排序、每家一次）
  function readPool(text) {
    var lines = text.split("\n"), usccs = [], strata = [], problems = [], key = 0;
    if (lines[0] !== HEADER) { problems.push("第1行应为表头 " + HEADER); }
    for (var n = 1; n < lines.length; n++) {
      var line = lines[n];
      if (!line) { continue; }
      var c1 = line.indexOf(","), c2 = line.indexOf(",", c1 + 1), c3 = line.indexOf(",", c2 + 1);
      if (c1 < 0 || c2 < 0 || c3 < 0 || line.indexOf(",", c3 + 1) >= 0) {
        problems.push("第" + (n + 1) + "行应有4项（信用代码、类别、科室、行业）");
        break;
      }
      var u = line.slice(0, c1), s = line.slice(c1 + 1, c2);
      if (s !== KEY && s !== OTHER) {
        problems.push("第" + (n + 1) + "行类别为“" + s + "”，应为 K 或 O");
        break;
      }
      var prev = usccs[usccs.length - 1];
      if (prev !== undefined && prev >= u) {
        problems.push("第" + (n + 1) + "行单位 " + u + (prev === u ? " 重复出现" : " 排在 " + prev + " 之后") + "（应按信用代码排序，每家一次）");
        break;
      }
      usccs.push(u);
      strata.push(s);
      if (s === KEY) { key++; }
    }
    if (!text.endsWith("\n")) { problems.push("文件末尾缺少换行"); }
    return { usccs: usccs, strata: strata, key: key, problems: problems };
  }

  // 与 algorithm.select_targets 相同：重点类取排序值最小的 key_quota 家，其余从一般类取；
  // 一般类不足时由重点类补足。不能抽取时返回 refusal（规则编号 R1 或 R4）。
  async function selectTargets(pool, seed, drawId, n, share, allowShortfall, progress) {
    var total = pool.usccs.length;
    if (!(typeof n === "number" && n >= 1 && Math.floor(n) === n)) {
      return { refusal: "R1", why: "抽取家数应不少于1家，记录为 " + n };
    }
    if (total < n) {
      return { refusal: "R1", why: "候选单位 " + total + " 家，少于抽取家数 " + n + " 家" };
    }
    var need = keyQuota(n, share);
    if (pool.key < need && !allowShortfall) {
      return { refusal: "R4", why: "应抽重点单位 " + need + " 家，候选名录中只有 " + pool.key + " 家" };
    }
    var best = {};
    best[KEY] = new Lowest(n);
    best[OTHER] = new Lowest(n);
    var prefix = seed + "|" + drawId + "|";
    function launch(start) {
      var end = Math.min(total, start + BATCH), jobs = [];
      for (var j = start; j < end; j++) {
        jobs.push(crypto.subtle.digest("SHA-256", enc.encode(prefix + pool.usccs[j])));
      }
      return Promise.all(jobs);
    }
    var pending = total ? launch(0) : null;
    for (var start = 0; start < total; start += BATCH) {
      var next = start + BATCH < total ? launch(start + BATCH) : null;
      var digests = await pending;
      for (var j = 0; j < digests.length; j++) {
        var d = new Uint8Array(digests[j]);
        best[pool.strata[start + j]].offer({
          h: ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0,
          d: d,
          u: pool.usccs[start + j],
        });
      }
      pending = next;
      if ((start / BATCH) % 32 === 31) { progress(start + digests.length, total); }
    }
    var key = best[KEY].sorted(), other = best[OTHER].sorted();
    var takeKey = key.slice(0, need);
    other = other.slice(0, n - takeKey.length);
    takeKey = key.slice(0, n - other.length);
    var picked = takeKey.map(function (x) { return { x: x, s: KEY }; })
      .concat(other.map(function (x) { return { x: x, s: OTHER }; }));
    picked.sort(function (a, b) { return less(a.x, b.x) ? -1 : (less(b.x, a.x) ? 1 : 0); });
    return {
      targets: picked.map(function (p, i) {
        return { position: i + 1, uscc: p.x.u, stratum: p.s, rank: hex(p.x.d) };
      }),
      key: takeKey.length,
      need: need,
    };
  }

  function targetText(t) {
    return t.uscc + "（" + (t.stratum === KEY ? "重点" : t.stratum === OTHER ? "一般" : "类别" + t.stratum) + "，排序值 " + short(t.rank) + "）";
  }

  function compareTargets(mine, recorded) {
    var fields = ["position", "uscc", "stratum", "rank"], differ = [], m = Math.max(mine.length, recorded.length);
    for (var i = 0; i < m; i++) {
      var a = mine[i], b = recorded[i] || {};
      if (!a || !fields.every(function (f) { return a[f] === b[f]; })) { differ.push(i); }
    }
    if (!differ.length) { return null; }
    var i0 = differ[0], text = "第" + (i0 + 1) + "位不一致：";
    if (i0 >= recorded.length) { text += "重新计算应为 " + targetText(mine[i0]) + "，记录中没有这一位"; }
    else if (i0 >= mine.length) { text += "记录为 " + targetText(recorded[i0]) + "，重新计算没有这一位"; }
    else { text += "重新计算应为 " + targetText(mine[i0]) + "，记录为 " + targetText(recorded[i0]); }
    text += "；共 " + m + " 位中有 " + differ.length + " 位不一致";
    if (mine.length !== recorded.length) { text += "（应抽 " + mine.length + " 家，记录 " + recorded.length + " 家）"; }
    return text;
  }

  function show(checks, seconds) {
    var list = box.querySelector("ul.verify-checks");
    if (!list) {
      list = document.createElement("ul");
      list.className = "verify-checks";
      box.appendChild(list);
    }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    checks.forEach(function (c) {
      var li = document.createElement("li");
      li.setAttribute("data-check", c.id);
      li.setAttribute("data-ok", !c.ok ? "false" : c.skip ? "skip" : "true");
      var badge = document.createElement("span");
      badge.className = "badge " + (!c.ok ? "o-bad" : c.skip ? "o-warn" : "o-ok");
      badge.textContent = !c.ok ? "不一致" : c.skip ? "无从核验" : "一致";
      li.appendChild(badge);
      li.appendChild(document.createTextNode(" " + c.name + "：" + c.detail));
      list.appendChild(li);
    });
    var failed = checks.filter(function (c) { return !c.ok; });
    var skipped = checks.filter(function (c) { return c.ok && c.skip; });
    if (failed.length) {
      say("mismatch", "核验结果：不一致。" + failed.map(function (c) { return c.name; }).join("、") + "未通过核验（见下列各项）。下载的文件与本局公布的记录不符，请以本局公布的文件为准，如有疑问请与本局联系。");
    } else if (skipped.length) {
      say("partial", "核验结果：部分核验。已核验的各项均与公布的记录一致，但" + skipped.map(function (c) { return c.name; }).join("、") + "无从核验（见下列各项），因此不能称为完全一致（用时 " + seconds.toFixed(1) + " 秒）。");
    } else {
      say("match", "核验结果：一致。已在本浏览器中按公布的算法重新计算，承诺值、种子、候选名录和抽取结果均与公布的记录一致（用时 " + seconds.toFixed(1) + " 秒）。");
    }
  }

  // 与 shuangsui.draw.verify 的 public source 一项相同
  function checkSourceTiming(rec, pre, abandoned, add) {
    var NAME = "公开随机源时间", src = rec.public_source;
    if (!src) {
      add("source", NAME, true, "本次抽取未指定未来的公开随机源，公开随机数“" + (rec.public_value || "") + "”在承诺时即已给出，无从证明承诺时该数尚未可知", true);
      return;
    }
    var label = (src && (src.label || src.id)) || "公开随机源";
    var committedText = rec.committed_at || pre.committed_at;
    var due = moment(src.due_at), committed = moment(committedText);
    if (due === null || committed === null) {
      add("source", NAME, false, label + "：记录中没有可识别的" + (due === null ? "开奖（发布）时间 due_at" : "承诺时间 committed_at") + "，无从证明承诺时其值尚未可知");
      return;
    }
    if (due <= committed) {
      add("source", NAME, false, label + "的开奖（发布）时间 " + src.due_at + " 不晚于承诺时间 " + committedText + "：承诺时其值可能已经可知");
      return;
    }
    var told = label + "开奖（发布）时间 " + src.due_at + "，晚于承诺时间 " + committedText;
    if (abandoned) {
      add("source", NAME, true, told + "；承诺已作废，未使用其值");
      return;
    }
    var entry = rec.public_value_entry && typeof rec.public_value_entry === "object" ? rec.public_value_entry : {};
    if (entry.at === null || entry.at === undefined) {
      add("source", NAME, true, told + "；记录中没有录入时间，录入是否在开奖之后无从核验", true);
      return;
    }
    var at = moment(entry.at), drawn = rec.drawn_at === null || rec.drawn_at === undefined ? null : moment(rec.drawn_at);
    if (at === null || (drawn === null && rec.drawn_at !== null && rec.drawn_at !== undefined)) {
      add("source", NAME, false, label + "：录入时间或抽取时间不是可识别的时刻");
    } else if (at < due) {
      add("source", NAME, false, "开奖号码录入时间 " + entry.at + " 早于" + label + "的开奖（发布）时间 " + src.due_at + "：录入的不可能是该期的结果");
    } else if (drawn !== null && at > drawn) {
      add("source", NAME, false, "开奖号码录入时间 " + entry.at + " 晚于抽取时间 " + rec.drawn_at + "：记录显示抽取在录入之前");
    } else {
      add("source", NAME, true, told + "；开奖号码于 " + entry.at + " 录入" + (drawn !== null ? "，早于抽取时间 " + rec.drawn_at : ""));
    }
  }

  async function verify() {
    var t0 = Date.now();
    say("checking", "正在核验：下载抽取记录和候选名录……");
    var files;
    try {
      files = await Promise.all([
        download(box.getAttribute("data-record"), "record.json"),
        download(box.getAttribute("data-commitment"), "commitment.json"),
        download(box.getAttribute("data-pool"), "pool.csv"),
      ]);
    } catch (e) {
      say("error", "无法完成核验：" + (e && e.message ? e.message : "文件未能下载") + "。请刷新本页重试，或下载下列文件后用 check.py 核验。");
      return;
    }
    var rec = json(files[0]), pre = json(files[1]), raw = files[2], checks = [];
    function add(id, name, ok, detail, skip) { checks.push({ id: id, name: name, ok: ok, detail: detail, skip: !!skip }); }
    if (!rec || typeof rec !== "object") {
      add("record", "抽取记录", false, "record.json 不是有效的 UTF-8 JSON 文件");
      show(checks, 0);
      return;
    }
    if (!pre || typeof pre !== "object") {
      add("record", "抽取前公布的承诺", false, "commitment.json 不是有效的 UTF-8 JSON 文件");
      pre = {};
    }
    if (typeof rec.secret !== "string") {
      say("pending", "本次抽取的秘密值 secret 尚未公开，抽取后可在本页核验。");
      return;
    }
    var drawId = box.getAttribute("data-draw");
    var recOk = rec.draw_id === drawId && rec.algorithm === ALGORITHM;
    add("record", "抽取记录", recOk, recOk
      ? "record.json 为抽查任务 " + drawId + " 的记录，算法 " + ALGORITHM
      : "record.json 的任务编号为 " + rec.draw_id + "、算法为 " + rec.algorithm + "，应为 " + drawId + "、" + ALGORITHM);

    // 一、承诺值：SHA-256(secret) 应等于抽取前公布的承诺值
    var commit = await sha256hex(rec.secret);
    if (commit !== rec.commitment) {
      add("commitment", "承诺值", false, "SHA-256(secret) 为 " + commit + "，记录中的承诺值为 " + rec.commitment + "：公开的 secret 不是抽取前承诺的 secret");
    } else if (pre.commitment !== rec.commitment) {
      add("commitment", "承诺值", false, "record.json 中的承诺值 " + short(rec.commitment) + " 与抽取前公布的 commitment.json 中的 " + short(pre.commitment) + " 不同");
    } else {
      add("commitment", "承诺值", true, "SHA-256(secret) = " + short(commit) + "，与抽取前公布的承诺值一致");
    }

    // 二、种子：SHA-256(secret|公开随机数)，或指定公开随机源的抽取 SHA-256(secret|随机源标识|开奖号码)
    var source = rec.public_source && typeof rec.public_source === "object" && typeof rec.public_source.id === "string" && rec.public_source.id ? rec.public_source.id : null;
    var value = rec.public_value || "";
    var abandoned = rec.status === "abandoned";
    var seed = null;
    if (!abandoned) {
      seed = await sha256hex(source ? rec.secret + "|" + source + "|" + value : rec.secret + "|" + value);
      var how = source
        ? "SHA-256(secret + \"|\" + 公开随机源标识“" + source + "” + \"|\" + 开奖号码“" + value + "”)"
        : "SHA-256(secret + \"|\" + 公开随机数“" + value + "”)";
      add("seed", "种子", seed === rec.seed, seed === rec.seed
        ? how + " = " + short(seed) + "，与记录一致"
        : how + " 为 " + seed + "，记录为 " + rec.seed + "；以下按重新计算的种子核对抽取结果");
    }

    // 公开随机源的时间：开奖（发布）晚于承诺，开奖号码在开奖之后、抽取之前录入；作废的只核对前者
    checkSourceTiming(rec, pre, abandoned, add);

    // 三、候选名录：文件哈希、家数、重点单位家数和格式
    var info = rec.pool || {}, preInfo = pre.pool || {}, problems = [];
    var poolHash = await sha256hex(raw);
    if (poolHash !== info.sha256) { problems.push("pool.csv 的 SHA-256 为 " + poolHash + "，记录中的候选名录哈希为 " + info.sha256); }
    if (preInfo.sha256 !== info.sha256) { problems.push("记录中的候选名录哈希 " + short(info.sha256) + " 与抽取前公布的 " + short(preInfo.sha256) + " 不同"); }
    var pool = null, text = null;
    try { text = new TextDecoder("utf-8", { fatal: true }).decode(raw); } catch (e) { problems.push("pool.csv 不是 UTF-8 文本"); }
    if (text !== null) {
      pool = readPool(text);
      problems = problems.concat(pool.problems);
      if (pool.usccs.length !== info.size) { problems.push("pool.csv 列出 " + pool.usccs.length + " 家单位，记录为 " + info.size + " 家"); }
      var keyWant = "key" in info ? info.key : preInfo.key;
      if (keyWant !== undefined && pool.key !== keyWant) { problems.push("pool.csv 中重点单位（K）" + pool.key + " 家，公布的为 " + keyWant + " 家"); }
      if (pool.problems.length) { pool = null; }
    }
    add("pool", "候选名录", !problems.length, problems.length ? problems.slice(0, 3).join("；") + (problems.length > 3 ? "（另有 " + (problems.length - 3) + " 处）" : "")
      : "pool.csv 的 SHA-256 = " + short(poolHash) + "，与公布的候选名录哈希一致；共 " + pool.usccs.length + " 家单位（其中重点 " + pool.key + " 家），按统一社会信用代码排序，每家一行");

    // 四、抽取参数：应与抽取前公布的承诺相同
    var params = rec.params || {}, preParams = pre.params || {}, differ = [];
    [["units", "抽取家数"], ["key_share", "重点单位比例"], ["allow_shortfall", "重点单位不足时是否准许抽取"]].forEach(function (f) {
      if (!same(params[f[0]], preParams[f[0]])) { differ.push(f[1] + "（记录为 " + JSON.stringify(params[f[0]]) + "，承诺时为 " + JSON.stringify(preParams[f[0]]) + "）"); }
    });
    var preSource = pre.public_source && typeof pre.public_source === "object" ? pre.public_source.id || null : null;
    if (preSource !== source) { differ.push("公开随机源（记录为 " + source + "，承诺时为 " + preSource + "）"); }
    var share = typeof params.key_share === "number" ? params.key_share : 0.5;
    add("params", "抽取参数", !differ.length, differ.length ? "与抽取前公布的承诺不同：" + differ.join("；")
      : "抽取家数 " + params.units + " 家，重点单位不低于 " + pct(share) + (source ? "，公开随机源 " + source : "") + "，与抽取前公布的承诺一致");

    // 五、抽取结果：重新计算每家单位的排序值 SHA-256(seed|任务编号|信用代码)，分类取最小者
    if (abandoned) {
      add("targets", "抽取结果", true, "本承诺已作废，未据以抽取，只核对承诺值和候选名录");
    } else if (!pool) {
      add("targets", "抽取结果", false, "候选名录无法读取，未能重新计算");
    } else {
      var recorded = Array.isArray(rec.targets) ? rec.targets : [];
      var got = await selectTargets(pool, seed, rec.draw_id, params.units, share, params.allow_shortfall === true, function (done, total) {
        say("checking", "正在核验：已计算 " + done + " / " + total + " 家单位的排序值……");
      });
      if (got.refusal) {
        var code = typeof rec.refusal === "string" ? rec.refusal.split(/[\s:(]/)[0] : null;
        var ok = rec.status === "refused" && !recorded.length && code === got.refusal;
        add("targets", "抽取结果", ok, ok
          ? "按规则 " + got.refusal + " 不能抽取（" + got.why + "），与记录一致"
          : "按规则 " + got.refusal + " 不能抽取（" + got.why + "），而记录的状态为 " + rec.status + "、抽取 " + recorded.length + " 家" + (rec.refusal ? "、未能抽取的理由为 " + rec.refusal : ""));
      } else if (rec.status === "refused" && !recorded.length) {
        add("targets", "抽取结果", true, "重新计算抽取 " + got.targets.length + " 家；本次在随机选派检查人员时未能完成（检查人员名录不公开，检查组不在线核验）");
      } else {
        var diff = compareTargets(got.targets, recorded);
        add("targets", "抽取结果", diff === null, diff || "重新计算全部 " + pool.usccs.length + " 家单位的排序值，抽取 " + got.targets.length + " 家（重点 " + got.key + " 家，" + (got.key < got.need ? "少于应抽的 " + got.need + " 家，经批准按实有家数抽取" : "应不少于 " + got.need + " 家") + "），抽取单位及其顺序与公布的记录一致");
      }
    }
    show(checks, (Date.now() - t0) / 1000);
  }

  verify().catch(function (e) {
    say("error", "核验未能完成：" + (e && e.message ? e.message : String(e)) + "。请刷新本页重试，或下载下列文件后用 check.py 核验。");
  });
})();
