"""gunicorn's settings for `make run` and for production (`gunicorn -c python:atomgrad.gunicorn_conf
atomgrad.wsgi`). Every value can be overridden on the command line or with gunicorn's own GUNICORN_CMD_ARGS.

Sync workers, two per core plus one: what the benchmarks measure (docs/PERFORMANCE.md). A client that waits
for a free worker waits in the listening socket's backlog, which is sized so that a burst of hundreds of
connections queues instead of being reset.
"""

import multiprocessing
import os

bind = os.environ.get("BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9))
worker_class = "sync"
backlog = 2048
# A request that takes longer than this is killed with its worker (a stuck request must not hold it for good).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Workers are recycled now and then, so a slow leak in a library cannot grow a worker for ever.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# Uploads are at most 12 MB per request (DATA_UPLOAD_MAX_MEMORY_SIZE); headers stay small.
limit_request_line = 8190
limit_request_fields = 100
# gunicorn's control socket sits at one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn): two servers on one
# machine (a second `make run`, the test suite) would take it from each other. Nothing here uses it.
control_socket_disable = True
