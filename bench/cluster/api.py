"""The cluster benchmarks' client: one keep-alive HTTP connection to a server, whose POSTs raise on an error answer.

Their inline python finds it through PYTHONPATH (bench/cluster): `from api import connect; post = connect(base)`.
"""
import http.client
import json
import urllib.parse


def connect(base):
    """A function post(path, body) -> the answer's bytes, over one connection to base (http://HOST:PORT)."""
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port)

    def post(path, body):
        c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        if r.status >= 300:
            raise SystemExit(f"{path}: {r.status} {data[:200]}")
        return data

    return post
