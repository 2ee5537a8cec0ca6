"""A maintainer's decision on a spelling the workers met (a glossary candidate).

Approving writes the variant and the decision in one transaction (CandidateStore.approve takes
the glossary store and writes through its session): a glossary with the variant but a candidate
still pending, or the reverse, cannot be left behind. A rejected spelling stays remembered, so
the workers never suggest it again.
"""

from __future__ import annotations

from .ports import Candidates


def approve_candidate(
    candidate_id: int, by: str, candidates: Candidates, glossary, entity_id: str | None = None
) -> dict:
    """The spelling becomes a variant of its suggested entity, or of `entity_id` when given."""
    return candidates.approve(candidate_id, by, glossary, entity_id=entity_id)


def reject_candidate(candidate_id: int, by: str, candidates: Candidates) -> dict:
    return candidates.reject(candidate_id, by)
