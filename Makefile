# make demo: set up and run the main job on the bundled sample data (SQLite, real Airflow
# DAG runs: registry sync, plans, two-phase draws with approval, results, publication, the
# report; tools/demo.sh). make airflow-ui: the same data in the Airflow UI, ready to use.
# make test: set up and run the tests. make lint: ruff (lint and format) and mypy. All use
# a local .venv; `shuangsui` is in .venv/bin.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATA ?= $(CURDIR)/data

export AIRFLOW_HOME ?= $(DATA)/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DEFAULT_TIMEZONE := Asia/Shanghai
export SHUANGSUI_DATA_DIR ?= $(DATA)
export GX_ANALYTICS_ENABLED := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install demo test lint airflow-ui clean

$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[airflow,test,lint]'
	touch $@

install: $(BIN)/.installed

demo: install
	PATH=$(CURDIR)/$(BIN):$$PATH bash tools/demo.sh

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Configuration in pyproject.toml ([tool.ruff], [tool.mypy]); .pre-commit-config.yaml
# runs the same tools before a commit.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The Airflow UI on the demo's data, ready to use: http://localhost:8080. tools/airflow_ui.sh
# starts a mail sink (smtp_default; mails as .eml in $(DATA)/mail), loads the samples if
# `make demo` has not run, gives the users below passwords (printed, and kept in
# $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated), unpauses every DAG and runs
# `airflow standalone`. Users: admin, 科室 staff (clerk enters a public value, clerk2
# confirms it) and the configured leaders (leader, deputy: see SHUANGSUI_LEADERS), who alone
# can decide draws and recusals.
AIRFLOW_UI_USERS ?= admin:admin,clerk:user,clerk2:user,leader:user,deputy:user
export AIRFLOW_UI_USERS
airflow-ui: install
	PATH=$(CURDIR)/$(BIN):$$PATH bash tools/airflow_ui.sh

clean:
	rm -rf $(DATA)
