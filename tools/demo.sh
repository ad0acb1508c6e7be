#!/usr/bin/env bash
# The demo, through `make demo`: the business database and Airflow's metadata database, then
# real Airflow DAG runs on the bundled sample data — registry sync, annual plans, round 3
# of the plans as two-phase draws (commit published, 演示 source value entered and
# confirmed, approval by the configured leader), one abandoned commitment, demonstration
# results, publication and the report to the 管委会 — and `shuangsui verify` of every draw.
# HITL steps are answered by tools/airflow_run.py as the named users; the Airflow UI path
# is `make airflow-ui`.
set -euo pipefail
cd "$(dirname "$0")/.."
logs="$SHUANGSUI_DATA_DIR/demo-logs"
mkdir -p "$logs" "$SHUANGSUI_DATA_DIR/landing"

# A mail sink on localhost stands in for the bureau's SMTP server: every email becomes an
# .eml file in $SHUANGSUI_DATA_DIR/mail.
port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python tools/mail_sink.py "$SHUANGSUI_DATA_DIR/mail" --port "$port" &
sink=$!
trap 'kill $sink 2>/dev/null' EXIT
export AIRFLOW_CONN_SMTP_DEFAULT="{\"conn_type\": \"smtp\", \"host\": \"127.0.0.1\", \"port\": $port, \"extra\": {\"disable_ssl\": true, \"disable_tls\": true}}"

echo "== business database: $SHUANGSUI_DATA_DIR/shuangsui.db"
shuangsui migrate
echo "== Airflow metadata database: $AIRFLOW_HOME"
airflow db migrate >"$logs/airflow-db-migrate.log" 2>&1

echo "== landing the bundled sample directories (3,000 units, 60 inspectors, 40 conflicts)"
cp include/shuangsui/samples/registry/*.csv "$SHUANGSUI_DATA_DIR/landing/"
# One realistic flaw so the quarantine and the report have something to show.
cp tests/fixtures/bad/enterprises_bad_check_digit.csv "$SHUANGSUI_DATA_DIR/landing/enterprises_update.csv"

echo "== airflow dags test registry_sync (log: $logs/registry_sync.log)"
airflow dags test registry_sync -c "{\"source\": \"$SHUANGSUI_DATA_DIR/landing\"}" \
  >"$logs/registry_sync.log" 2>&1 || { tail -40 "$logs/registry_sync.log"; exit 1; }
grep -o "DagRun Finished: dag_id=registry_sync.*state=[a-z]*" "$logs/registry_sync.log" | sed 's/logical_date.*state=/... state=/'

echo "== the business database now"
shuangsui status
shuangsui verify-audit
summary=$(ls -t "$SHUANGSUI_DATA_DIR"/reports/registry_sync/*.json | head -1)
python - "$summary" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for entity, c in d["summary"]["entities"].items():
    print(f"{entity:12} inserted {c['inserted']:>5}  updated {c['updated']:>5}  delisted {c['delisted']:>5}")
print(f"quarantined findings (new this run): {d['summary']['quarantine_new']}")
for s in d["sections"]:
    for f in s["findings"]:
        print(f"  {s['source'].split('/')[-1]} row {f['row']}, {f['column']} {f['value']!r}: {f['message']} [{f['rule']}]")
PY
echo "== data-quality report: $SHUANGSUI_DATA_DIR/reports/registry_sync/latest.html"

echo "== annual plans 2026 (年度监督检查计划) through the annual_plan DAG"
airflow dags test annual_plan -c "{\"file\": \"$PWD/include/shuangsui/samples/plans/annual_plan_2026.csv\"}" \
  >"$logs/annual_plan.log" 2>&1 || { tail -40 "$logs/annual_plan.log"; exit 1; }
# Two-phase draws: the commitment names a future public source and is published on the
# site at once; the run waits (deferred) until that source has drawn; a clerk enters the
# value and a second clerk confirms it; then the draw. The demo uses the 演示 source (drawn
# 10 s after commit; its value is six random digits "entered" by the demo as clerk and
# confirmed as clerk2); a real draw names a lottery draw (福彩3D, 体彩排列三/五).
export SHUANGSUI_DEMO_SOURCE=1 SHUANGSUI_DEMO_SOURCE_DELAY=10
echo "== double_random_draw, round 3 of the plans: commit, publish, wait for the 演示 source,"
echo "   value entered and confirmed, draw, approval by the configured leader (demo mode only)"
python tools/airflow_run.py double_random_draw --approve-as leader \
  --conf '{"from_plan": true, "round": 3, "source": "demo"}' >"$logs/double_random_draw.log" 2>&1 \
  || { tail -40 "$logs/double_random_draw.log"; exit 1; }
tail -1 "$logs/double_random_draw.log"
echo "== a special draw whose source held no draw: the commitment is abandoned (作废), stays public"
python tools/airflow_run.py double_random_draw --approve-as leader \
  --abandon "演示：该期未开奖，承诺作废" \
  --conf '{"department": "综合监督管理科", "units": 3, "kind": "专项治理", "source": "demo"}' \
  >"$logs/double_random_draw_abandoned.log" 2>&1 \
  || { tail -40 "$logs/double_random_draw_abandoned.log"; exit 1; }
tail -1 "$logs/double_random_draw_abandoned.log"
shuangsui draws --teams 3
echo "== verify every draw from its published record"
for rec in "$SHUANGSUI_DATA_DIR"/draws/*/record.json; do
  echo "-- shuangsui verify $rec"
  shuangsui verify "$rec" | tail -1
done
echo "== draw records (record.json, pool.csv, roster.csv, commitment.json): $SHUANGSUI_DATA_DIR/draws/"
echo "== notices (检查通知书, 执法检查任务单, 抽查结果; DOCX and HTML): $SHUANGSUI_DATA_DIR/documents/"
find "$SHUANGSUI_DATA_DIR/documents" -type f | sed 's/.*\.//' | sort | uniq -c
echo "== emails to the inspectors and the 分管领导 (.eml files): $SHUANGSUI_DATA_DIR/mail/"
ls "$SHUANGSUI_DATA_DIR/mail" | wc -l

echo "== demonstration results (演示数据) through the results_intake DAG"
mkdir -p "$SHUANGSUI_DATA_DIR/results"
# Dated today in China (the command's default), never before the draw's China day.
shuangsui demo-results "$SHUANGSUI_DATA_DIR/results/demo_results.csv"
airflow dags test results_intake -c "{\"source\": \"$SHUANGSUI_DATA_DIR/results\"}" \
  >"$logs/results_intake.log" 2>&1 || { tail -40 "$logs/results_intake.log"; exit 1; }
echo "== publication DAG: publish what is ready, deadlines, the public site"
airflow dags test publication >"$logs/publication.log" 2>&1 || { tail -40 "$logs/publication.log"; exit 1; }
grep -o "published [0-9]* result(s).*" "$logs/publication.log" | head -1
echo "== public site (静态网页, open data): $SHUANGSUI_DATA_DIR/site/index.html"
airflow dags test management_report >"$logs/management_report.log" 2>&1 \
  || { tail -40 "$logs/management_report.log"; exit 1; }
echo "== report to the 管委会 (HTML, DOCX): $SHUANGSUI_DATA_DIR/reports/management/"
echo "== credit records of serious violations: $SHUANGSUI_DATA_DIR/site/data/credit_records.csv"
echo "== audit trail"
shuangsui verify-audit
echo "== Airflow UI on this data: make airflow-ui, then http://localhost:8080"
