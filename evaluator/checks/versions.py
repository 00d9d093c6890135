"""Versions: the effective periods of one policy's (or rule set's) versions neither overlap nor leave a gap inside
their span. Drafts are not in force and are left out."""
from __future__ import annotations

import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def check(repo, report) -> None:
    for kind, table in (("policy", repo.policies), ("rule set", repo.rulesets)):
        for pid, versions in table.items():
            live = sorted((v for v in versions if v.status != "draft"), key=lambda v: (v.effective_from, v.version))
            for a, b in zip(live, live[1:]):
                span_a = f"version {a.version} ({a.doc.path}, {a.effective_from}–{a.effective_to or 'open'})"
                if a.effective_to is None or a.effective_to >= b.effective_from:
                    report.findings.append(b.doc.problem(("effective_from",), f"{kind} '{pid}': version {b.version} "
                                           f"from {b.effective_from} overlaps {span_a}: both are in force on "
                                           f"{b.effective_from}", "version_overlap"))
                elif a.effective_to + ONE_DAY < b.effective_from:
                    report.findings.append(b.doc.problem(("effective_from",), f"{kind} '{pid}': no version is in "
                                           f"force from {a.effective_to + ONE_DAY} to {b.effective_from - ONE_DAY}, "
                                           f"between {span_a} and version {b.version} from {b.effective_from}",
                                           "version_gap"))
