"""The candidates page: listing the spellings the workers met, and approving, creating from and
rejecting them through the UI."""

import re

import pytest

from service.ui.candidates import highlight

MA = {"id": "ma-xingrui", "type": "person", "names": {"en": "Ma Xingrui", "ru": "Ма Синжуй"}}
TOKAYEV = {"id": "kassym-jomart-tokayev", "type": "person",
           "names": {"en": "Kassym-Jomart Tokayev"}}


def fuzzy(original: str, entity: str | None, start: int = 0, confidence: float = 0.92) -> dict:
    """A fuzzy suggestion as the pipeline reports it."""
    return {"start": start, "end": start + len(original), "original": original,
            "replacement": "x", "entity": entity, "kind": "fuzzy", "confidence": confidence,
            "applied": False, "reason": "not spelled correctly anywhere else"}


@pytest.fixture
def stores(app):
    audarma = app.extensions["audarma"]
    audarma.glossary.create(MA, by="seed")
    audarma.glossary.create(TOKAYEV, by="seed")
    return audarma


def seen(stores, spelling: str, entity: str | None = "ma-xingrui", language: str = "en",
         text: str | None = None, job: str = "job-1") -> dict:
    """Record one sighting of `spelling` and return its candidate."""
    text = text or f"Party secretary {spelling} visited Urumqi on Monday."
    stores.candidates.record(job, language, text, [fuzzy(spelling, entity, text.index(spelling))])
    found = [c for status in ("pending", "approved", "rejected")
             for c in stores.candidates.list(status=status)
             if c["spelling"] == spelling and c["entity_id"] == entity]
    return found[0]


def variants(stores, entry_id: str) -> list[dict]:
    return stores.glossary.get(entry_id).get("variants", [])


# --------------------------------------------------------------------------- the list


def test_highlight_splits_text_around_every_match_without_markup():
    assert highlight("a Ma Xingruy b ma xingruy", "Ma Xingruy") == [
        ("a ", False), ("Ma Xingruy", True), (" b ma xingruy", False)]
    assert highlight("A MA XINGRUY b", "Ma Xingruy") == [
        ("A ", False), ("MA XINGRUY", True), (" b", False)]
    assert highlight("nothing here", "Ma") == [("nothing here", False)]


def test_the_list_shows_a_pending_candidate_with_its_facts_and_context(ui, stores):
    seen(stores, "Ma Xingruy")
    seen(stores, "Ma Xingruy", job="job-2")

    page = ui.get("/ui/candidates")

    assert page.status_code == 200
    assert page.text.count("<h1>") == 1
    assert "Ma Xingruy" in page.text
    assert "2 times" in page.text
    assert 'href="/ui/entries/ma-xingrui">Ma Xingrui</a>' in page.text
    assert "score 92%" in page.text
    assert '<mark class="suggested">Ma Xingruy</mark>' in page.text
    assert "Approve Ma Xingruy as a variant of Ma Xingrui" in page.text
    assert "Reject Ma Xingruy" in page.text


def test_the_status_filter_and_paging(ui, stores):
    for n in range(23):
        seen(stores, f"Ma Xingru{chr(97 + n)}")
    first = ui.get("/ui/candidates")
    second = ui.get("/ui/candidates?status=pending&page=2")

    assert "23 pending candidates" in first.text
    assert "Page 1 of 2" in first.text and 'rel="next"' in first.text
    assert len(re.findall(r'class="candidate"', first.text)) == 20
    assert len(re.findall(r'class="candidate"', second.text)) == 3
    assert "No rejected candidates." in ui.get("/ui/candidates?status=rejected").text


@pytest.mark.parametrize("query, problem", [
    ("status=maybe", "status filter must be one of pending, approved, rejected"),
    ("page=zero", "page number must be a whole number"),
    ("page=0", "page number must be a whole number"),
    ("page=" + "9" * 5000, "page number must be a whole number"),
    ("page=%EF%BC%91", "page number must be a whole number"),  # a fullwidth digit one
])
def test_bad_query_values_get_a_400_that_says_what_was_wrong(ui, query, problem):
    page = ui.get(f"/ui/candidates?{query}")

    assert page.status_code == 400
    assert problem in page.text


def test_a_script_in_a_context_is_shown_as_text(ui, stores):
    seen(stores, "Ma Xingruy", text="<script>alert(1)</script> Ma Xingruy <b>x</b>")

    page = ui.get("/ui/candidates")

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;x&lt;/b&gt;" in page.text


def test_the_page_needs_a_signed_in_user(client):
    assert client.get("/ui/candidates").status_code == 302


# --------------------------------------------------------------------------- approving


def test_approving_writes_the_variant_with_its_kind_and_history(ui, stores):
    candidate = seen(stores, "Ma Xingruy")
    revision = stores.glossary.revision()

    response = ui.post(f"/ui/candidates/{candidate['id']}/approve",
                       {"form": "approve", "kind": "spelling"})

    assert response.status_code == 303
    assert {"text": "Ma Xingruy", "kind": "spelling"} in variants(stores, "ma-xingrui")
    assert stores.glossary.revision() > revision  # the workers' signal to reload
    change = stores.glossary.changes(entry_id="ma-xingrui", limit=1)[0]
    assert (change["changed_by"], change["action"]) == ("mara", "update")
    assert stores.candidates.get(candidate["id"])["status"] == "approved"
    assert stores.candidates.get(candidate["id"])["decided_by"] == "mara"
    after = ui.get(response.headers["Location"])
    assert "Ma Xingruy is now a spelling variant of Ma Xingrui." in after.text


def test_approving_a_former_name_needs_its_year(ui, stores):
    candidate = seen(stores, "Ma Xingruy")

    missing = ui.post(f"/ui/candidates/{candidate['id']}/approve",
                      {"form": "approve", "kind": "former"})
    bad = ui.post(f"/ui/candidates/{candidate['id']}/approve",
                  {"form": "approve", "kind": "former", "until": "20x9"})
    good = ui.post(f"/ui/candidates/{candidate['id']}/approve",
                   {"form": "approve", "kind": "former", "until": "2019"})

    assert missing.status_code == 422
    assert "A former name needs the last year it was used" in missing.text
    assert f'id="c{candidate["id"]}-a-until-error"' in missing.text
    assert 'aria-invalid="true"' in missing.text
    assert bad.status_code == 422 and "not &#39;20x9&#39;" in bad.text
    assert good.status_code == 303
    assert {"text": "Ma Xingruy", "kind": "former", "until": 2019} in variants(stores,
                                                                               "ma-xingrui")


def test_approving_as_a_variant_of_another_entry(ui, stores):
    candidate = seen(stores, "Tokaev")

    response = ui.post(f"/ui/candidates/{candidate['id']}/approve",
                       {"form": "other", "entity": "kassym-jomart-tokayev",
                        "kind": "abbreviation"})

    assert response.status_code == 303
    assert {"text": "Tokaev", "kind": "abbreviation"} in variants(stores, "kassym-jomart-tokayev")
    assert "variants" not in stores.glossary.get("ma-xingrui")
    flashed = ui.get(response.headers["Location"]).text
    assert "Tokaev is now a variant (abbreviation) of Kassym-Jomart Tokayev." in flashed


def test_approving_to_an_unknown_entry_shows_the_error_next_to_the_field(ui, stores):
    candidate = seen(stores, "Ma Xingruy")

    page = ui.post(f"/ui/candidates/{candidate['id']}/approve",
                   {"form": "other", "entity": "no-such-person"})

    assert page.status_code == 422
    assert "There is no entry &#39;no-such-person&#39;" in page.text
    assert f'aria-describedby="c{candidate["id"]}-o-entity-error"' in page.text
    assert 'value="no-such-person"' in page.text  # the maintainer's input is kept
    assert stores.candidates.get(candidate["id"])["status"] == "pending"


@pytest.mark.parametrize("data, problem", [
    ({"kind": "nickname"}, "variant kind must be one of spelling, former"),
    ({"form": "other", "entity": "x" * 201}, "at most 200 are allowed"),
    ({"form": "other", "entity": "ma\x00"}, "NUL character"),
])
def test_bad_form_values_get_a_400(ui, stores, data, problem):
    candidate = seen(stores, "Ma Xingruy")

    page = ui.post(f"/ui/candidates/{candidate['id']}/approve", data)

    assert page.status_code == 400
    assert problem in page.text


def test_an_unknown_or_decided_candidate_is_refused(ui, stores):
    candidate = seen(stores, "Ma Xingruy")
    ui.post(f"/ui/candidates/{candidate['id']}/approve", {"form": "approve"})

    again = ui.post(f"/ui/candidates/{candidate['id']}/approve", {"form": "approve"})
    unknown = ui.post("/ui/candidates/99999/reject")
    huge = ui.post(f"/ui/candidates/{2**40}/reject")

    assert again.status_code == 409 and "already approved by mara" in again.text
    assert unknown.status_code == 404 and huge.status_code == 404


def test_a_post_without_the_csrf_token_changes_nothing(ui, stores):
    candidate = seen(stores, "Ma Xingruy")

    response = ui.client.post(f"/ui/candidates/{candidate['id']}/reject")

    assert response.status_code == 400
    assert stores.candidates.get(candidate["id"])["status"] == "pending"


# --------------------------------------------------------------------------- a new entry


def test_creating_an_entry_from_a_candidate(ui, stores):
    candidate = seen(stores, "Erlan Karinov", entity="kassym-jomart-tokayev")

    response = ui.post(f"/ui/candidates/{candidate['id']}/create", {"type": "person"})

    assert response.status_code == 303
    entry = stores.glossary.get("erlan-karinov")
    assert entry["names"] == {"en": "Erlan Karinov"} and entry["type"] == "person"
    assert stores.glossary.changes(entry_id="erlan-karinov")[0]["changed_by"] == "mara"
    assert stores.candidates.get(candidate["id"])["status"] == "approved"
    assert "New entry erlan-karinov created" in ui.get(response.headers["Location"]).text


def test_a_russian_spelling_needs_an_english_name_for_its_entry(ui, stores):
    candidate = seen(stores, "Ерлан Каринов", entity=None, language="ru")

    missing = ui.post(f"/ui/candidates/{candidate['id']}/create", {"type": "person"})
    made = ui.post(f"/ui/candidates/{candidate['id']}/create",
                   {"type": "person", "en": "Yerlan Karinov"})

    assert missing.status_code == 422
    assert "Every entry needs an English name" in missing.text
    assert made.status_code == 303
    assert stores.glossary.get("yerlan-karinov")["names"] == {"ru": "Ерлан Каринов",
                                                              "en": "Yerlan Karinov"}


def test_creating_an_entry_that_exists_or_with_a_bad_id_or_type(ui, stores):
    candidate = seen(stores, "Ma Xingrui", entity=None)

    exists = ui.post(f"/ui/candidates/{candidate['id']}/create", {"type": "person"})
    bad_id = ui.post(f"/ui/candidates/{candidate['id']}/create",
                     {"type": "person", "id": "Not A Slug"})
    bad_type = ui.post(f"/ui/candidates/{candidate['id']}/create", {"type": "animal"})

    assert exists.status_code == 422
    assert "An entry &#39;ma-xingrui&#39; already exists" in exists.text
    assert bad_id.status_code == 422
    assert "lowercase letters, digits and single hyphens" in bad_id.text
    assert bad_type.status_code == 422 and "Choose a type: person" in bad_type.text
    assert stores.candidates.get(candidate["id"])["status"] == "pending"


# --------------------------------------------------------------------------- rejecting


def test_a_rejected_spelling_stays_rejected_when_the_workers_meet_it_again(ui, stores):
    candidate = seen(stores, "Ma Xingruy")

    response = ui.post(f"/ui/candidates/{candidate['id']}/reject")
    again = seen(stores, "Ma Xingruy", job="job-2")  # the same suggestion again
    text = "Ma Xingruy spoke."
    stores.candidates.record("job-3", "en", text, [fuzzy("Ma Xingruy", "kassym-jomart-tokayev")])

    assert response.status_code == 303
    assert (again["status"], again["count"]) == ("rejected", 2)
    assert "it will not be suggested again" in ui.get(response.headers["Location"]).text
    assert stores.candidates.get(candidate["id"])["status"] == "rejected"
    assert stores.candidates.count("pending") == 0
    assert "Ma Xingruy" not in ui.get("/ui/candidates").text
    assert "Ma Xingruy" in ui.get("/ui/candidates?status=rejected").text


def test_a_rejected_candidate_can_still_be_approved(ui, stores):
    candidate = seen(stores, "Ma Xingruy")
    ui.post(f"/ui/candidates/{candidate['id']}/reject")

    response = ui.post(f"/ui/candidates/{candidate['id']}/approve?status=rejected",
                       {"form": "approve"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/ui/candidates?status=rejected&page=1")
    assert stores.candidates.get(candidate["id"])["status"] == "approved"
