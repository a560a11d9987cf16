"""Starting `arcface serve` on a free 127.0.0.1 port and calling it (tests and bench/bench_server.py).

Only the standard library: http.client with keep-alive connections, multipart bodies encoded here."""
import http.client
import json
import os
import re
import signal
import subprocess
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli_path():
    return os.environ.get("ARCFACE_CLI") or os.path.join(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")),
                                                         "arcface")


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


def multipart(fields):
    """fields: list of (name, value) where value is str (text field) or (filename, bytes)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        if isinstance(value, tuple):
            filename, data = value
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: application/octet-stream\r\n\r\n").encode()
            parts.append(head + data + b"\r\n")
        else:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    """One keep-alive connection to the server (not thread-safe: one per thread)."""

    def __init__(self, port, key=None, timeout=120):
        self.port, self.key, self.timeout = port, key, timeout
        self.conn = None

    def request(self, method, path, body=None, content_type=None, files=None, headers=None):
        if files is not None:
            body, content_type = multipart(files)
        h = dict(headers or {})
        if content_type:
            h["Content-Type"] = content_type
        if self.key:
            h["X-API-Key"] = self.key
        if body is None and method in ("POST", "PUT"):
            body = b""
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()  # a keep-alive connection the server closed: retry once on a new one
                if attempt:
                    raise

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Server:
    """`arcface [GLOBAL...] serve --port 0 --data DATA [ARGS...]`, stopped by stop()."""

    def __init__(self, data, args=(), global_args=(), env=None):
        self.data = str(data)
        cmd = [cli_path(), "--quiet", *global_args, "serve", "--port", "0", "--data", self.data, *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env or os.environ.copy())
        line = self.proc.stdout.readline()
        m = re.search(r"listening on http://[^:]+:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"arcface serve did not start: {line!r} {self.proc.stderr.read()[-2000:]}")
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def client(self, key=None):
        return Client(self.port, key)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Send @sig and wait; returns the exit code (kills after timeout)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def wait_until(predicate, timeout=30, step=0.01):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(step)
    return False
