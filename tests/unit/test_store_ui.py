"""The store under the maintainers' UI: folded search, history with before and revert,
mentions, Argon2id users with lockout, shared secrets, and the users/keys commands."""

import json

import pytest
from click.testing import CliRunner

from service.cli import main
from service.store.repositories import CandidateStore, GlossaryStore, InvalidGlossaryEntry, KeyStore
from service.store.search import query_pattern, search_key
from service.store.users import AccountLocked, Lockout, UserError, UserStore, shared_secret

PEOPLE = [
    {"id": "kassym-jomart-tokayev", "type": "person",
     "names": {"en": "Kassym-Jomart Tokayev", "ru": "Касым-Жомарт Токаев",
               "kk": "Қасым-Жомарт Тоқаев", "fr": "Kassym-Jomart Tokaïev"},
     "variants": [{"text": "Kassym-Zhomart Tokayev", "kind": "spelling"}]},
    {"id": "astana", "type": "place", "names": {"en": "Astana", "ru": "Астана"},
     "variants": [{"text": "Nur-Sultan", "kind": "former", "until": 2022}]},
    {"id": "sco", "type": "organization",
     "names": {"en": "Shanghai Cooperation Organisation",
               "es": "Organización de Cooperación de Shanghái"}},
]


@pytest.fixture
def glossary(database):
    store = GlossaryStore(database)
    for body in PEOPLE:
        store.create(body, by="seed")
    return store


def ids(result):
    return [entry["id"] for entry in result[0]]


# ------------------------------------------------------------------ search


SEARCH_CASES = [
    ("tokayev", ["kassym-jomart-tokayev"]),          # case
    ("TOKAIEV", ["kassym-jomart-tokayev"]),           # the French form, accent left out
    ("Tokaïev", ["kassym-jomart-tokayev"]),           # accent typed
    ("tokaiyev", []),                                 # a spelling nobody listed
    ("tokayev astana", []),                           # one form, not across forms
    ("ТОКАЕВ", ["kassym-jomart-tokayev"]),            # Cyrillic upper case
    ("Тоқаев", ["kassym-jomart-tokayev"]),            # Kazakh letter
    ("токаев", ["kassym-jomart-tokayev"]),            # Kazakh form typed with Russian letters
    ("Тokaev", []),                                   # mixed script, different letters
    ("Zhomart", ["kassym-jomart-tokayev"]),           # a variant
    ("nur-sultan", ["astana"]),                       # a former name
    ("nur–sultan", ["astana"]),                       # en dash for the hyphen
    ("shanghai", ["sco"]),
    ("Shanghái", ["sco"]),                            # accent on a form that has one
    ("cooperacion", ["sco"]),                         # accent left out
    ("astana", ["astana"]),
    ("АСТАНА", ["astana"]),
    ("%", []),                                        # LIKE wildcards are literal
    ("_", []),
    ("a", ["astana", "kassym-jomart-tokayev", "sco"]),
]


@pytest.mark.parametrize("query, expected", SEARCH_CASES)
def test_search_ignores_case_accents_and_script_lookalikes(glossary, query, expected):
    assert ids(glossary.list(q=query)) == expected


def test_search_filters_by_type_collection_and_missing_language(glossary):
    assert ids(glossary.list(type="place")) == ["astana"]
    assert ids(glossary.list(collection="api")) == ["astana", "kassym-jomart-tokayev", "sco"]
    assert ids(glossary.list(collection="people")) == []
    assert ids(glossary.list(missing="ru")) == ["sco"]
    assert ids(glossary.list(missing="kk")) == ["astana", "sco"]
    assert ids(glossary.list(missing="en")) == []
    assert ids(glossary.list(q="a", missing="es")) == ["astana", "kassym-jomart-tokayev"]


def test_search_keys_follow_every_write(glossary):
    entry = glossary.get("astana")
    body = {k: entry[k] for k in ("type", "names", "variants")}
    body["names"] = {**body["names"], "kk": "Астана", "de": "Astana"}
    body["variants"] = [*body["variants"], {"text": "Akmola", "kind": "former", "until": 1998}]

    glossary.update("astana", body, entry["version"], by="mara")

    assert ids(glossary.list(q="akmola")) == ["astana"]
    assert "astana" not in ids(glossary.list(missing="kk"))


def test_query_pattern_escapes_like_wildcards():
    assert query_pattern(" 50%_off\\ ") == "%50\\%\\_off\\\\%"
    assert "\n" in search_key("x", {"names": {"en": "A", "ru": "Б"}})


# ------------------------------------------------------------------ history and revert


def test_history_keeps_before_and_after_of_each_change(glossary):
    entry = glossary.get("astana")
    glossary.update("astana", {"type": "place", "names": {"en": "Astana", "ru": "Астана"}},
                    entry["version"], by="mara")

    change = glossary.changes(entry_id="astana")[0]

    assert change["action"] == "update" and change["changed_by"] == "mara"
    assert change["before"]["variants"] == [{"text": "Nur-Sultan", "kind": "former",
                                             "until": 2022}]
    assert "variants" not in change["body"] or not change["body"]["variants"]
    assert glossary.changes(entry_id="astana")[1]["before"] is None  # the create
    assert [c["entry_id"] for c in glossary.changes(by="mara")] == ["astana"]


def test_revert_an_update_restores_the_body_as_a_new_version(glossary):
    entry = glossary.get("astana")
    glossary.update("astana", {"type": "place", "names": {"en": "Astana City"}},
                    entry["version"], by="mara")
    change = glossary.changes(entry_id="astana")[0]

    result = glossary.revert(change["id"], by="ada")

    restored = glossary.get("astana")
    assert restored["names"] == {"en": "Astana", "ru": "Астана"}
    assert restored["version"] == entry["version"] + 2 == result["version"]
    assert glossary.changes(entry_id="astana")[0]["action"] == "revert"
    assert ids(glossary.list(q="nur-sultan")) == ["astana"]  # search keys restored too


def test_revert_a_create_deletes_and_reverting_that_brings_it_back(glossary):
    create = glossary.changes(entry_id="sco")[-1]

    glossary.revert(create["id"], by="ada")
    assert glossary.get("sco") is None
    with pytest.raises(InvalidGlossaryEntry, match="nothing to revert"):
        glossary.revert(create["id"], by="ada")

    delete = glossary.changes(entry_id="sco")[0]
    glossary.revert(delete["id"], by="ada")
    assert glossary.get("sco")["names"]["en"] == "Shanghai Cooperation Organisation"


def test_revert_of_a_delete_restores_the_entry(glossary):
    entry = glossary.get("astana")
    glossary.delete("astana", entry["version"], by="mara")

    glossary.revert(glossary.changes(entry_id="astana")[0]["id"], by="mara")

    assert glossary.get("astana")["variants"][0]["text"] == "Nur-Sultan"


# ------------------------------------------------------------------ mentions and candidates


def test_mentions_list_the_jobs_that_linked_an_entity_newest_first(database, glossary):
    from service.store.repositories import JobStore

    jobs = JobStore(database)
    candidates = CandidateStore(database)
    first, _ = jobs.submit(api_key_id=None, text="Astana hosted talks.", targets=["ru-RU"])
    second, _ = jobs.submit(api_key_id=None, text="Tokayev flew to Astana.", targets=["ru-RU"])
    candidates.record_mentions(first["id"], ["astana"])
    candidates.record_mentions(second["id"], ["kassym-jomart-tokayev", "astana", "astana"])

    found = candidates.mentions("astana")

    assert [m["job_id"] for m in found] == [second["id"], first["id"]]
    assert found[0]["opening"] == "Tokayev flew to Astana."
    assert [m["job_id"] for m in candidates.mentions("kassym-jomart-tokayev")] == [second["id"]]


def test_candidates_keep_their_best_score(database):
    candidates = CandidateStore(database)
    change = {"original": "Tokaev", "entity": "kassym-jomart-tokayev", "kind": "fuzzy",
              "applied": False, "start": 0, "end": 6}
    candidates.record("j1", "en", "Tokaev spoke.", [{**change, "confidence": 0.81}])
    candidates.record("j2", "en", "Tokaev spoke.", [{**change, "confidence": 0.93}])
    candidates.record("j3", "en", "Tokaev spoke.", [{**change, "confidence": 0.85}])

    [row] = candidates.list()
    assert row["score"] == pytest.approx(0.93) and row["count"] == 3


# ------------------------------------------------------------------ users


def test_passwords_are_stored_as_argon2id_hashes(database):
    from sqlalchemy import text

    UserStore(database).create("mara", "maintainer", "a-long-password")

    with database.session() as session:
        digest = session.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert digest.startswith("$argon2id$") and "a-long-password" not in digest


@pytest.mark.parametrize("name, role, password, problem", [
    ("", "admin", "a-long-password", "username"),
    ("two words", "admin", "a-long-password", "username"),
    ("x" * 201, "admin", "a-long-password", "username"),
    ("mara", "editor", "a-long-password", "role"),
    ("mara", "admin", "short", "10 to 1024"),
    ("mara", "admin", "x" * 1025, "10 to 1024"),
])
def test_bad_users_are_refused_with_the_reason(database, name, role, password, problem):
    with pytest.raises(UserError, match=problem):
        UserStore(database).create(name, role, password)


def test_a_taken_username_is_refused(database):
    users = UserStore(database)
    users.create("mara", "maintainer", "a-long-password")
    with pytest.raises(UserError, match="already exists"):
        users.create("mara", "admin", "another-password")


def test_lockout_after_repeated_failures_and_a_good_password_resets_the_count(database):
    users = UserStore(database, Lockout(max_failures=3, lock_seconds=60))
    users.create("mara", "maintainer", "a-long-password")

    for _ in range(2):
        assert users.authenticate("mara", "wrong-password") is None
    assert users.authenticate("mara", "a-long-password")["name"] == "mara"  # count reset
    for _ in range(2):
        users.authenticate("mara", "wrong-password")
    assert users.authenticate("mara", "a-long-password") is not None
    for _ in range(3):
        users.authenticate("mara", "wrong-password")
    with pytest.raises(AccountLocked):
        users.authenticate("mara", "a-long-password")
    assert users.list()[0]["locked_until"] is not None


def test_the_lock_ends_when_its_time_is_up(database):
    users = UserStore(database, Lockout(max_failures=1, lock_seconds=0))
    users.create("mara", "maintainer", "a-long-password")
    users.authenticate("mara", "wrong-password")

    assert users.authenticate("mara", "a-long-password") is not None


def test_shared_secret_is_made_once(database):
    first = shared_secret(database, "ui-session")

    assert shared_secret(database, "ui-session") == first and len(first) >= 40
    assert shared_secret(database, "other") != first


# ------------------------------------------------------------------ commands


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("AUDARMA_DATABASE_URL", url)
    return url


def run(*args, stdin=None):
    return CliRunner().invoke(main, list(args), input=stdin)


def test_users_create_reads_the_password_from_stdin(cli_db):
    result = run("users", "create", "--role", "admin", "--username", "ada",
                 stdin="a-long-password\n")

    assert result.exit_code == 0, result.output
    assert "created admin ada" in result.output
    from service.store.db import Database
    assert UserStore(Database(cli_db)).authenticate("ada", "a-long-password") is not None
    assert "ada" in run("users", "list").output


def test_users_create_refuses_a_short_password_and_names_the_rule(cli_db):
    result = run("users", "create", "--role", "maintainer", "--username", "mara", stdin="short\n")

    assert result.exit_code == 1
    assert "10 to 1024 characters" in result.output


def test_keys_list_and_revoke(cli_db):
    from service.store.db import Database

    created = run("keys", "create", "--role", "editor", "--name", "desk")
    key = created.output.strip().splitlines()[-1]
    listed = json.loads(run("keys", "list", "--json").output)
    assert [(k["name"], k["revoked"]) for k in listed] == [("desk", False)]
    assert "ak_" + listed[0]["prefix"] in run("keys", "list").output
    assert key not in run("keys", "list").output  # never the key itself

    assert run("keys", "revoke", listed[0]["id"]).exit_code == 0

    assert KeyStore(Database(cli_db)).authenticate(key) is None
    missing = run("keys", "revoke", "nope")
    assert missing.exit_code == 1 and "no API key with id 'nope'" in missing.output


def test_a_key_revoked_elsewhere_stops_at_once_in_this_process(database):
    here, elsewhere = KeyStore(database), KeyStore(database)
    plaintext, key = here.create("editor")
    assert here.authenticate(plaintext) is not None

    elsewhere.revoke(key["id"])

    assert here.authenticate(plaintext) is None


# ------------------------------------------------------------------ rules across entries


@pytest.mark.parametrize("body, problem", [
    ({"id": "nur-sultan-city", "type": "place", "names": {"en": "Nur-Sultan"}},
     "variant 'Nur-Sultan' is a canonical name or short form of 'nur-sultan-city'"),
    ({"id": "other", "type": "place", "names": {"en": "Other"},
      "variants": [{"text": "Astana", "kind": "spelling"}]},
     "variant 'Astana' is a canonical name or short form of 'astana'"),
    ({"id": "other", "type": "place", "names": {"en": "Other"},
      "variants": [{"text": "NUR-SULTAN", "kind": "spelling"}]},
     "variant 'NUR-SULTAN' is also claimed by 'astana'"),
    ({"id": "other", "type": "place", "names": {"en": "Other"},
      "variants": [{"text": "Касым-Жомарт Токаев", "kind": "spelling"}]},
     "canonical name or short form of 'kassym-jomart-tokayev'"),
    ({"id": "other", "type": "place", "names": {"en": "Other"},
      "variants": [{"text": "Nur_Sultan", "kind": "spelling"}]},
     None),  # LIKE's wildcard is a literal underscore here
])
def test_writes_keep_the_rules_across_entries(glossary, body, problem):
    if problem is None:
        glossary.create(body, by="mara")
        assert glossary.get(body["id"]) is not None
        return
    with pytest.raises(InvalidGlossaryEntry, match=problem):
        glossary.create(body, by="mara")
    assert glossary.get(body["id"]) is None


def test_an_edit_that_takes_another_entrys_variant_is_refused(glossary):
    sco = glossary.get("sco")
    body = {"type": "organization", "names": sco["names"],
            "variants": [{"text": "Kassym-Zhomart Tokayev", "kind": "spelling"}]}

    with pytest.raises(InvalidGlossaryEntry, match="also claimed by 'kassym-jomart-tokayev'"):
        glossary.update("sco", body, sco["version"], by="mara")
    assert glossary.get("sco")["version"] == sco["version"]


def test_a_revert_that_would_claim_a_variant_someone_took_since_is_refused(glossary):
    astana = glossary.get("astana")
    glossary.update("astana", {"type": "place", "names": astana["names"]}, astana["version"],
                    by="mara")
    dropped = glossary.changes(entry_id="astana")[0]
    glossary.create({"id": "nursultan-district", "type": "place",
                     "names": {"en": "Nursultan District"},
                     "variants": [{"text": "Nur-Sultan", "kind": "spelling"}]}, by="ada")

    with pytest.raises(InvalidGlossaryEntry, match="also claimed by 'nursultan-district'"):
        glossary.revert(dropped["id"], by="mara")
    assert glossary.get("astana")["version"] == astana["version"] + 1


def test_approving_a_candidate_that_is_another_entrys_name_is_refused(database, glossary):
    candidates = CandidateStore(database)
    candidates.record("j1", "en", "Astana said.", [
        {"original": "Astana", "entity": "sco", "kind": "fuzzy", "applied": False,
         "start": 0, "end": 6, "confidence": 0.8}])
    [candidate] = candidates.list()

    with pytest.raises(InvalidGlossaryEntry, match="canonical name or short form of 'astana'"):
        candidates.approve(candidate["id"], "mara", glossary)
    assert candidates.get(candidate["id"])["status"] == "pending"


# ------------------------------------------------------------------ rejected spellings


def test_a_rejected_spelling_is_no_longer_suggested_to_editors(database):
    """Through the real stores and pipeline: a fuzzy suggestion comes back until a maintainer
    rejects it; then the next job of the same article no longer carries it."""
    from service.core.figures import load_house_styles
    from service.core.translate import EngineRouter
    from service.store.repositories import JobStore
    from service.usecases.run import LocalizerCache, run_job

    glossary = GlossaryStore(database)
    glossary.create({"id": "beibut-atamkulov", "type": "person",
                     "names": {"en": "Beibut Atamkulov"}}, by="seed")
    jobs, candidates = JobStore(database), CandidateStore(database)
    cache = LocalizerCache(EngineRouter([]), load_house_styles(), 0.0)
    text = "Beibut Atamkulav met the press."

    def suggestions() -> list[str]:
        job, _ = jobs.submit(api_key_id=None, text=text, targets=["en-GB"])
        run_job(job["id"], jobs, glossary, cache, candidates)
        changes = jobs.document(job["id"])["normalized"]["changes"]
        return [c["original"] for c in changes if not c["applied"]]

    assert suggestions() == ["Beibut Atamkulav"]
    [candidate] = candidates.list()
    candidates.reject(candidate["id"], "mara")

    assert suggestions() == []
    assert candidates.list() == []  # and it is not put back on the maintainers' list
    assert candidates.rejected("en", ["Beibut Atamkulav", "Other"]) == {"Beibut Atamkulav"}
    assert candidates.rejected("ru", ["Beibut Atamkulav"]) == set()
