"""The benchmark's API server, in a process of its own (``python -m
benchmarks.api.server``): Django's WSGI application under the threaded WSGI server that
``runserver`` uses (one thread per connection, keep-alive), without its request log.
``/bench-ping`` answers from the server without Django: the bare round trip. It prints
``ready <port>`` once it listens on a free port of 127.0.0.1."""

import os
import socket
import sys

import django


def _ping(application):
    def app(environ, start_response):
        if environ.get("PATH_INFO") == "/bench-ping":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return application(environ, start_response)

    return app


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "office.settings")
    django.setup()
    from celery import current_app
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    # Whatever the answers send after commit goes to the benchmark's own queue, which it
    # empties afterwards, never to a production worker's.
    current_app.conf.task_default_queue = os.environ["BENCH_DEFAULT_QUEUE"]

    class Quiet(WSGIRequestHandler):
        def setup(self):
            super().setup()
            # Answers go out as soon as written (as gunicorn does), not held back by
            # Nagle's algorithm waiting for the client's delayed acknowledgement.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format, *args):
            pass

    class Server(ThreadedWSGIServer):
        request_queue_size = 64

    server = Server(("127.0.0.1", 0), Quiet)
    server.set_app(_ping(get_wsgi_application()))
    print(f"ready {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
