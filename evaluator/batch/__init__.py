"""Batch rulings for whole rosters: the worker ruling vectorised over columns, compiled from the same policy YAML and
condition rules as the per-case path (evaluator/kinds/worker.py), and a runner of the traced per-case path over a
concurrent.futures Executor (process pool, or Dask distributed).

- `facts`    the roster's worker facts as typed columns (codes for enums, masks for optional facts)
- `compile`  policy versions and rule sets in force on a date -> lookup arrays and condition closures
- `run`      a compiled program applied to columns -> result columns and basis codes (clause/interpretation refs)
- `io`       roster CSV/Parquet in (with rejects), rulings Parquet/CSV out
- `chunks`   a roster read in chunks of rows (CSV blocks cut at line breaks, Parquet batches), read ahead on a thread
- `seen`     worker ids of earlier chunks, so that an id used twice is found across chunks
- `stream`   `policy batch --out`: chunk by chunk, checked, ruled, written and summed as it goes
- `roster`   a deterministic sample roster generator
- `executor` the traced per-case path over partitions on an Executor
- `summary`  totals for the payroll office
"""
