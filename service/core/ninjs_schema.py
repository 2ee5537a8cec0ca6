"""The parts of IPTC ninjs that audarma checks, written from the published field lists.

Two generations are in use and their text fields differ, so both are described:

- ninjs 2.1 (schema `ninjs-schema_2.1.json`, version 2.1.1): `headlines` and `bodies` are
  arrays of `{role?, contenttype?, value}`; `associations` is an array of ninjs objects, each
  with a `name` and a `uri`.
- ninjs 1.x (up to 1.4): flat `headline`, `body_text`, `body_html` (`body_*` in general) and
  `associations` as an object of named ninjs objects. `subheadline` is not in the 1.x field
  list but is widely sent beside `headline`; it is read the same way.

Both require `uri` and nothing else. What is checked here is the type of every field audarma
reads or writes, and of the common top-level fields (so a wrong `urgency` is named rather than
passed on). Deliberately not checked: `format` keywords (dates, URIs) and the published
schemas' ban on unknown properties; the brief for this service is to keep what it does not
understand, so a provider's own fields travel through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

# A field's rule: a check of its value, and what to say when it fails.
Rule = tuple[Callable[[object], bool], str]


def _string(value: object) -> bool:
    return isinstance(value, str)


def _urgency(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9


def _one_of(*allowed: str) -> Rule:
    return (lambda value: value in allowed), f"one of {', '.join(allowed)}"


STRING: Rule = (_string, "a string")
OBJECT: Rule = ((lambda value: isinstance(value, dict)), "an object")
ARRAY: Rule = ((lambda value: isinstance(value, list)), "an array")

# Top-level fields both generations share, with the same type.
COMMON: dict[str, Rule] = {
    "uri": STRING,
    "type": _one_of("text", "audio", "video", "picture", "graphic", "composite", "component"),
    "profile": STRING,
    "version": STRING,
    "firstcreated": STRING,
    "versioncreated": STRING,
    "contentcreated": STRING,
    "embargoed": STRING,
    "pubstatus": _one_of("usable", "withheld", "canceled"),
    "urgency": (_urgency, "an integer from 1 to 9"),
    "copyrightholder": STRING,
    "copyrightnotice": STRING,
    "usageterms": STRING,
    "ednote": STRING,
    "language": STRING,
    "by": STRING,
    "slugline": STRING,
    "located": STRING,
    "title": STRING,
    "standard": OBJECT,
}

# ninjs 1.x: the flat text fields audarma localizes, and associations keyed by name.
V1_TEXT_FIELDS = ("headline", "subheadline", "body_text", "body_html")
V1: dict[str, Rule] = {
    **COMMON,
    **{name: STRING for name in V1_TEXT_FIELDS},
    "associations": OBJECT,
    "subject": ARRAY,
    "person": ARRAY,
    "organisation": ARRAY,
    "place": ARRAY,
}

# ninjs 2.x: arrays of text objects, associations as an array.
V2_TEXT_ARRAYS = ("headlines", "bodies")
V2: dict[str, Rule] = {
    **COMMON,
    **{name: ARRAY for name in (*V2_TEXT_ARRAYS, "descriptions", "subjects", "people",
                                "organisations", "places", "events", "objects", "infosources",
                                "renditions", "altids", "trustindicators", "genres")},
    "associations": ARRAY,
    "expires": STRING,
}
# Each entry of `headlines`, `bodies` and `descriptions`.
TEXT_OBJECT: dict[str, Rule] = {"role": STRING, "contenttype": STRING, "value": STRING}
# Each entry of a 2.x `associations` array: a ninjs object that must name itself.
ASSOCIATION_REQUIRED = ("name", "uri")


def generation(item: dict) -> int:
    """2 when the item uses any 2.x-only field, else 1 (a bare {uri, headline} is 1.x)."""
    v2_only = set(V2) - set(V1)
    if any(key in item for key in v2_only) or isinstance(item.get("associations"), list):
        return 2
    return 1


def problems(item: object) -> Iterator[str]:
    """Every way `item` breaks the rules above, each naming the field and what it must be."""
    if not isinstance(item, dict):
        yield "the ninjs item must be a JSON object"
        return
    uri = item.get("uri")
    if not isinstance(uri, str) or not uri.strip():
        yield "'uri' is required (ninjs' only required field) and must be a non-empty string"
    rules = V2 if generation(item) == 2 else V1
    if rules is V2:
        mixed = [key for key in V1_TEXT_FIELDS if key in item]
        if mixed:
            yield (f"{mixed[0]!r} is a ninjs 1.x field and this item uses 2.x fields "
                   f"(headlines, bodies, ...); use one generation")
    for key, (check, wanted) in rules.items():
        if key in item and key != "uri" and not check(item[key]):
            yield f"{key!r} must be {wanted}, not {_kind(item[key])}"
    if rules is V2:
        yield from _v2_arrays(item)
    else:
        yield from _v1_associations(item)


def _v2_arrays(item: dict) -> Iterator[str]:
    for key in (*V2_TEXT_ARRAYS, "descriptions"):
        entries = item.get(key)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            where = f"{key}[{index}]"
            if not isinstance(entry, dict):
                yield f"{where!r} must be an object with a 'value', not {_kind(entry)}"
                continue
            if "value" not in entry:
                yield f"{where + '.value'!r} is required"
            for field, (check, wanted) in TEXT_OBJECT.items():
                if field in entry and not check(entry[field]):
                    yield f"{f'{where}.{field}'!r} must be {wanted}, not {_kind(entry[field])}"
    associations = item.get("associations")
    if isinstance(associations, list):
        for index, entry in enumerate(associations):
            where = f"associations[{index}]"
            if not isinstance(entry, dict):
                yield f"{where!r} must be an object, not {_kind(entry)}"
                continue
            for field in ASSOCIATION_REQUIRED:
                if not isinstance(entry.get(field), str):
                    yield f"{f'{where}.{field}'!r} is required and must be a string"


def _v1_associations(item: dict) -> Iterator[str]:
    associations = item.get("associations")
    if isinstance(associations, dict):
        for name, entry in associations.items():
            if not isinstance(entry, dict):
                yield f"'associations.{name}' must be an object, not {_kind(entry)}"


def _kind(value: object) -> str:
    """A JSON type name for error messages (never the value: it may be megabytes)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    names: dict[type, str] = {str: "a string", list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)
