"""docker-compose.yaml and the Dockerfile, checked without Docker (it cannot run on the
development machines): the stack has every service, one image and one configuration for
all Airflow services, volumes and environment that match the code, and no secret. The
pieces that can run here do: the init's script (bash -n), the business database set-up
(on the test PostgreSQL), the .env generator and the site's nginx configuration."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from conftest import PG_URL, ROOT, free_port

COMPOSE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
AIRFLOW_SERVICES = {  # service -> the airflow command it runs
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
# What a service may add to the shared environment, and why.
ENV_ADDITIONS = {
    "airflow-init": {
        "_AIRFLOW_WWW_USER_USERNAME",
        "_AIRFLOW_WWW_USER_PASSWORD",
        "_AIRFLOW_WWW_USER_EMAIL",
        "CONNECTION_CHECK_MAX_COUNT",
        "BUSINESS_DB_OWNER_URL",  # the migrations act as the business database's owner
    },
    "airflow-worker": {"DUMB_INIT_SETSID"},
    "airflow-cli": {"CONNECTION_CHECK_MAX_COUNT"},
}
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])([^}]*))?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|PRIVATE|_KEY\b", re.I)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def common(compose) -> dict:
    return compose["x-airflow-common"]


@pytest.fixture(scope="module")
def env(common) -> dict:
    return common["environment"]


@pytest.fixture(scope="module")
def dockerfile() -> dict:
    """FROM, ENV and COPY of the Dockerfile (continuation lines joined), and the RUNs."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    out = {"from": [], "env": {}, "copy": [], "run": []}
    for ln in lines:
        word, _, rest = ln.partition(" ")
        if word == "FROM":
            out["from"].append(rest.split()[0])
        elif word == "ENV":
            out["env"].update(dict(re.findall(r"(\w+)=(\S+)", rest)))
        elif word == "COPY":
            args = [a for a in rest.split() if not a.startswith("--")]
            out["copy"].append((args[:-1], args[-1]))
        elif word == "RUN":
            out["run"].append(rest)
    return out


def _airflow_services(services) -> dict:
    return {n: s for n, s in services.items() if n.startswith("airflow-") or n == "flower"}


def _mounts(service: dict) -> dict[str, str]:
    """container path -> host path of a service's bind mounts (named volumes as is)."""
    out = {}
    for v in service.get("volumes", []):
        host, container, *mode = v.split(":")
        out[container] = (host, mode[0] if mode else "rw")
    return out


def _url(value: str):
    from sqlalchemy.engine import make_url

    return make_url(PLACEHOLDER.sub("x", value))


def _strings(node, path=""):
    """(path, value) of every string in the parsed compose file (comments are not)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def _code_files():
    for folder in ("include", "plugins", "dags"):
        yield from (ROOT / folder).rglob("*.py")


# --------------------------------------------------------------------------- the services


def test_the_stack_has_every_service_it_needs(services):
    needed = {"postgres", "redis", "airflow-init", *AIRFLOW_SERVICES}
    assert needed <= set(services), needed - set(services)
    mail = [n for n, s in services.items() if "mailpit" in str(s.get("image", ""))]
    web = [n for n, s in services.items() if str(s.get("image", "")).startswith("nginx")]
    assert mail and web, "a mail catcher and a web server for the public site"
    for name, command in AIRFLOW_SERVICES.items():
        assert services[name]["command"] == command, name
    assert "profiles" not in services["airflow-worker"]  # started by a plain `up`


def test_the_executor_is_celery_on_redis_with_results_in_the_metadata_database(env, services):
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
    assert broker.scheme == "redis" and broker.hostname in services
    result = _url(env["AIRFLOW__CELERY__RESULT_BACKEND"].removeprefix("db+"))
    meta = _url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert (result.host, result.database) == (meta.host, meta.database)
    # Workers reach the api-server's execution API by its service name and container port.
    execution = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert execution.hostname == "airflow-apiserver" and execution.path == "/execution/"
    published = services["airflow-apiserver"]["ports"][0].split(":")[-1]
    assert str(execution.port) == published


def test_all_airflow_services_share_one_image_and_one_configuration(common, env, services):
    for name, svc in _airflow_services(services).items():
        assert svc["image"] == common["image"] and svc["build"] == common["build"], name
        assert svc["user"] == common["user"] or name == "airflow-init", name
        svc_env = svc["environment"]
        for key, value in env.items():
            assert key in svc_env and svc_env[key] == value, f"{name}: {key}"
        extra = set(svc_env) - set(env)
        assert extra <= ENV_ADDITIONS.get(name, set()), f"{name} adds {extra}"
        if name != "airflow-cli":
            assert svc["depends_on"]["postgres"]["condition"] == "service_healthy", name
        if name not in ("airflow-init", "airflow-cli"):
            assert (
                svc["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
            ), name
            assert "healthcheck" in svc and svc.get("restart") == "always", name
    worker = services["airflow-worker"]
    assert worker["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"


def test_airflow_runs_on_china_time_where_the_project_configures_it(env):
    """Naive dates in DAGs and the UI's default are China's (core.default_timezone); Airflow
    3 has no server setting for the UI's display zone (default_ui_timezone was removed): the
    UI shows the browser's zone, or the one its user picks, so none is set here."""
    import importlib.util

    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Shanghai"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^export AIRFLOW__CORE__DEFAULT_TIMEZONE := Asia/Shanghai$", makefile, re.M)
    spec = importlib.util.find_spec("airflow")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("Airflow is not installed")
    config = Path(list(spec.submodule_search_locations)[0]) / "config_templates" / "config.yml"
    options = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert "default_timezone" in options["core"]["options"]
    # A new Airflow bringing a UI zone option back fails here: set it to Asia/Shanghai too.
    assert not [
        f"{section}.{name}"
        for section, body in options.items()
        for name in (body.get("options") or {})
        if "timezone" in name and "ui" in name
    ]


def test_the_business_database_is_its_own_database_on_the_same_postgres(env, services):
    meta = _url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    biz = _url(env["SHUANGSUI_DB_URL"])
    assert meta.host == biz.host == "postgres" and meta.port == biz.port
    assert biz.database != meta.database
    assert biz.username != meta.username  # its own role, not the superuser
    assert biz.get_backend_name() == "postgresql" and biz.get_driver_name() == "psycopg2"
    pg = services["postgres"]["environment"]
    assert (pg["POSTGRES_DB"], pg["POSTGRES_USER"]) == (meta.database, meta.username)


def test_the_init_service_creates_the_business_database_and_runs_both_migrations(services):
    init = services["airflow-init"]
    script = init["command"][-1] if isinstance(init["command"], list) else init["command"]
    steps = [
        "ensure_business_db.py",
        "airflow db migrate",
        'shuangsui --db "$$BUSINESS_DB_OWNER_URL" migrate',
        "airflow users create",
    ]
    positions = [script.find(s) for s in steps]
    assert -1 not in positions and positions == sorted(positions), dict(zip(steps, positions))
    assert init["user"] == "0:0" and init["command"][0] == "bash"  # via the image entrypoint
    assert "entrypoint" not in init
    # Compose turns $$ into $; the rest must be valid bash.
    bash = shutil.which("bash")
    result = subprocess.run(
        [bash, "-n", "-c", script.replace("$$", "$")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


ROLES_SQL = ROOT / "sql" / "initdb" / "shuangsui_roles.sql"


def _roles_defaults() -> dict[str, str]:
    """The names sql/initdb/shuangsui_roles.sql uses unless psql -v gives others."""
    return dict(re.findall(r"^\\set (\w+) (\S+)$", ROLES_SQL.read_text(encoding="utf-8"), re.M))


def test_the_application_does_not_own_the_business_database_the_migrations_do(services, env):
    """The roles of docs/operations.md: postgres makes them on a new volume; the migrations
    run as the owner; every service logs in as the application's role."""
    mounts = _mounts(services["postgres"])
    initdb = [c for c in mounts if c.startswith("/docker-entrypoint-initdb.d/")]
    assert [mounts[c] for c in initdb] == [("./sql/initdb/shuangsui_roles.sql", "ro")]
    assert initdb[0].endswith(".sql")
    names = _roles_defaults()
    app, owner_url = (
        _url(env["SHUANGSUI_DB_URL"]),
        _url(services["airflow-init"]["environment"]["BUSINESS_DB_OWNER_URL"]),
    )
    meta = _url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert (app.username, app.database) == (names["app"], names["database"])
    assert owner_url.database == app.database and owner_url.host == app.host
    assert owner_url.username == meta.username  # the superuser, acting as the owner:
    assert owner_url.query["options"] == f"-c role={names['owner']}"
    assert names["owner"] != app.username
    # Only airflow-init has the owner's URL.
    for name, svc in services.items():
        if name != "airflow-init":
            assert "BUSINESS_DB_OWNER_URL" not in (svc.get("environment") or {}), name


def _psql() -> str:
    psql = shutil.which("psql")
    if not (PG_URL and psql):
        if os.environ.get("CI"):
            pytest.fail("CI must test the roles: set SHUANGSUI_TEST_PG_URL, install psql")
        pytest.skip("PostgreSQL or psql not available")
    return psql


def test_the_roles_script_leaves_the_application_only_reading_and_appending_the_audit_trail():
    """sql/initdb/shuangsui_roles.sql on the test server (names tagged), then the migrations
    as the owner, as airflow-init runs them; the application's role can record events but
    not remove, empty, rewrite or drop them, nor switch off the triggers. Also on a database
    made before the roles (owned by the application): the script, run by hand, moves it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from shuangsui import audit, db

    psql = _psql()
    server = make_url(PG_URL)
    tag = uuid.uuid4().hex[:8]
    owner, app = f"shuangsui_owner_{tag}", f"shuangsui_app_{tag}"
    fresh, old = f"shuangsui_fresh_{tag}", f"shuangsui_old_{tag}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    conn_args = [f"--host={server.host}", f"--port={server.port or 5432}"]
    conn_args += [f"--username={server.username}", f"--dbname={server.database}"]

    def roles_sql(database):
        run = subprocess.run(
            [psql, *conn_args, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-f", str(ROLES_SQL)]
            + ["-v", f"owner={owner}", "-v", f"app={app}", "-v", f"database={database}"],
            capture_output=True,
            text=True,
            env={**os.environ, "PGPASSWORD": server.password or ""},
        )
        assert run.returncode == 0, run.stderr

    def url(database, user=None, role=None):
        u = server.set(database=database, username=user or server.username)
        if role:
            u = u.set(query={"options": f"-c role={role}"})
        return u.render_as_string(hide_password=False)

    try:
        roles_sql(fresh)
        roles_sql(fresh)  # idempotent: it runs again on an existing stack
        db.upgrade(url(fresh, role=owner))
        with admin.connect() as c:
            c.execute(text(f'ALTER ROLE "{app}" PASSWORD :p'), {"p": "pw" + tag})
        # before the roles: made and migrated as the application's role; then the script
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{old}" OWNER "{app}"'))
        db.upgrade(url(old, user=app))
        roles_sql(old)
        db.upgrade(url(old, role=owner))
        for database in (fresh, old):
            eng = create_engine(server.set(database=database, username=app, password="pw" + tag))
            with eng.begin() as c:
                audit.record(c, "test.event", {"n": 1})
                c.execute(text("UPDATE checklist_item SET subject = subject"))
                c.execute(text("SELECT count(*) FROM enterprise")).scalar_one()
            for sql in (
                "TRUNCATE audit_event",
                "DELETE FROM audit_event",
                "UPDATE audit_event SET actor = 'mallory'",
                "ALTER TABLE audit_event DISABLE TRIGGER USER",
                "DROP TABLE audit_event",
                "UPDATE alembic_version SET version_num = '0001'",
            ):
                denied = pytest.raises(DBAPIError, match="permission denied|must be owner")
                with denied, eng.begin() as c:
                    c.execute(text(sql))
            with eng.connect() as c:
                owners = set(
                    c.execute(
                        text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")
                    ).scalars()
                )
                assert owners == {owner}, (database, owners)
                assert audit.verify(c).first_broken is None
            eng.dispose()
    finally:
        with admin.connect() as c:
            for database in (fresh, old):
                c.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for role in (app, owner):
                c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


# --------------------------------------------------------------------------- the image


def test_the_dockerfile_extends_airflow_3_3_2_and_installs_with_the_constraints(dockerfile):
    [base] = dockerfile["from"]
    assert base.startswith("apache/airflow:3.3.2"), base
    pinned = re.search(
        r"^apache-airflow==(\S+)$", (ROOT / "constraints.txt").read_text(), re.M
    ).group(1)
    assert base.split(":")[1].split("-")[0] == pinned  # the image is the version we test
    installs = [r for r in dockerfile["run"] if "pip install" in r]
    assert installs and all(
        re.search(r"(-c|--constraint)\s+\S*constraints\.txt", r) for r in installs
    ), installs
    assert any("[airflow]" in r for r in installs)
    for sources, _ in dockerfile["copy"]:
        for src in sources:
            assert (ROOT / src).exists(), f"COPY {src}: not in the repository"


def test_the_constraints_pin_what_the_compose_stack_runs():
    pins = dict(
        re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (ROOT / "constraints.txt").read_text(), re.M)
    )
    pins = {k.lower().replace("_", "-"): v for k, v in pins.items()}
    needed = [
        "apache-airflow-providers-celery",
        "celery",
        "redis",
        "apache-airflow-providers-postgres",
        "asyncpg",
        "psycopg2-binary",
        "apache-airflow-providers-smtp",
    ]
    missing = [n for n in needed if n not in pins]
    assert not missing, f"constraints.txt must pin {missing} (CeleryExecutor on PostgreSQL)"


def test_volumes_put_the_code_where_the_image_and_the_configuration_expect_it(
    common, env, dockerfile
):
    mounts = _mounts(common)
    home = PurePosixPath(dockerfile["env"]["SHUANGSUI_HOME"])
    expected = {
        "./dags": env["AIRFLOW__CORE__DAGS_FOLDER"],
        "./plugins": env["AIRFLOW__CORE__PLUGINS_FOLDER"],
        "./include": str(home / "include"),
        "./sql": dockerfile["env"]["SHUANGSUI_SQL_DIR"],
        "./data": env["SHUANGSUI_DATA_DIR"],
    }
    for host, container in expected.items():
        assert mounts.get(container, (None,))[0] == host, f"{host} -> {container}"
        assert (ROOT / host).exists() or host == "./data", host
    # The image holds the same code at the same paths (a release runs without mounts).
    copied = {dest.rstrip("/"): srcs for srcs, dest in dockerfile["copy"]}
    for host, container in expected.items():
        if host != "./data":
            assert copied.get(container) == [host[2:]], f"COPY {host[2:]} {container}"
    assert dockerfile["env"]["SHUANGSUI_SQL_DIR"] == str(home / "sql")
    assert dockerfile["env"]["SHUANGSUI_DATA_DIR"] == env["SHUANGSUI_DATA_DIR"]
    # Everything the code writes stays under the mounted data folder.
    data = PurePosixPath(env["SHUANGSUI_DATA_DIR"])
    for key in ("SHUANGSUI_SITE_DIR", "SHUANGSUI_CALENDAR_OVERRIDES"):
        assert data in PurePosixPath(env[key]).parents, key


def test_the_web_server_serves_only_the_site_folder_read_only(services, env):
    web = next(s for s in services.values() if str(s.get("image", "")).startswith("nginx"))
    mounts = _mounts(web)
    site = PurePosixPath(env["SHUANGSUI_SITE_DIR"]).relative_to(env["SHUANGSUI_DATA_DIR"])
    conf = (ROOT / "docker" / "nginx" / "site.conf").read_text(encoding="utf-8")
    root = PurePosixPath(re.search(r"^\s*root\s+(\S+);", conf, re.M).group(1))
    # The site is a link switched to each build (publish.served): the folder holding it is
    # mounted (a mount of the link would pin one build), and holds nothing but the site.
    assert root.name == site.name and site.parent != PurePosixPath(".")
    assert mounts[str(root.parent)] == (f"./data/{site.parent}", "ro")
    assert not any(h == "./data" for h, _ in mounts.values())  # never the whole data folder
    assert mounts["/etc/nginx/conf.d/default.conf"] == ("./docker/nginx/site.conf", "ro")


def test_mail_goes_to_the_mail_catcher_unless_env_names_a_server(env, services):
    m = PLACEHOLDER.fullmatch(env["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert m and m.group(1) == "AIRFLOW_CONN_SMTP_DEFAULT" and m.group(2) == "-"
    default = urlsplit(m.group(3))
    mailpit = next(n for n, s in services.items() if "mailpit" in str(s.get("image", "")))
    assert (default.scheme, default.hostname, default.port) == ("smtp", mailpit, 1025)
    extras = parse_qs(default.query)
    assert extras == {"disable_ssl": ["true"], "disable_tls": ["true"]}


# --------------------------------------------------------------------------- env and code


def test_every_shuangsui_variable_in_compose_is_read_by_the_code(env):
    code = "\n".join(p.read_text(encoding="utf-8") for p in _code_files())
    text = COMPOSE.read_text(encoding="utf-8")
    for name in sorted(set(re.findall(r"\bSHUANGSUI_[A-Z0-9_]+", text))):
        assert f'"{name}"' in code, f"{name} is set in compose but no code reads it"


def _reads() -> dict[str, bool]:
    """SHUANGSUI_* variables the code reads -> whether the read has a default."""
    reads: dict[str, bool] = {}
    call = re.compile(r'(?:environ\.get|getenv|\benv)\(\s*"(SHUANGSUI_[A-Z0-9_]+)"\s*(,)?')
    for path in _code_files():
        text = path.read_text(encoding="utf-8")
        for name, comma in call.findall(text):
            reads[name] = reads.get(name, True) and bool(comma)
        for name in re.findall(r'environ\[\s*"(SHUANGSUI_[A-Z0-9_]+)"\s*\]', text):
            reads[name] = False
        for const, name in re.findall(r'^(\w+)\s*=\s*"(SHUANGSUI_[A-Z0-9_]+)"', text, re.M):
            if re.search(rf"environ\.get\(\s*{const}\s*\)", text):
                reads[name] = True  # read through a constant, e.g. OVERRIDES_ENV
    return reads


def test_every_variable_the_code_reads_is_set_or_has_a_default(env):
    reads = _reads()
    assert {
        "SHUANGSUI_DB_URL",
        "SHUANGSUI_DATA_DIR",
        "SHUANGSUI_SITE_DIR",
        "SHUANGSUI_CALENDAR_OVERRIDES",
        "SHUANGSUI_BUREAU_NAME",
    } <= set(reads)
    for name, has_default in reads.items():
        assert has_default or env.get(name), f"{name} has no default and compose sets none"
    # Deployment-specific ones are set; the bureau's pass through from .env.
    for name in (
        "SHUANGSUI_DB_URL",
        "SHUANGSUI_DATA_DIR",
        "SHUANGSUI_SITE_DIR",
        "SHUANGSUI_CALENDAR_OVERRIDES",
    ):
        assert env[name], name
    config = (ROOT / "include" / "shuangsui" / "config.py").read_text(encoding="utf-8")
    bureau = config[config.index("def bureau") :]
    bureau = bureau[: bureau.index("\ndef ")]
    for name in re.findall(r'env\("(SHUANGSUI_[A-Z0-9_]+)"', bureau):
        assert name in env and env[name] is None, f"{name}: pass it through from .env"


def test_no_secret_is_written_in_the_compose_file(compose):
    for path, value in _strings(compose):
        for m in PLACEHOLDER.finditer(value):
            name, op, default = m.groups()
            if SECRET_NAME.search(name):
                assert op == "?", f"{path}: ${{{name}}} must be required (:?), not defaulted"
    for path, value in _strings(compose):
        key = path.rsplit(".", 1)[-1]
        bare = PLACEHOLDER.sub("", value)
        if SECRET_NAME.search(key) and not key.startswith("MP_"):
            assert bare == "", f"{path} = {value!r}: a secret must come from .env"
        for password in re.findall(r"://[^/@\s:]+:([^@\s]*)@", value):
            assert PLACEHOLDER.fullmatch(password), f"{path}: password in the URL"


def test_the_env_template_has_no_secret_and_make_env_fills_every_required_one(compose, tmp_path):
    template = (ROOT / "docker" / "env.example").read_text(encoding="utf-8")
    for line in template.splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#") and SECRET_NAME.search(name):
            assert value == "", f"env.example: {name} must be empty"
    target = tmp_path / ".env"
    subprocess.run(
        [sys.executable, str(ROOT / "docker" / "make_env.py"), str(target)],
        check=True,
        capture_output=True,
    )
    made = dict(
        ln.split("=", 1) for ln in target.read_text().splitlines() if ln and not ln.startswith("#")
    )
    required = {
        m.group(1)
        for _, value in _strings(compose)
        for m in PLACEHOLDER.finditer(value)
        if m.group(2) == "?"
    }
    assert {"POSTGRES_PASSWORD", "AIRFLOW_JWT_SECRET", "AIRFLOW_FERNET_KEY"} <= required
    for name in required:
        assert made.get(name), f"make_env.py leaves {name} empty"
        if "PASSWORD" in name:
            assert re.fullmatch(r"[0-9a-f]{32}", made[name])  # safe in a database URL
    assert int(made["AIRFLOW_UID"]) != 0
    import base64

    assert len(base64.urlsafe_b64decode(made["AIRFLOW_FERNET_KEY"])) == 32
    assert target.stat().st_mode & 0o077 == 0
    again = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "make_env.py"), str(target)],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 1 and "not overwritten" in again.stderr


# --------------------------------------------------------------------------- pieces that run


def test_ensure_business_db_creates_role_and_database_once(tmp_path):
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: set SHUANGSUI_TEST_PG_URL")
        pytest.skip("PostgreSQL not configured (set SHUANGSUI_TEST_PG_URL)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    sys.path.insert(0, str(ROOT / "docker"))
    try:
        import ensure_business_db
    finally:
        sys.path.pop(0)
    tag = uuid.uuid4().hex[:8]
    role, database = f"shuangsui_role_{tag}", f"shuangsui_biz_{tag}"
    meta = f"shuangsui_meta_{tag}"
    server = make_url(PG_URL)
    eng = create_engine(server, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:  # stands for the metadata database `airflow`
        c.execute(text(f'CREATE DATABASE "{meta}"'))
    admin_url = server.set(database=meta).render_as_string(hide_password=False)
    business_url = server.set(
        username=role, password="pw" + tag, database=database
    ).render_as_string(hide_password=False)
    try:
        first = ensure_business_db.ensure(business_url, admin_url)
        assert any("created" in x for x in first) and any(role in x for x in first), first
        second = ensure_business_db.ensure(business_url, admin_url)
        assert not any("created" in x for x in second), second
        with eng.connect() as c:
            owner = c.execute(
                text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :d"),
                {"d": database},
            ).scalar_one()
            public_connect = c.execute(
                text("SELECT has_database_privilege('public', :d, 'CONNECT')"), {"d": meta}
            ).scalar_one()
        assert owner == role and public_connect is False
        from shuangsui import db  # the business schema migrates as its own role

        db.upgrade(business_url)
        biz = create_engine(business_url)
        with biz.connect() as c:
            assert c.execute(text("SELECT count(*) FROM checklist_item")).scalar_one() > 0
        biz.dispose()
        assert ensure_business_db.ensure("sqlite:///x.db", admin_url)[0].startswith(
            "business database is sqlite"
        )
    finally:
        with eng.connect() as c:
            for name in (database, meta):
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        eng.dispose()


@pytest.fixture
def public_site():
    """A small site in a folder anyone can read, laid out as ./data/public is in the web
    container: `site` a link to its build beside it (publish.served). nginx's workers run
    as an unprivileged user, pytest's tmp_path is private."""
    import tempfile

    public = Path(tempfile.mkdtemp(prefix="shuangsui-public-"))
    try:
        public.chmod(0o755)
        build = public / "site.build-00000001"
        (build / "data").mkdir(mode=0o755, parents=True)
        build.chmod(0o755)
        (build / "index.html").write_text("<!doctype html><title>公示</title>", encoding="utf-8")
        (build / "data" / "results.csv").write_text("统一社会信用代码,结果\n", encoding="utf-8")
        (build / "SHA256SUMS").write_text("0  index.html\n", encoding="utf-8")
        (build / ".secret").write_text("x", encoding="utf-8")
        (public / "site").symlink_to(build.name)
        yield public / "site"
    finally:
        shutil.rmtree(public, ignore_errors=True)


def test_the_nginx_configuration_serves_the_site_and_its_open_data(tmp_path, public_site):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not nginx:
        missing = "nginx is not installed here (apt-get install nginx)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the site's nginx configuration: {missing}")
        pytest.skip(f"{missing}; the compose stack uses the nginx image")
    import httpx

    port = free_port()
    conf = (ROOT / "docker" / "nginx" / "site.conf").read_text(encoding="utf-8")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};").replace(
        "root /usr/share/nginx/public/site;", f"root {public_site};"
    )
    assert f"root {public_site};" in conf
    (tmp_path / "site.conf").write_text(conf, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; client_body_temp_path {tmp_path}; "
        f"proxy_temp_path {tmp_path}; fastcgi_temp_path {tmp_path}; "
        f"uwsgi_temp_path {tmp_path}; scgi_temp_path {tmp_path};\n"
        f"include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    args = [
        nginx,
        "-p",
        str(tmp_path),
        "-c",
        str(tmp_path / "nginx.conf"),
        "-e",
        str(tmp_path / "error.log"),
    ]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True)
    assert check.returncode == 0 and "warn" not in check.stderr, check.stderr
    proc = subprocess.Popen(
        args, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                health = httpx.get(base + "/healthz")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert health.status_code == 200
        index = httpx.get(base + "/")
        assert index.status_code == 200 and "公示" in index.text
        assert index.headers["content-type"] == "text/html; charset=utf-8"
        assert index.headers["x-content-type-options"] == "nosniff"
        csv = httpx.get(base + "/data/results.csv")
        assert csv.headers["content-type"] == "text/csv; charset=utf-8"
        assert csv.headers["access-control-allow-origin"] == "*"
        assert csv.text.startswith("统一社会信用代码")
        assert httpx.get(base + "/SHA256SUMS").headers["content-type"].startswith("text/plain")
        assert httpx.get(base + "/.secret").status_code == 403
        assert httpx.get(base + "/missing.html").status_code == 404
        assert "nginx/" not in index.headers.get("server", "")
        # A new build switched in (publish.served) is served at once, without a reload.
        build = public_site.parent / "site.build-00000002"
        build.mkdir(mode=0o755)
        (build / "index.html").write_text("<!doctype html><title>新版</title>", encoding="utf-8")
        link = public_site.parent / ".site.link-00000002"
        link.symlink_to(build.name)
        os.replace(link, public_site)
        assert "新版" in httpx.get(base + "/").text
        assert httpx.get(base + "/data/results.csv").status_code == 404
        assert httpx.get(base + "/site.build-00000001/index.html").status_code == 404
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
