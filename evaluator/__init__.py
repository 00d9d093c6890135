"""Evaluator of the Yinchuan 2018 community policies: load and validate the repository, pick versions by date,
compute rulings, explain them by their clauses.

The Python API (the same one the `policy` command uses; see docs/guides/integrators.md):

    from evaluator import load, evaluate_file, evaluate_data
    repo = load()                                   # the repository this package was installed from
    out = evaluate_file(repo, "examples/workers.yaml")
    out = evaluate_data(repo, {"id": "a", "kind": "worker", "as_of": "2024-07-01",
                               "facts": {"post": "deputy", "years_of_service": 7}})
"""
from .api import FileOutcome, evaluate_data, evaluate_file, load

__all__ = ["FileOutcome", "evaluate_data", "evaluate_file", "load"]
