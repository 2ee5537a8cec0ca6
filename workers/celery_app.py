"""The worker entry point (the Flask docs' make_celery.py): `celery -A workers.celery_app worker
-Q interactive,batch`, or `audarma worker`. Building the app here, at import, is this module's
whole job; everything it wires lives in service/queueing.py and the tasks in workers/tasks.py.
"""

from service.app import create_app
from service.queueing import bind_worker_process_signals

flask_app = create_app()
celery = flask_app.extensions["celery"]
bind_worker_process_signals(flask_app)
