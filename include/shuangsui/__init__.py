"""双随机、一公开 (double-random, one-public) safety inspections: the domain package.

Plain Python, no Airflow import: the DAGs in dags/ call into these modules.
"""

__version__ = "0.1.0"
