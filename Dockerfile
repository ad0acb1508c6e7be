# The project on the official Airflow image, with the exact versions of constraints.txt.
# Build: docker compose build (or: docker build -t shuangsui-airflow:3.3.2 .)
#
# The image carries the code at the paths docker-compose.yaml mounts in development:
#   dags/     -> /opt/airflow/dags        (AIRFLOW__CORE__DAGS_FOLDER)
#   plugins/  -> /opt/airflow/plugins     (AIRFLOW__CORE__PLUGINS_FOLDER)
#   include/  -> /opt/shuangsui/include   (the shuangsui package, installed editable)
#   sql/      -> /opt/shuangsui/sql       (SHUANGSUI_SQL_DIR: Alembic migrations, seeds)
# so the same image runs with the mounts (edit and reload) or without (a release).
FROM apache/airflow:3.3.2-python3.11

ENV SHUANGSUI_HOME=/opt/shuangsui \
    SHUANGSUI_SQL_DIR=/opt/shuangsui/sql \
    SHUANGSUI_DATA_DIR=/opt/airflow/data \
    GX_ANALYTICS_ENABLED=false \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Dependencies and the package: constraints.txt pins every version, apache-airflow 3.3.2
# included, so pip cannot move Airflow away from the image's version.
COPY --chown=airflow:root pyproject.toml constraints.txt /opt/shuangsui/
COPY --chown=airflow:root include /opt/shuangsui/include
COPY --chown=airflow:root sql /opt/shuangsui/sql
RUN pip install --no-cache-dir -c /opt/shuangsui/constraints.txt -e "/opt/shuangsui[airflow]" \
 && python -c "import shuangsui, airflow.providers.celery, airflow.providers.postgres, \
airflow.providers.smtp, airflow.providers.standard, airflow.providers.fab"

COPY --chown=airflow:root docker/ensure_business_db.py /opt/shuangsui/docker/
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root plugins /opt/airflow/plugins
