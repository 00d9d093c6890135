"""`policy diff OLD NEW`: what changed between two states of the repository, and its impact.

OLD and NEW are each a git revision (exported with git archive, never checked out), a path to a repository tree,
or a bundle (verified with --key); NEW may also be a draft reform (a directory with overlay.yaml, e.g.
examples/reforms/benchmark-2200), applied on top of OLD. Exit 0 when the comparison was made (whether or not
anything changed), 2 when a state or the roster cannot be used, or when rows of the roster were rejected (the others
are still ruled and reported).
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from .. import api
from ..engine import engines
from ..repo import manifest, register, repository, supplements
from ..repo.supplements import EXAMPLE_WORDS
from ..kinds.funding import area_codes
from ..load.limits import shown
from .common import add_assume_adopted_arg, public_key
from ..load.problems import PolicyInputError, Problem
from ..render.text import show, to_json


SHOWN = 10  # changed cases (and problems of a state) listed in the text report


def _fail(message: str, code: str = "unusable") -> PolicyInputError:
    return PolicyInputError([Problem("policy diff", 0, 0, message, code)])


def add_commands(sub) -> None:
    d = sub.add_parser("diff", help="what changed between two states (git revisions, paths, bundles, a draft "
                                    "reform) and its impact on cases and a roster")
    d.add_argument("old", metavar="OLD")
    d.add_argument("new", metavar="NEW")
    d.add_argument("--roster", type=Path, default=None, metavar="CSV",
                   help="worker roster (CSV: id, area and worker facts) to cost the change on")
    d.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                   help="rule cases and roster on this date (default: the date the change takes effect)")
    d.add_argument("--key", type=Path, default=None, metavar="PUB", help="public key for bundles given as OLD/NEW")
    d.add_argument("--skip-verify", action="store_true", help="compare bundles without checking their signature")
    d.add_argument("--engine", choices=["durable", "reference"], default="durable")
    d.add_argument("--format", choices=["text", "json"], default="text")
    add_assume_adopted_arg(d, "NEW is viewed with these documents NOT ADOPTED (a register id, or an area: all its "
                              "drafts) taken as adopted, OLD as it is: the impact of adopting them, e.g. "
                              "`policy diff HEAD . --assume-adopted xixia`; HYPOTHETICAL — EXAMPLE — NOT ADOPTED")


def _load(root: Path, label: str, assume_adopted=()):
    repo = repository.load(root, assume_adopted=assume_adopted)
    if repo.problems:
        for p in repo.problems[:SHOWN]:
            print(f"{label}: {p}", file=sys.stderr)
        raise _fail(f"{label} has {len(repo.problems)} problem(s); no comparison is made from it")
    return repo


def cmd_diff(args) -> int:
    from ..checks import policy_diff
    from ..repo import snapshots
    from ..checks import impact
    from ..cases import roster_csv as roster
    base = (args.repo or api.default_repo()).resolve()
    key = public_key(args.key)
    try:
        old_root, old_desc = snapshots.open_state(args.old, base, key, verify_bundle=not args.skip_verify)
        assumed = []
        if snapshots.is_overlay(Path(args.new)):
            new_root = snapshots.apply_overlay(old_root, Path(args.new))
            assumed = snapshots.overlay_documents(Path(args.new))
            new_desc = f"the draft reform {args.new} (NOT ADOPTED) applied to {old_desc}" + (
                f", taking its documents {', '.join(assumed)} as adopted (hypothetically)" if assumed else "")
        else:
            new_root, new_desc = snapshots.open_state(args.new, base, key, verify_bundle=not args.skip_verify)
    except snapshots.SnapshotError as exc:
        raise _fail(str(exc)) from None
    old, new = _load(old_root, "OLD"), _load(new_root, "NEW", assumed)
    if args.assume_adopted:
        try:
            extra = supplements.assumable(new, args.assume_adopted)
        except ValueError as exc:
            raise _fail(str(exc), "bad_argument") from None
        new = _load(new_root, "NEW", list(assumed) + extra)
        new_desc += (f", taking {', '.join(extra)} as adopted (--assume-adopted: HYPOTHETICAL — EXAMPLE — NOT "
                     "ADOPTED)")
    changes = policy_diff.changes(old, new)
    takes_effect = policy_diff.change_date(old, new)
    roster_day = args.as_of or takes_effect or dt.date.today()
    if args.roster is not None:
        # an unusable roster fails first
        roster.load(args.roster, new.schema_dir, roster_day, str(args.roster), area_codes(new, roster_day))
    engine = engines.make(args.engine)
    case_root = next((r for r in (new_root, old_root, base) if any((r / d).is_dir() for d in manifest.CASE_DIRS)),
                     base)
    case_repo = repository.Repository(root=case_root, schema_dir=case_root / "schemas")
    files = [(case_repo.rel(p), p) for p in api.case_files_of(case_repo)]
    day = args.as_of or takes_effect
    cases = impact.cases_impact(old, new, files, engine, day, fixed=args.as_of is not None)
    report = {"old": {"state": old_desc, "digest": old.digest}, "new": {"state": new_desc, "digest": new.digest},
              "takes_effect": takes_effect.isoformat() if takes_effect else None,
              "changes": [c.as_json() for c in changes], "cases": cases,
              "documents": _documents(old, new, takes_effect or dt.date.today())}
    if args.roster is not None:
        report["roster"] = impact.roster_impact(old, new, args.roster, str(args.roster), roster_day, engine)
    if args.format == "json":
        print(to_json(report))
    else:
        print(_text(report, changes, args))
    return 2 if report.get("roster", {}).get("rejected_rows") else 0


def _documents(old, new, day: dt.date) -> list[dict]:
    """The documents of the register that NEW adds or changes, and those enacting a version NEW adds or changes,
    each with its status on the day the change takes effect and the versions it enacts."""
    def versions(repo):
        return {(v.id, v.version): v for t in (repo.policies, repo.rulesets) for vs in t.values() for v in vs}

    before, after = versions(old), versions(new)
    changed = [v for key, v in sorted(after.items()) if key not in before or before[key].data != v.data]
    ids = {d for d, (e, _) in new.register.items() if d not in old.register or old.register[d][0] != e}
    ids |= {d for v in changed for d in v.data["enacted_by"] if d in new.register}
    out = []
    for d in sorted(ids):
        e = new.register[d][0]
        out.append({"id": d, "title": e["title"], "recorded_status": e["status"],
                    "status": register.status_on(new, d, day), "in_force_from": e["in_force_from"],
                    "new": d not in old.register,
                    "enacts": [f"{v.id} v{v.version}" for v in changed if d in v.data["enacted_by"]]})
    return out


def _text(r: dict, changes, args) -> str:
    out = [f"OLD: {r['old']['state']}  {r['old']['digest']}", f"NEW: {r['new']['state']}  {r['new']['digest']}", ""]
    if r["documents"]:
        out.append(f"Documents (status on {r['takes_effect'] or 'today'}):")
        for d in r["documents"]:
            enacts = f"; enacts {', '.join(d['enacts'])}" if d["enacts"] else ""
            out.append(f"  {d['id']}{' (new)' if d['new'] else ''}: 《{d['title']['zh']}》 — "
                       f"{register.STATUS_WORDS[d['status']]}, from {d['in_force_from']}{enacts}")
        out.append("")
    if not changes:
        out.append("No clause, figure, list item or interpretation differs.")
    else:
        out.append(f"What changes ({len(changes)}):")
        for area in ("clause", "erratum", "interpretation", "policy", "rules", "supplement"):
            for c in (c for c in changes if c.area == area):
                out.append(f"  {area:<14} {c.words()}")
    when = (f"on {args.as_of}" if args.as_of else
            f"each on its own date, or on {r['takes_effect']} (when the change takes effect) if later"
            if r["takes_effect"] else "each on its own date")
    cs = r["cases"]
    out += ["", f"Cases in tests/cases and examples, ruled {when}: {len(cs['changed'])} of {cs['evaluated']} change"]
    counts: dict = {}
    for c in cs["changed"]:
        for d in c.get("results", [{"result": "(no ruling on one side)"}]):
            counts[d["result"]] = counts.get(d["result"], 0) + 1
    if counts:
        out.append("  by result: " + ", ".join(f"{k} in {n}" for k, n in counts.items()))
    for c in cs["changed"][:SHOWN]:
        if "results" in c:
            diffs = ", ".join(f"{d['result']} {show(d['before'])} → {show(d['after'])}" for d in c["results"])
        else:
            diffs = f"{c['before']} → {c['after']}"
        out.append(f"  {c['file']} {c['id']} (as of {c['as_of']}): {diffs}")
    if len(cs["changed"]) > SHOWN:
        out.append(f"  … and {len(cs['changed']) - SHOWN} more (--format json lists every case)")
    if "roster" in r:
        ro = r["roster"]
        t = ro["total"]
        out += ["", f"Roster {ro['roster']} as of {ro['as_of']}: {ro['rows']} rows, {ro['ruled']} workers ruled, "
                    f"{ro['rejected_rows']} rejected; level changes for {t['level_changed']}, "
                    f"base pay for {t['base_pay_changed']}",
                f"  monthly cost = the first of {', '.join(ro['monthly_pay'])} (performance pay is yearly)",
                f"  {'area':<14}{'workers':>8}{'level Δ':>9}{'pay Δ':>7}{'monthly before':>16}{'after':>12}"
                f"{'difference':>12}"]
        for a in ro["areas"] + [{"area": "total", **t}]:
            out.append(f"  {a['area']:<14}{a['workers']:>8}{a['level_changed']:>9}{a['base_pay_changed']:>7}"
                       f"{show(a['monthly_cost_before']):>16}{show(a['monthly_cost_after']):>12}"
                       f"{('+' if a['difference'] > 0 else '') + show(a['difference']):>12}")
        out += _layer_lines(ro)
        for rej in ro["rejected"]:
            where = f"{rej['path']}:{rej['line']}:{rej['col']}: " if "path" in rej else ""
            out.append(f"  rejected: {where}[{shown(str(rej.get('case')))}] {rej['message']}")
    return "\n".join(out)


def _layer_lines(ro: dict) -> list[str]:
    """The district layer per area: the performance pay by grade (yearly) before and after, the workers it could
    not rule, and the supplement in force on each side (or the body that must decide)."""
    def side(v: dict | None) -> str:
        if v is None:
            return "(no delegation in force)"
        if v["supplement"] is None:
            return f"no supplement: for the {v['decided_by']['zh']} {v['decided_by']['en']} to decide"
        return v["supplement"] + (f" ({EXAMPLE_WORDS})" if v["example"] else "")

    rows = [a for a in ro["areas"] if "spread_before" in a or "spread_after" in a]
    if not rows:
        return []
    t = ro["total"]
    out = ["  performance pay by grade, yearly (the district layer; workforce.6.16: each area's bureau decides):"]
    for a in rows:
        name = a.get("name", {})
        out.append(f"    {a['area']} {name.get('zh', '')} {name.get('en', '')}: {show(a['yearly_spread_before'])} → "
                   f"{show(a['yearly_spread_after'])} yuan ({'+' if a['yearly_spread_difference'] > 0 else ''}"
                   f"{show(a['yearly_spread_difference'])}); not checked {a['spread_not_checked_before']} → "
                   f"{a['spread_not_checked_after']}; "
                   + (side(a.get("spread_after")) if a.get("spread_before") == a.get("spread_after") else
                      f"{side(a.get('spread_before'))} → {side(a.get('spread_after'))}"))
    out.append(f"    total: {show(t['yearly_spread_before'])} → {show(t['yearly_spread_after'])} yuan "
               f"({'+' if t['yearly_spread_difference'] > 0 else ''}{show(t['yearly_spread_difference'])})")
    return out


COMMANDS = {"diff": cmd_diff}
