#!/usr/bin/env bash
# `make airflow-ui`: the Airflow UI on the demo's data, ready to use. A mail sink stands in
# for the bureau's SMTP server (every mail an .eml file in $SHUANGSUI_DATA_DIR/mail) and is
# the smtp_default connection; the business database is migrated, and loaded with the
# bundled sample directories and plans if `make demo` has not run; the bureau's users get
# passwords (kept in the file Airflow's simple auth manager reads, printed below); every
# DAG is unpaused, so schedules, the outbox and publication run; then `airflow standalone`
# (scheduler, dag-processor, triggerer, api-server on $AIRFLOW_UI_PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SHUANGSUI_DATA_DIR:?}" "${AIRFLOW_HOME:?}" "${AIRFLOW_UI_USERS:?}"
port=${AIRFLOW_UI_PORT:-8080}
mail_port=${SHUANGSUI_MAIL_PORT:-8025}
logs="$SHUANGSUI_DATA_DIR/airflow-ui-logs"
mkdir -p "$logs" "$SHUANGSUI_DATA_DIR/mail" "$AIRFLOW_HOME"

python tools/mail_sink.py "$SHUANGSUI_DATA_DIR/mail" --port "$mail_port" &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
export AIRFLOW_CONN_SMTP_DEFAULT="{\"conn_type\": \"smtp\", \"host\": \"127.0.0.1\", \"port\": $mail_port, \"extra\": {\"disable_ssl\": true, \"disable_tls\": true}}"
# The demo's data: the 演示 public source may be chosen (shown as 演示随机源 everywhere).
export SHUANGSUI_DEMO_SOURCE=${SHUANGSUI_DEMO_SOURCE:-1}
export AIRFLOW__API__PORT=$port AIRFLOW__API__BASE_URL=${AIRFLOW__API__BASE_URL:-http://localhost:$port}
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=$AIRFLOW_UI_USERS
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False

echo "== business database and Airflow's metadata database"
shuangsui migrate
airflow db migrate >"$logs/airflow-db-migrate.log" 2>&1 || { tail -20 "$logs/airflow-db-migrate.log"; exit 1; }
status=$(shuangsui status)
if grep -qE '^enterprises +listed +0 ' <<<"$status"; then
  echo "== no directories yet: loading the bundled samples and the 2026 plans"
  shuangsui sync include/shuangsui/samples/registry
  shuangsui plan include/shuangsui/samples/plans/annual_plan_2026.csv
fi

echo "== users (Airflow simple auth manager; passwords kept in the file below)"
passwords="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
python - "$passwords" "$AIRFLOW_UI_USERS" <<'PY'
import json, secrets, sys
from pathlib import Path

path, users = Path(sys.argv[1]), [u.split(":") for u in sys.argv[2].split(",")]
known = json.loads(path.read_text()) if path.exists() else {}
for name, _ in users:
    known.setdefault(name, secrets.token_urlsafe(9))
path.write_text(json.dumps(known, indent=2))
path.chmod(0o600)
roles = {"clerk": "科室工作人员（录入）", "clerk2": "科室工作人员（核对）", "leader": "分管领导",
         "deputy": "分管领导（副）", "admin": "系统管理员"}
for name, role in users:
    print(f"   {name:8} {known[name]:14} {roles.get(name, role)}")
print(f"   (file: {path})")
PY

echo "== unpausing the DAGs"
airflow dags reserialize >"$logs/reserialize.log" 2>&1 || true
for f in dags/*.py; do
  airflow dags unpause "$(basename "$f" .py)" >>"$logs/unpause.log" 2>&1 || true
done
echo "== mail: $SHUANGSUI_DATA_DIR/mail (.eml), public site: $SHUANGSUI_DATA_DIR/site/index.html"
echo "== Airflow UI: http://localhost:$port (Ctrl-C stops it)"
airflow standalone
