#!/usr/bin/env python3
"""Score duplicate detection and routing suggestions on a labelled set of proposals.

    .venv/bin/python bench/eval.py [--set bench/data/eval_proposals.jsonl] [--output bench/results/eval.json]

The set is JSON Lines, one proposal a line, oldest first:
    {"id": str, "title": str, "body": str, "unit": str or null, "dup_group": str or null}
(other keys are ignored). Items sharing a dup_group are duplicates of one another; unit is the
lead unit that handled it.

What runs is the platform's own code on a fresh database (SQLite in a temporary folder, or the
database in DATABASE_URL): one committee, a unit for every unit name in the set (their duties come
from the shipped department catalogue when the name matches), every item indexed through
`textindex.services.document_upsert` in file order.

- Routing: each item with a unit is predicted by `suggest_units` from what was indexed before it
  (history grows as the file goes on, as the clerks' choices feed back), then indexed with its unit.
  The headline figures are over the later half of the file; cold-start figures (no history, duties
  only) are reported beside them.
- Duplicates: every item asks `similar` for the items like it; a pair is predicted a duplicate when
  its score reaches the shipped threshold. Precision and recall are over unordered pairs; a sweep
  over thresholds is reported too.
- Term frequencies are counted over the set's texts first (what the nightly job would have done);
  no labels are used for that.

Prints a summary, writes the JSON report, exits 1 when a figure is below its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "bench" / "data" / "eval_proposals.jsonl"
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "eval.json"
TARGETS = {"duplicate_recall": 0.95, "duplicate_precision": 0.90, "routing_top3": 0.90}


def load(path: Path) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            sys.exit(f"{path}:{n}: not JSON ({exc})")
        if not isinstance(item, dict) or not isinstance(item.get("title"), str) or not isinstance(item.get("body"), str):
            sys.exit(f"{path}:{n}: needs string title and body")
        item["id"] = str(item.get("id", n))
        items.append(item)
    if not items:
        sys.exit(f"{path}: no items")
    return items


def setup_django(tmp: str) -> None:
    os.environ.setdefault("ZHENGXIE_DEBUG", "1")
    os.environ["ZHENGXIE_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengxie.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def pairs_of(groups: dict[str, list[str]]) -> set[frozenset[str]]:
    return {frozenset((a, b)) for ids in groups.values() for i, a in enumerate(ids) for b in ids[i + 1 :]}


def run(items: list[dict]) -> dict:
    from zhengxie.accounts.models import User
    from zhengxie.accounts.permissions import Access
    from zhengxie.org.models import Committee, Unit
    from zhengxie.textindex import selectors, services
    from zhengxie.textindex.models import Document, TermStat
    from zhengxie.textindex.registry import IndexEntry, Source, register_source
    from zhengxie.textindex import features, tokens

    register_source(Source(kind="eval", label="评测", staff_perm="eval.view", entries=lambda: []))
    committee = Committee.objects.create(name="评测政协", short_name="评测政协", level="city", code=f"eval-{time.time_ns()}")
    unit_names = sorted({i["unit"] for i in items if i.get("unit")})
    units = {name: Unit.objects.create(committee=committee, name=name, order=n) for n, name in enumerate(unit_names)}
    user = User.objects.create(username=f"eval-{time.time_ns()}", display_name="评测")
    access = Access(user=user, committee=committee, roles={"proposal_staff"}, perms={"eval.view"})

    # What the nightly job would have counted over these texts (no labels involved).
    from collections import Counter

    df: Counter[str] = Counter()
    for it in items:
        df.update(features.term_counts(it["title"], it["body"]).keys())
    TermStat.objects.all().delete()
    TermStat.objects.bulk_create([TermStat(term=t, df=c) for t, c in df.items() if c > 1] + [TermStat(term="", df=len(items))])
    features.DOC_FREQ.reset()

    # Routing, online in file order; index each item after predicting it.
    half = len(items) // 2
    routed = {"later": [0, 0, 0], "all": [0, 0, 0], "cold": [0, 0, 0]}  # evaluated, top1, top3
    route_ms = []
    misses = []
    for n, it in enumerate(items):
        unit = units.get(it.get("unit") or "")
        if unit is not None:
            t0 = time.perf_counter()
            suggestions = selectors.suggest_units(committee, title=it["title"], body=it["body"])
            route_ms.append((time.perf_counter() - t0) * 1000)
            ranked = [s.unit.pk for s in suggestions]
            buckets = ["all"] + (["later"] if n >= half else [])
            for b in buckets:
                routed[b][0] += 1
                routed[b][1] += ranked[:1] == [unit.pk]
                routed[b][2] += unit.pk in ranked[:3]
            if n >= half and unit.pk not in ranked[:3]:
                misses.append({"id": it["id"], "title": it["title"], "unit": unit.name,
                               "suggested": [s.unit.name for s in suggestions]})
        services.document_upsert(
            entry=IndexEntry(
                kind="eval", object_id=n + 1, committee_id=committee.pk, title=it["title"], body=it["body"],
                date=dt.date(2020, 1, 1) + dt.timedelta(days=n), unit_id=unit.pk if unit else None,
            )
        )
    # Cold start: the same predictions with no history at all (duties only).
    from zhengxie.textindex.models import UnitTerm

    saved = list(UnitTerm.objects.filter(committee_id=committee.pk).values_list("unit_id", "term", "weight", "items"))
    UnitTerm.objects.filter(committee_id=committee.pk).delete()
    for it in items:
        unit = units.get(it.get("unit") or "")
        if unit is None:
            continue
        ranked = [s.unit.pk for s in selectors.suggest_units(committee, title=it["title"], body=it["body"])]
        routed["cold"][0] += 1
        routed["cold"][1] += ranked[:1] == [unit.pk]
        routed["cold"][2] += unit.pk in ranked[:3]
    UnitTerm.objects.bulk_create([UnitTerm(committee_id=committee.pk, unit_id=u, term=t, weight=w, items=i) for u, t, w, i in saved])

    # Duplicates: every item against everything indexed.
    by_object = {n + 1: it["id"] for n, it in enumerate(items)}
    groups: dict[str, list[str]] = {}
    for it in items:
        if it.get("dup_group"):
            groups.setdefault(str(it["dup_group"]), []).append(it["id"])
    truth = pairs_of({g: ids for g, ids in groups.items() if len(ids) > 1})
    scores: dict[frozenset[str], float] = {}
    shown: dict[str, list[str]] = {}  # the five items the page would show beside each item
    sim_ms = []
    for n, it in enumerate(items):
        t0 = time.perf_counter()
        found = selectors.similar(access, title=it["title"], body=it["body"], exclude=("eval", n + 1), limit=10, min_score=0.0)
        sim_ms.append((time.perf_counter() - t0) * 1000)
        shown[it["id"]] = [by_object[s.doc.object_id] for s in found[:5]]
        for s in found:
            pair = frozenset((it["id"], by_object[s.doc.object_id]))
            scores[pair] = max(scores.get(pair, 0.0), s.score)

    def pr(threshold: float) -> dict:
        predicted = {p for p, s in scores.items() if s >= threshold}
        tp = len(predicted & truth)
        return {
            "threshold": round(threshold, 3),
            "predicted_pairs": len(predicted),
            "true_positives": tp,
            "precision": round(tp / len(predicted), 4) if predicted else 1.0,
            "recall": round(tp / len(truth), 4) if truth else 1.0,
        }

    headline = pr(selectors.DUPLICATE_THRESHOLD)
    # What a clerk sees: is a true duplicate among the five similar items listed beside an item?
    group_of = {it["id"]: it.get("dup_group") for it in items}
    in_groups = [i for i, g in group_of.items() if g and len(groups.get(str(g), [])) > 1]
    hit_at_5 = sum(any(group_of.get(j) == group_of[i] for j in shown.get(i, [])) for i in in_groups)
    pairs_at_5 = {frozenset((i, j)) for i in shown for j in shown[i]} & truth
    headline["items_with_a_duplicate_in_top5"] = round(hit_at_5 / len(in_groups), 4) if in_groups else 1.0
    headline["pair_recall_top5"] = round(len(pairs_at_5) / len(truth), 4) if truth else 1.0
    sweep = [pr(t / 100) for t in range(10, 80, 5)]
    missed = sorted(truth - {p for p, s in scores.items() if s >= selectors.DUPLICATE_THRESHOLD})
    false = sorted({p for p, s in scores.items() if s >= selectors.DUPLICATE_THRESHOLD} - truth)
    titles = {it["id"]: it["title"] for it in items}

    def describe(pairs: list[frozenset[str]]) -> list[dict]:
        out = []
        for p in pairs[:40]:
            a, b = sorted(p)
            out.append({"pair": [a, b], "score": round(scores.get(p, 0.0), 3), "titles": [titles[a], titles[b]]})
        return out

    def rate(b: str, k: int) -> float:
        return round(routed[b][k] / routed[b][0], 4) if routed[b][0] else 0.0

    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return round(values[min(len(values) - 1, int(q * len(values)))], 2) if values else 0.0

    return {
        "items": len(items),
        "duplicate_groups": len([g for g in groups.values() if len(g) > 1]),
        "duplicate_pairs": len(truth),
        "duplicates": headline,
        "duplicate_sweep": sweep,
        "duplicates_missed": describe(missed),
        "duplicates_false": describe(false),
        "routing": {
            "evaluated_later_half": routed["later"][0],
            "top1": rate("later", 1),
            "top3": rate("later", 2),
            "all_items_top1": rate("all", 1),
            "all_items_top3": rate("all", 2),
            "cold_start_top1": rate("cold", 1),
            "cold_start_top3": rate("cold", 2),
            "misses": misses[:40],
        },
        "timing_ms": {
            "similar_p50": pct(sim_ms, 0.5), "similar_p95": pct(sim_ms, 0.95),
            "routing_p50": pct(route_ms, 0.5), "routing_p95": pct(route_ms, 0.95),
        },
        "units": len(units),
        "document_count": Document.objects.count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    items = load(args.set)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="zhengxie-eval-") as tmp:
        setup_django(tmp)
        report = run(items)
    from django.db import connection

    d, r = report["duplicates"], report["routing"]
    figures = {"duplicate_recall": d["recall"], "duplicate_precision": d["precision"], "routing_top3": r["top3"]}
    failed = {k: v for k, v in figures.items() if v < TARGETS[k]}
    report.update(
        set=str(args.set), database=connection.vendor, seconds=round(time.time() - started, 1),
        generated=dt.datetime.now().isoformat(timespec="seconds"), targets=TARGETS, figures=figures,
        passed=not failed,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"set {args.set} · {report['items']} items · {report['duplicate_pairs']} duplicate pairs · {report['units']} units · {connection.vendor}")
    print(f"duplicates  threshold {d['threshold']}: precision {d['precision']:.3f}  recall {d['recall']:.3f}  "
          f"({d['true_positives']}/{report['duplicate_pairs']} found, {d['predicted_pairs']} flagged)")
    print(f"            shown among the 5 most similar: a duplicate for {d['items_with_a_duplicate_in_top5']:.3f} of items "
          f"that have one; {d['pair_recall_top5']:.3f} of duplicate pairs")
    print(f"routing     later half ({r['evaluated_later_half']} items): top-1 {r['top1']:.3f}  top-3 {r['top3']:.3f}   "
          f"all items: top-1 {r['all_items_top1']:.3f} top-3 {r['all_items_top3']:.3f}   "
          f"cold start (duties only): top-1 {r['cold_start_top1']:.3f} top-3 {r['cold_start_top3']:.3f}")
    t = report["timing_ms"]
    print(f"timing      similar p50 {t['similar_p50']} ms p95 {t['similar_p95']} ms · routing p50 {t['routing_p50']} ms p95 {t['routing_p95']} ms")
    for k, v in failed.items():
        print(f"BELOW TARGET: {k} = {v} < {TARGETS[k]}")
    print(f"report: {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
