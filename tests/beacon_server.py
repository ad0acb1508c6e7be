"""A local randomness beacon speaking drand's HTTP API, for tests (no outside network):
GET /info, GET /public/latest, GET /public/{round}; a round is 404 until its time.
Round n's signature is SHA-256("test-beacon|n") and its randomness SHA-256(signature)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHAIN = hashlib.sha256(b"shuangsui test beacon").hexdigest()


def signature(round_no: int) -> str:
    return hashlib.sha256(f"test-beacon|{round_no}".encode()).hexdigest()


def randomness(round_no: int) -> str:
    return hashlib.sha256(bytes.fromhex(signature(round_no))).hexdigest()


class Beacon:
    """Serve on 127.0.0.1 (a free port) in a thread; `genesis` now, one round a `period`."""

    def __init__(self, period: int = 1):
        self.period, self.genesis, self.requests = period, int(time.time()), []
        beacon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                beacon.requests.append(self.path)
                latest = 1 + int(time.time() - beacon.genesis) // beacon.period
                parts = self.path.strip("/").split("/")
                if parts == ["info"]:
                    body = {"period": beacon.period, "genesis_time": beacon.genesis, "hash": CHAIN}
                elif parts[:1] == ["public"] and len(parts) == 2:
                    n = latest if parts[1] == "latest" else int(parts[1])
                    if n > latest:
                        return self._send(404, {"error": "round in the future"})
                    body = {"round": n, "randomness": randomness(n), "signature": signature(n)}
                else:
                    return self._send(404, {"error": "not found"})
                self._send(200, body)

            def _send(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
