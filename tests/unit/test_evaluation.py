"""Name-matching evaluation on the labelled set in tests/data/eval/ (see its README).

Auto-applied fixes must be right (precision), and misspellings must be flagged, applied or
suggested (recall). The figures are printed at the end of the test run.
"""

import csv
from collections import Counter
from pathlib import Path

import pytest

from service.core.matching import normalize
from tests.conftest import EVAL_REPORT

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"
MIN_PRECISION = 0.995
MIN_RECALL = 0.95


def read_rows(name: str) -> list[dict]:
    with (EVAL / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def judge(index, row: dict) -> dict:
    """What the matcher did to the row's mention: applied / suggested, and to which entity."""
    text, mention = row["text"], row["mention"]
    start = text.index(mention)
    end = start + len(mention)
    result = normalize(index, text)
    touching = [c for c in result.changes if c.start < end and start < c.end]
    return {
        "applied": [c for c in touching if c.applied],
        "suggested": [c for c in touching if not c.applied],
    }


@pytest.fixture(scope="module")
def outcome(shipped_index):
    positives = read_rows("positives.tsv")
    negatives = read_rows("negatives.tsv")
    counts = Counter()
    wrong: list[str] = []
    missed: list[str] = []
    for row in positives:
        seen = judge(shipped_index, row)
        counts["positives"] += 1
        right = [c for c in seen["applied"] if c.entity == row["entity"]]
        for change in seen["applied"]:
            counts["applied"] += 1
            if change in right:
                counts["applied_right"] += 1
            else:
                wrong.append(f"{row['id']}: {change.original!r} -> {change.replacement!r}")
        flagged = right or [c for c in seen["suggested"] if c.entity == row["entity"]]
        counts["flagged"] += bool(flagged)
        counts[f"flagged:{row['category']}"] += bool(flagged)
        counts[f"total:{row['category']}"] += 1
        if not flagged:
            missed.append(f"{row['id']}: {row['mention']!r} ({row['entity']})")
    for row in negatives:
        seen = judge(shipped_index, row)
        counts["negatives"] += 1
        counts["negatives_suggested"] += bool(seen["suggested"])
        for change in seen["applied"]:
            counts["applied"] += 1
            wrong.append(f"{row['id']} (negative): {change.original!r} -> {change.replacement!r}")
    return counts, wrong, missed


def test_evaluation_set_is_large_enough(outcome):
    counts, _, _ = outcome
    assert counts["positives"] >= 300
    assert counts["negatives"] >= 300


def test_auto_apply_precision(outcome, request):
    counts, wrong, _ = outcome
    precision = counts["applied_right"] / counts["applied"] if counts["applied"] else 1.0
    report(request, counts, precision)
    assert precision >= MIN_PRECISION, "wrong auto-fixes:\n" + "\n".join(wrong)


def test_flagged_recall(outcome):
    counts, _, missed = outcome
    recall = counts["flagged"] / counts["positives"]
    assert recall >= MIN_RECALL, f"recall {recall:.3f}; missed:\n" + "\n".join(missed)


def report(request, counts: Counter, precision: float) -> None:
    recall = counts["flagged"] / counts["positives"]
    lines = [
        f"positives {counts['positives']}, negatives {counts['negatives']}",
        f"auto-applied {counts['applied']}, right {counts['applied_right']}: "
        f"precision {precision:.4f} (need >= {MIN_PRECISION})",
        f"flagged (applied or suggested) {counts['flagged']}: recall {recall:.4f} "
        f"(need >= {MIN_RECALL})",
    ]
    for key in sorted(k for k in counts if k.startswith("total:")):
        category = key.split(":", 1)[1]
        lines.append(
            f"  {category}: {counts['flagged:' + category]}/{counts[key]} flagged"
        )
    lines.append(
        f"negatives with a suggestion (noise an editor sees): {counts['negatives_suggested']}"
        f"/{counts['negatives']}"
    )
    request.config.stash.setdefault(EVAL_REPORT, []).extend(lines)

