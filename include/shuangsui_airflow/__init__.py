"""The Airflow adapter (Airflow 适配层): what the DAG files share — the run's moment and
the business database for a task, task defaults, assets, SMTP from an Airflow connection,
notifiers, the landing-file intake, the 分管领导's decision step. Installed with the
package (not in plugins/), so only Airflow code imports Airflow; the domain package
`shuangsui` never does."""
