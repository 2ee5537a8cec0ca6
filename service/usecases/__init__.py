"""The service's use cases, in one place and free of Flask and Celery.

- submit: store a job or a batch, then queue it (submit_job, submit_batch, queue_batch)
- run: claim a job, localize it with the live glossary, store the result (run_job)
- deliver: one signed webhook attempt for a finished job (send_job_webhook)
- review: approve or reject a glossary candidate (approve_candidate, reject_candidate)

How a job looks to a client, in the API and in a webhook, is decided once in
service.domain.job_view. Each use case takes its stores as arguments typed by the Protocols in
ports.py; blueprints and Celery tasks parse, call one of these, and answer.
"""
