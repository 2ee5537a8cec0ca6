"""CHECK constraints: the rules the API enforces, held by the database too.

The models declare these; migration 0004 applied them (a migration keeps its own frozen copy,
and tests/unit/test_store.py checks that a migrated database holds exactly this list).
Conditions are plain SQL that SQLite and PostgreSQL both read.
"""

# (table, constraint name, condition)
CHECKS = [
    ("jobs", "ck_jobs_status", "status IN ('queued', 'running', 'done', 'failed')"),
    ("jobs", "ck_jobs_queue", "queue IN ('interactive', 'batch')"),
    ("jobs", "ck_jobs_fmt", "fmt IN ('text', 'html', 'ninjs')"),
    ("jobs", "ck_jobs_counts", "attempts >= 0 AND sweeps >= 0"),
    ("jobs", "ck_jobs_idempotency_key", "length(idempotency_key) <= 200"),
    ("api_keys", "ck_api_keys_role", "role IN ('editor', 'maintainer', 'admin')"),
    ("batches", "ck_batches_name", "length(name) <= 200"),
    ("glossary_entries", "ck_glossary_entries_type",
     "type IN ('person', 'place', 'organization', 'term')"),
    ("glossary_entries", "ck_glossary_entries_version", "version >= 1"),
    ("glossary_entries", "ck_glossary_entries_lengths",
     "length(id) <= 200 AND length(collection) <= 100"),
    ("users", "ck_users_role", "role IN ('editor', 'maintainer', 'admin')"),
    ("users", "ck_users_failed_logins", "failed_logins >= 0"),
    ("candidates", "ck_candidates_status", "status IN ('pending', 'approved', 'rejected')"),
]
