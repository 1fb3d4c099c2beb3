#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Validate real REST replies of a running wgc against doc/openapi.yaml.

    openapi_check.py SOCKET OPENAPI.yaml

Drives every route through its happy path and its usual errors, then for
each reply checks that the status is declared for that operation, that
the Content-Type is the declared one and that a JSON body validates
against the declared response schema (OpenAPI 3.0 schemas turned into
JSON Schema: $ref inlined, `nullable` as a "null" type). Prints one line
per reply; exit status 1 if any reply does not match.
Needs python3-yaml and python3-jsonschema (devtools/install-deps.sh).
"""

import http.client
import json
import socket
import sys
import urllib.parse

import jsonschema
import yaml

KEY = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
KEY2 = "L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q="
PSK = "SZt1Nj6fkIy9U3SpZ8d6VWBvH+BdoHFnJBUxzrhWeOY="


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("wgc", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.path)


def to_jsonschema(node, comps):
    """OpenAPI 3.0 schema -> JSON Schema (draft 7)."""
    if isinstance(node, list):
        return [to_jsonschema(x, comps) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        return to_jsonschema(comps[name], comps)
    out = {}
    for k, v in node.items():
        if k in ("nullable", "example", "writeOnly", "readOnly"):
            continue
        if k == "properties":
            out[k] = {p: to_jsonschema(s, comps) for p, s in v.items()}
        else:
            out[k] = to_jsonschema(v, comps)
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
    return out


def route_of(spec, path):
    """The spec's path template for a concrete path."""
    path = urllib.parse.urlsplit(path).path
    for tmpl in spec["paths"]:
        a, b = tmpl.strip("/").split("/"), path.strip("/").split("/")
        if len(a) == len(b) and all(x == y or x.startswith("{")
                                    for x, y in zip(a, b)):
            return tmpl
    return None


def resolve(spec, obj):
    while isinstance(obj, dict) and "$ref" in obj:
        parts = obj["$ref"].lstrip("#/").split("/")
        obj = spec
        for p in parts:
            obj = obj[p]
    return obj


def main():
    sock, oapi = sys.argv[1], sys.argv[2]
    with open(oapi) as f:
        spec = yaml.safe_load(f)
    comps = spec["components"]["schemas"]
    urlkey = KEY.replace("+", "-").replace("/", "_")
    urlkey2 = KEY2.replace("+", "-").replace("/", "_")
    reqs = [
        ("PUT", "/v1/peers", [], 200),          # start without peers
        ("GET", "/v1/interface", None, 200),
        ("PATCH", "/v1/interface", {"listen_port": 51821}, 200),
        ("PATCH", "/v1/interface", {"listen_port": 70000}, 422),
        ("PATCH", "/v1/interface", {"name": "x"}, 400),
        ("PUT", "/v1/peers/" + urlkey, {"allowed_ips": ["10.7.0.2/32"],
                                        "preshared_key": PSK,
                                        "endpoint": "192.0.2.7:51820",
                                        "persistent_keepalive": 25}, 201),
        ("PUT", "/v1/peers/" + urlkey, {"allowed_ips": ["10.7.0.2/32"]},
         200),
        ("PATCH", "/v1/peers/" + urlkey, {"endpoint": None}, 200),
        ("GET", "/v1/peers/" + urlkey, None, 200),
        ("GET", "/v1/peers/" + urlkey2, None, 404),
        ("GET", "/v1/peers/nokey", None, 422),
        ("POST", "/v1/peers", [{"public_key": KEY2,
                                "allowed_ips": ["10.7.0.3/32"]}], 200),
        ("POST", "/v1/peers", [{"public_key": KEY2,
                                "allowed_ips": ["10.7.0.2/32"]}], 409),
        ("POST", "/v1/peers", "[{", 400),
        ("GET", "/v1/peers?limit=1", None, 200),
        ("GET", "/v1/peers?limit=0", None, 400),
        ("PUT", "/v1/peers", [{"public_key": KEY,
                               "allowed_ips": ["10.7.0.2/32"]},
                              {"public_key": KEY2}], 200),
        ("GET", "/v1/peers", None, 200),
        ("GET", "/v1/stats", None, 200),
        ("GET", "/v1/health", None, 200),
        ("GET", "/v1/cluster", None, 200),
        ("GET", "/metrics", None, 200),
        ("GET", "/metrics?peers=1", None, 200),
        ("DELETE", "/v1/peers/" + urlkey2, None, 204),
        ("DELETE", "/v1/peers/" + urlkey2, None, 404),
    ]
    bad = 0
    for method, path, body, want in reqs:
        c = UnixConn(sock)
        hdrs = {}
        data = None
        if body is not None:
            data = body if isinstance(body, str) else json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=hdrs)
        r = c.getresponse()
        raw = r.read()
        ctype = (r.getheader("Content-Type") or "").split(";")[0].strip()
        c.close()
        why = None
        tmpl = route_of(spec, path)
        op = spec["paths"].get(tmpl, {}).get(method.lower()) if tmpl \
            else None
        if r.status != want:
            why = "status %d, expected %d" % (r.status, want)
        elif op is None:
            why = "no operation %s %s in the spec" % (method, tmpl)
        else:
            resp = resolve(spec, op["responses"].get(str(r.status)))
            if resp is None:
                why = "status %d not declared" % r.status
            elif "content" not in resp:
                if raw:
                    why = "a body where none is declared"
            elif ctype not in resp["content"]:
                why = "Content-Type %s not declared (%s)" % (
                    ctype, ", ".join(resp["content"]))
            elif ctype == "application/json":
                schema = to_jsonschema(
                    resp["content"][ctype]["schema"], comps)
                try:
                    inst = json.loads(raw)
                    errs = sorted(jsonschema.Draft7Validator(schema)
                                  .iter_errors(inst), key=str)
                    if errs:
                        e = errs[0]
                        why = "schema: %s at %s" % (
                            e.message[:200], "/".join(
                                str(p) for p in e.absolute_path))
                except ValueError as e:
                    why = "not JSON: %s" % e
        if PSK.encode() in raw:
            why = "the preshared key in a reply"
        print("%-6s %-58s %d %s" % (method, path[:58], r.status,
                                     "ok" if why is None else "BAD: " + why))
        bad += why is not None
    print("openapi_check: %d replies, %d not matching the spec" %
          (len(reqs), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
