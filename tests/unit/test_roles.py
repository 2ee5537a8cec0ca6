"""Who may call what: every route of the app against one table, checked with a real key of each
role. A new route that is not in the table fails here until someone decides who may call it.

The table is the one the README prints (Roles). Maintainers curate the glossary and review
candidates (which show short contexts around a spelling); they do not read editors' articles,
so jobs, batches and results are closed to them.
"""

import pytest

PUBLIC = "public"
EVERY_KEY = ("editor", "maintainer", "admin")
ROLE_TABLE = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/v1/openapi.json"): PUBLIC,
    ("GET", "/v1/locales"): EVERY_KEY,
    ("GET", "/v1/engines"): EVERY_KEY,
    ("POST", "/v1/jobs"): ("editor", "admin"),
    ("GET", "/v1/jobs/<job_id>"): ("editor", "admin"),
    ("POST", "/v1/batches"): ("editor", "admin"),
    ("GET", "/v1/batches/<batch_id>"): ("editor", "admin"),
    ("GET", "/v1/batches/<batch_id>/results"): ("editor", "admin"),
    ("POST", "/v1/batches/<batch_id>/cancel"): ("editor", "admin"),
    ("POST", "/v1/batches/<batch_id>/retry-failed"): ("editor", "admin"),
    ("POST", "/v1/batches/<batch_id>/retry"): ("editor", "admin"),
    ("GET", "/v1/glossary/entries"): EVERY_KEY,
    ("GET", "/v1/glossary/entries/<entry_id>"): EVERY_KEY,
    ("GET", "/v1/glossary/entries/<entry_id>/history"): EVERY_KEY,
    ("POST", "/v1/glossary/entries"): ("maintainer", "admin"),
    ("PUT", "/v1/glossary/entries/<entry_id>"): ("maintainer", "admin"),
    ("DELETE", "/v1/glossary/entries/<entry_id>"): ("maintainer", "admin"),
    ("GET", "/v1/glossary/candidates"): ("maintainer", "admin"),
    ("POST", "/v1/glossary/candidates/<int:candidate_id>/approve"): ("maintainer", "admin"),
    ("POST", "/v1/glossary/candidates/<int:candidate_id>/reject"): ("maintainer", "admin"),
    # The drop-in LibreTranslate and DeepL endpoints (service/api/compat*.py): translating is
    # for every key (a maintainer checks the glossary with the desk's own tools); adding to
    # the glossary is the maintainers'. GET /languages is public, as in LibreTranslate.
    ("POST", "/translate"): EVERY_KEY,
    ("GET", "/languages"): PUBLIC,
    ("POST", "/detect"): EVERY_KEY,
    ("POST", "/v2/translate"): EVERY_KEY,
    ("GET", "/v2/languages"): EVERY_KEY,
    ("GET", "/v2/usage"): EVERY_KEY,
    ("GET", "/v2/glossaries"): EVERY_KEY,
    ("POST", "/v2/glossaries"): ("maintainer", "admin"),
    ("GET", "/v2/glossaries/<glossary_id>"): EVERY_KEY,
    ("GET", "/v2/glossaries/<glossary_id>/entries"): EVERY_KEY,
    ("DELETE", "/v2/glossaries/<glossary_id>"): ("maintainer", "admin"),
    ("GET", "/v2/glossary-language-pairs"): EVERY_KEY,
}
# Those endpoints answer a missing key with 403 and put the message where their API does.
COMPAT_PREFIXES = ("/translate", "/languages", "/detect", "/v2/")


def routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/ui/"):
            continue  # the UI signs people in with passwords; tests/unit/test_ui_*.py
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule))
    return found


def concrete(path: str) -> str:
    return (path.replace("<int:candidate_id>", "1").replace("<job_id>", "0" * 32)
            .replace("<batch_id>", "0" * 32).replace("<entry_id>", "no-such-entry")
            .replace("<glossary_id>", "no-such-glossary"))


def test_every_route_is_in_the_role_table_and_nothing_else_is(app):
    assert routes(app) == set(ROLE_TABLE)


@pytest.mark.parametrize(("method", "path"), sorted(ROLE_TABLE))
def test_each_role_gets_exactly_what_the_table_says(client, auth, method, path):
    allowed = ROLE_TABLE[(method, path)]
    url = concrete(path)
    anonymous = client.open(url, method=method, json={})
    if allowed == PUBLIC:
        assert anonymous.status_code not in (401, 403), anonymous.get_data(as_text=True)
        return
    compat = path.startswith(COMPAT_PREFIXES)
    assert anonymous.status_code == (403 if compat else 401)
    for role in EVERY_KEY:
        response = client.open(url, method=method, json={}, headers=auth[role])
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.get_data(as_text=True))
        else:
            assert response.status_code == 403, (role, response.status_code)
            assert f"your key has the {role} role" in error_message(response.get_json())


def error_message(body: dict) -> str:
    """audarma's {"error": {"message"}}, LibreTranslate's {"error"} or DeepL's {"message"}."""
    error = body.get("error", body)
    return error if isinstance(error, str) else error["message"]


def test_the_openapi_document_states_the_same_roles(client):
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    for (method, path), allowed in ROLE_TABLE.items():
        documented_path = path.replace("<int:", "{").replace("<", "{").replace(">", "}")
        operation = paths.get(documented_path, {}).get(method.lower())
        if operation is None:
            continue  # undocumented public probes
        if allowed == PUBLIC:
            assert not operation.get("x-roles"), path
        else:
            assert sorted(operation["x-roles"]) == sorted(allowed), path
