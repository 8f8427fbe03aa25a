"""A hostile front for a real MLflow server, for Flowbook's retry and paging tests.

    python flaky_proxy.py --upstream http://127.0.0.1:5000 --port 5001 [--loop-pages] --stats FILE

Forwards every request to the upstream server, except that one API request in three is
refused before it reaches the server, cycling through what busy servers answer: 429 with
`Retry-After: 1`, 503 with `Retry-After: 0.2`, and the 500 "database is locked" of a
SQLite-backed server under load. A refused request never reaches the server, so a client
that retries it duplicates nothing. With --loop-pages, every runs/search answer is the
first page and names the same next page token, as a broken server or proxy might. The counts of forwarded and
refused requests go to --stats as JSON after each request.
"""

import argparse
import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCKED = b'{"error_code": "INTERNAL_ERROR", "message": "(sqlite3.OperationalError) database is locked"}'
FAULTS = [
    (429, {"Retry-After": "1"}, b'{"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Too many requests"}'),
    (503, {"Retry-After": "0.2"}, b"Service Unavailable"),
    (500, {}, LOCKED),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--stats", required=True)
    p.add_argument("--loop-pages", action="store_true")
    a = p.parse_args()
    lock = threading.Lock()
    stats = {"forwarded": 0, "refused": {"429": 0, "503": 0, "500": 0}, "api_requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            api = self.path.startswith("/api/")
            with lock:
                fault = None
                if api:
                    stats["api_requests"] += 1
                    n = stats["api_requests"]
                    if n % 3 == 1:
                        fault = FAULTS[(n // 3) % len(FAULTS)]
                        stats["refused"][str(fault[0])] += 1
                    else:
                        stats["forwarded"] += 1
                with open(a.stats, "w") as f:
                    json.dump(stats, f)
            if fault:
                status, headers, payload = fault
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            looping = a.loop_pages and self.path.startswith("/api/2.0/mlflow/runs/search")
            if looping and body:
                # The upstream never issued the looping token: ask it for the first page again.
                query = json.loads(body)
                query.pop("page_token", None)
                body = json.dumps(query).encode()
            request = urllib.request.Request(a.upstream + self.path, data=body, method=self.command)
            for k in ["Content-Type", "Authorization"]:
                if self.headers.get(k):
                    request.add_header(k, self.headers[k])
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    status, payload, ctype = answer.status, answer.read(), answer.headers.get("Content-Type")
            except urllib.error.HTTPError as error:
                status, payload, ctype = error.code, error.read(), error.headers.get("Content-Type")
            if looping and status == 200:
                page = json.loads(payload or b"{}")
                page["next_page_token"] = "the-same-token"
                payload = json.dumps(page).encode()
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    ThreadingHTTPServer(("127.0.0.1", a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
