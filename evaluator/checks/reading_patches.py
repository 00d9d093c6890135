"""Alternative readings: every patch of an alternative names a policy or rule set that exists and a path that exists
in each of its versions, and the patched data still passes its schema (and, for rules, the condition type checks)."""
from __future__ import annotations

from ..ruling import readings as alt_readings
from ..load.validation import validate
from ..load.yaml_strict import Document


def check(repo, report) -> None:
    for iid, (it, doc, ipath) in repo.interpretations.items():
        for j, alt in enumerate(it.get("alternatives", [])):
            if "patch" not in alt:
                continue
            apath = ipath + ("alternatives", j, "patch")
            try:
                patched, touched = alt_readings.apply_patches(repo, alt["patch"])
            except KeyError as exc:
                report.findings.append(doc.problem(apath, f"alternative '{alt['code']}' of '{iid}': the patch cannot "
                                                   f"be applied: {exc.args[0]}", "bad_patch"))
                continue
            for target, versions in touched.items():
                schema = "rules" if target in repo.rulesets else "policy"
                for v in versions:
                    shadow = Document(v.doc.path, v.data, v.doc.marks, v.doc.key_marks)
                    for prob in validate(shadow, repo.schema_dir, schema):
                        report.findings.append(doc.problem(apath, f"alternative '{alt['code']}' of '{iid}': patched, "
                                                           f"{v.doc.path} would not be valid: {prob.message}",
                                                           "bad_patch"))
            for prob in patched.problems[len(repo.problems):]:
                report.findings.append(doc.problem(apath, f"alternative '{alt['code']}' of '{iid}': patched, "
                                                   f"{prob.path}: {prob.message}", "bad_patch"))
