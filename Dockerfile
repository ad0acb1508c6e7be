# The project on the official Airflow image, with the exact versions of constraints.txt.
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:root pyproject.toml constraints.txt /opt/shuangsui/
COPY --chown=airflow:root include /opt/shuangsui/include
COPY --chown=airflow:root sql /opt/shuangsui/sql
RUN pip install --no-cache-dir -c /opt/shuangsui/constraints.txt -e /opt/shuangsui
ENV SHUANGSUI_HOME=/opt/shuangsui SHUANGSUI_SQL_DIR=/opt/shuangsui/sql
