"""Blocking for fuzzy name lookup: which glossary entities are worth scoring for a query.

Entities are posted under the consonant skeletons of their names (folding.skeleton_of_phonetic);
a query probes its own skeleton, then skeletons one and two edits away, and stops widening as
soon as a tier holds a good match. Posting lists are arrays of entity indexes, or a bare int
for the many blocks of one entity.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import TypeAlias

from .folding import skeleton_of_phonetic

# A block as stored: an array of entity indexes, or a bare int for a block of one entity. As
# read: an array, or a one-element tuple. (Strings: array is not subscriptable before 3.12.)
Block: TypeAlias = "array[int] | int"
Blocks: TypeAlias = "dict[str, Block]"
Postings: TypeAlias = "array[int] | tuple[int]"

BLOCK_CAP = 5000  # skeleton blocks larger than this say nothing and are skipped
POOL_BUDGET = 200  # candidates scored per fuzzy lookup, at most (about)


class Probe:
    """The posting lists around one skeleton, computed tier by tier as they are needed."""

    def __init__(self, blocks: Blocks, skeleton: str, longest: int | None = None):
        self.blocks = blocks
        self.skeleton = skeleton
        self._tiers: list[set[str]] | None = None
        # The longest key in `blocks`: a skeleton more than one letter longer has no key within
        # the tiers' edits, and its neighbours (thousands, for a long run of capitalized junk)
        # need not be spelt out.
        self.longest = longest

    def tier(self, n: int) -> list[Postings]:
        if len(self.skeleton) < 2:
            return []
        if self.longest is not None and len(self.skeleton) - 1 > self.longest:
            return []
        if n == 0:
            keys = {self.skeleton}
        else:
            if self._tiers is None:
                self._tiers = _neighbours(self.skeleton)
            keys = self._tiers[n]
        found = (self.blocks.get(key) for key in keys)
        return [
            (p,) if isinstance(p, int) else p
            for p in found
            if p is not None and (isinstance(p, int) or len(p) <= BLOCK_CAP)
        ]


def gather(probes: list[Probe]) -> Iterator[set[int]]:
    """New candidates tier by tier (nearest skeletons first), rarest block first, until the
    pool reaches POOL_BUDGET; a block that would burst the budget is left out."""
    pool: set[int] = set()
    for tier in range(3):
        found = [probe.tier(tier) for probe in probes]
        fresh: set[int] = set()
        for size, postings in sorted(
            ((sum(len(p) for p in lists), lists) for lists in found if lists),
            key=lambda item: item[0],
        ):
            if (pool or fresh) and len(pool) + len(fresh) + size > POOL_BUDGET:
                yield fresh - pool
                return
            for p in postings:
                fresh.update(p)
        yield fresh - pool
        pool |= fresh


def joined_key(tokens: list[str]) -> str:
    return "=" + skeleton_of_phonetic("".join(tokens))


def deletions(key: str) -> set[str]:
    # Short skeletons would match half the glossary after a deletion.
    if len(key) < 4:
        return set()
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


def post_with_deletions(blocks: Blocks, key: str, idx: int) -> None:
    post(blocks, key, idx)
    for variant in deletions(key):
        post(blocks, variant, idx)


def post(blocks: Blocks, key: str, idx: int) -> None:
    """Add idx to a block. A block of one entity is stored as a bare int (most are)."""
    if len(key) < 2:
        return
    postings = blocks.get(key)
    if postings is None:
        blocks[key] = idx
    elif isinstance(postings, int):
        if postings != idx:
            blocks[key] = array("i", (postings, idx))
    elif postings[-1] != idx:
        postings.append(idx)


_CONSONANTS = "bcdfghjklmnprstvxz"


def _neighbours(skel: str) -> list[set[str]]:
    prefix = skel[0] if skel.startswith("=") else ""
    body = skel[len(prefix) :]
    near = {body[:i] + body[i + 1 :] for i in range(len(body))}
    near.update(body[:i] + body[i + 1] + body[i] + body[i + 2 :] for i in range(len(body) - 1))
    far: set[str] = set()
    if len(body) >= 3:
        for i in range(len(body) + 1):
            for ch in _CONSONANTS:
                far.add(body[:i] + ch + body[i:])
                if i < len(body):
                    far.add(body[:i] + ch + body[i + 1 :])
    tiers = [{body}, near - {body}, far - near - {body}]
    return [{prefix + k for k in keys if len(k) >= 2} for keys in tiers]


def as_postings(block: Block) -> Postings:
    return (block,) if isinstance(block, int) else block


def longest_key(blocks: Blocks) -> int:
    return max(map(len, blocks), default=0)


def union(postings: list[Postings]) -> set[int]:
    found: set[int] = set()
    for p in postings:
        found.update(p)
    return found
