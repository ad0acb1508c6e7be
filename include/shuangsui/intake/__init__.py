"""Intake (数据入库): where data comes in, in the order it passes.

- landing: landing files (CSV, .xlsx) and upstream tables read into canonical columns
- normalize, quality: values normalized, rows checked (Great Expectations suites in
  expectations/, one per entity)
- pipeline: land → prepare → apply, bad rows quarantined, every change with history
- prepared: what prepare hands to apply and the report (Parquet + JSON, no pickle)
- directories, results: what is specific to the 名录库 and to 检查结果
- quality_report: the data-quality report for the bureau's staff
"""
