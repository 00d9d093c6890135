"""Evaluator of the Yinchuan 2018 community policies: load and validate the repository, pick versions by date,
compute rulings, explain them by their clauses.

    from evaluator import load, evaluate_file
"""
