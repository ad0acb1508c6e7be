# 抽取结果验证脚本（只需 Python 3 标准库）：核对承诺值、种子、候选名录哈希和抽取结果。
# 用法：在抽查任务的文件夹中运行  python3 check.py record.json pool.csv
# 每一行都应为 True，最后一行应为 MATCH。算法说明见 verify.html。
import hashlib, json, math, sys
H = lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()
rec = json.load(open(sys.argv[1], encoding="utf-8"))
raw = open(sys.argv[2] if len(sys.argv) > 2 else "pool.csv", "rb").read()
print("commitment", H(rec["secret"]) == rec["commitment"])
seed = H(rec["secret"] + "|" + (rec["public_value"] or ""))
print("seed      ", seed == rec["seed"])
print("pool hash ", hashlib.sha256(raw).hexdigest() == rec["pool"]["sha256"])
lines = raw.decode("utf-8").split("\n")
assert lines[0] == "uscc,stratum,department,industry"
strata = {"K": [], "O": []}
for line in filter(None, lines[1:]):
    uscc, stratum = line.split(",")[:2]
    strata[stratum].append((H(seed + "|" + rec["draw_id"] + "|" + uscc), uscc, stratum))
n, p = rec["params"]["units"], rec["params"]
need = math.ceil(round(n * p["key_share"], 9))
key, other = sorted(strata["K"]), sorted(strata["O"])
other = other[:n - min(need, len(key))]
picked = sorted(key[:n - len(other)] + other)
mine = [{"position": i, "uscc": c, "stratum": s, "rank": r} for i, (r, c, s) in enumerate(picked, 1)]
print("targets   ", "MATCH" if mine == rec["targets"] else "MISMATCH")
