"""The assets the workflows schedule on."""

from __future__ import annotations

from airflow.sdk import Asset

# Updated by every successful registry sync; the draw schedules on it.
REGISTRY = Asset(name="shuangsui_registry", uri="shuangsui://registry/directories")
# Updated by every successful results intake; publication schedules on it.
RESULTS = Asset(name="shuangsui_results", uri="shuangsui://results/inspections")
# Updated by every publication run: the public site and open data.
PUBLIC_SITE = Asset(name="shuangsui_public_site", uri="shuangsui://public/site")
