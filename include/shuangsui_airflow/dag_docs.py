"""The DAGs' documentation as staff read it in the Airflow UI (doc_md), kept as Markdown
files beside this module, one per DAG (docs/<dag id>.md)."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).parent / "docs"


def doc_md(dag_id: str) -> str:
    """The Markdown of one DAG's page."""
    return (DOCS / f"{dag_id}.md").read_text(encoding="utf-8")
