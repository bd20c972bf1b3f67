#!/usr/bin/env python3
"""The measured half of `make cost`: a scripted traffic mix through a local cloud, and what
each request of the mix consumed, read back from the cloud's invocation record.

It starts a local cloud of its own (a free port, a temporary state directory, the seeds run),
signs up the students the mix needs (not measured), then sends the mix in the stated
proportions: reads, writes that emit events, sign-ins and orders. Every response's
`x-request-id` is the correlation id of the flow it starts; once the cloud is quiet, every
invocation that carried that id (the HTTP function, the relays, the consumers, the saga's
steps) is summed per request: Lambda invocations and billed GB-s at each function's memory,
DynamoDB read and write units (ReturnConsumedCapacity, reported by the functions), SQS
requests (the functions' sends and the event source mappings' receives and deletes), log
bytes and API Gateway requests. The result is bench/mix.json, which tools/bench/cost.py
prices.

Usage: mix.py [--requests N] [--localcloud PATH]  (ADMIN_EMAIL/ADMIN_PASSWORD as for `make dev`)
"""

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "mix.json"
SEEDS = [
    "UsersSeedAdminFunction",
    "AssessmentsSeedCatalogueFunction",
    "LearningSeedCatalogueFunction",
    "InventorySeedCatalogueFunction",
]
# The mix: what share of a month's API requests each class is. Reads dominate a learning
# app (a student reads lessons, plans, feeds and notifications far more than writes); the
# writes that emit events are the costly ones (outbox, relay, SQS, consumers); sign-ins pay
# for Argon2id; orders run the saga (12 hops).
MIX = [
    ("read", 0.70),
    ("event_write", 0.20),
    ("sign_in", 0.05),
    ("order", 0.05),
]
PASSWORD = "correct horse battery staple 42"


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, token=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        if token:
            req.add_header("authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read()
                return r.status, r.headers.get("x-request-id"), json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read()
            return e.code, e.headers.get("x-request-id"), json.loads(text) if text else None

    def ok(self, method, path, body=None, token=None, headers=None):
        status, rid, doc = self.call(method, path, body, token, headers)
        if status >= 300:
            raise SystemExit(f"{method} {path}: {status} {doc}")
        return rid, doc


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cloud(localcloud, state_dir):
    port = free_port()
    log = open(state_dir / "cloud.log", "w")
    env = dict(os.environ)
    env.setdefault("ADMIN_EMAIL", "admin@studyloop.local")
    env.setdefault("ADMIN_PASSWORD", "local-admin-password-1")
    proc = subprocess.Popen(
        [localcloud, "up", "--port", str(port), "--state-dir", str(state_dir), "--invoke-on-start", *SEEDS],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the local cloud exited; see {state_dir / 'cloud.log'}")
        try:
            with urllib.request.urlopen(base + "/openapi.json", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the local cloud did not serve within 90 s")


def records(state_dir):
    path = state_dir / "invocations.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # a line being written
    return out


def wait_quiet(state_dir, quiet_s=3.0, limit_s=120.0):
    """Until the record has not grown for `quiet_s` (every flow has run to its end)."""
    path = state_dir / "invocations.jsonl"
    started, last_size, last_change = time.time(), -1, time.time()
    while time.time() - started < limit_s:
        size = path.stat().st_size if path.exists() else 0
        if size != last_size:
            last_size, last_change = size, time.time()
        elif time.time() - last_change >= quiet_s:
            return
        time.sleep(0.25)


class Students:
    """The mix's actors, made before the measured part."""

    def __init__(self, api, count):
        self.api = api
        self.people = []
        for i in range(count):
            email = f"mix-{uuid.uuid4().hex[:10]}@example.com"
            _, doc = api.ok("POST", "/v1/auth/sign-up", {"email": email, "password": PASSWORD, "name": f"Mix {i}"})
            self.people.append({"email": email, "token": doc["accessToken"]})
        # One post per student for the others to comment on.
        for p in self.people:
            _, doc = api.ok("POST", "/v1/community/posts", {"title": "Study group", "body": "Who studies tonight?"}, p["token"])
            p["post"] = doc["id"]
        _, products = api.ok("GET", "/v1/products", token=self.people[0]["token"])
        items = products.get("items", products if isinstance(products, list) else [])
        physical = [p for p in items if not p.get("programId")]
        self.product = (physical or items)[0]["id"]


def run_mix(api, students, total):
    """Sends `total` requests in the mix's proportions, interleaved; returns (class, request id)."""
    reads = [
        ("GET", "/v1/users/me"),
        ("GET", "/v1/community/posts"),
        ("GET", "/v1/notifications"),
        ("GET", "/v1/products"),
        ("GET", "/v1/learning/progress"),
    ]
    counts = {name: round(total * share) for name, share in MIX}
    plan = []
    for name, n in counts.items():
        plan += [name] * n
    # Interleaved, the same order every run.
    random.Random(42).shuffle(plan)
    sent, orders = [], []
    people = students.people
    for i, kind in enumerate(plan):
        me = people[i % len(people)]
        other = people[(i + 1) % len(people)]
        if kind == "read":
            method, path = reads[i % len(reads)]
            status, rid, _ = api.call(method, path, token=me["token"])
        elif kind == "event_write":
            status, rid, _ = api.call("POST", f"/v1/community/posts/{other['post']}/comments", {"body": f"Me too ({i})"}, me["token"])
        elif kind == "sign_in":
            status, rid, _ = api.call("POST", "/v1/auth/sign-in", {"email": me["email"], "password": PASSWORD})
        else:
            status, rid, doc = api.call(
                "POST", "/v1/orders", {"productId": students.product, "quantity": 1, "paymentToken": "tok_ok"},
                me["token"], {"Idempotency-Key": str(uuid.uuid4())},
            )
            if doc and (doc.get("orderId") or doc.get("id")):
                orders.append((me["token"], doc.get("orderId") or doc["id"]))
        if status >= 400:
            raise SystemExit(f"{kind}: {status}")
        sent.append((kind, rid))
    return sent, orders


def summarise(sent, recs):
    invocations = [r for r in recs if r.get("kind", "invocation") == "invocation"]
    metrics = {r["requestId"]: r for r in recs if r.get("kind") == "metrics" and r.get("requestId")}
    by_flow = defaultdict(list)
    for r in invocations:
        for cid in r.get("correlationIds") or []:
            by_flow[cid].append(r)
    classes = {}
    for kind, _ in MIX:
        ids = [rid for k, rid in sent if k == kind]
        if not ids:
            continue
        tot = defaultdict(float)
        functions = defaultdict(float)
        for rid in ids:
            for r in by_flow.get(rid, []):
                # A batch that carried several flows is shared among them.
                share = 1.0 / max(1, len(r.get("correlationIds") or [1]))
                m = metrics.get(r.get("requestId"), {})
                tot["invocations"] += share
                tot["gbSeconds"] += share * r.get("billedMs", 0) / 1000 * r.get("memoryMb", 128) / 1024
                tot["durationMs"] += share * r.get("durationMs", 0)
                tot["readUnits"] += share * float(m.get("DynamoReadUnits", 0) or 0)
                tot["writeUnits"] += share * float(m.get("DynamoWriteUnits", 0) or 0)
                tot["sqsRequests"] += share * (float(m.get("SqsRequests", 0) or 0) + float(r.get("sqsRequests", 0) or 0))
                tot["logBytes"] += share * float(r.get("logBytes", 0) or 0)
                tot["apiRequests"] += share * (1.0 if (r.get("trigger") or {}).get("type") == "http" else 0.0)
                functions[r["function"]] += share
        n = len(ids)
        classes[kind] = {
            "requests": n,
            "perRequest": {k: round(v / n, 4) for k, v in sorted(tot.items())},
            "invocationsPerRequestByFunction": {k: round(v / n, 3) for k, v in sorted(functions.items())},
        }
    return classes


def critical_paths(sent, recs, kind="order"):
    """The flows of `kind`'s requests hop by hop, warm hops only (a cold start is the
    exception, not the path): the median flow's hops and the spread of critical paths."""
    invocations = [r for r in recs if r.get("kind", "invocation") == "invocation"]
    by_flow = defaultdict(list)
    for r in invocations:
        for cid in r.get("correlationIds") or []:
            by_flow[cid].append(r)
    flows = []
    for k, rid in sent:
        hops = sorted(by_flow.get(rid, []), key=lambda r: r["start"])
        if k != kind or not hops or any(h.get("cold") for h in hops):
            continue
        out = []
        for i, h in enumerate(hops):
            wait = h.get("waitMs", 0)
            if i:
                # A stream record's time is whole seconds (as DynamoDB Streams' is): the gap
                # since the hop before is the closer bound, as `localcloud trace` shows it.
                wait = max(0, min(wait, h["start"] - hops[i - 1]["end"]))
            out.append({"function": h["function"], "trigger": (h.get("trigger") or {}).get("type"),
                        "waitMs": wait, "durationMs": round(h.get("durationMs", 0), 1)})
        flows.append({"criticalPathMs": hops[-1]["end"] - hops[0]["start"], "hops": out})
    if not flows:
        return None
    flows.sort(key=lambda f: f["criticalPathMs"])
    paths = [f["criticalPathMs"] for f in flows]
    return {
        "flows": len(flows),
        "criticalPathMs": {"min": paths[0], "p50": paths[len(paths) // 2], "max": paths[-1]},
        "medianFlow": flows[len(flows) // 2]["hops"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--students", type=int, default=8)
    ap.add_argument("--localcloud", default=str(ROOT / "target" / "debug" / "localcloud"))
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()

    state_dir = Path(tempfile.mkdtemp(prefix="studyloop-mix-"))
    proc, base = start_cloud(args.localcloud, state_dir)
    try:
        api = Api(base)
        students = Students(api, args.students)
        wait_quiet(state_dir)
        started = time.time()
        sent, orders = run_mix(api, students, args.requests)
        elapsed = time.time() - started
        wait_quiet(state_dir)
        settled = {}
        for token, oid in orders:
            _, doc = api.ok("GET", f"/v1/orders/{oid}", token=token)
            settled[doc.get("status")] = settled.get(doc.get("status"), 0) + 1
        recs = records(state_dir)
        classes = summarise(sent, recs)
        order_path = critical_paths(sent, recs)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    result = {
        "measuredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "mix": {name: share for name, share in MIX},
        "requests": len(sent),
        "seconds": round(elapsed, 1),
        "orders": settled,
        "classes": classes,
        "orderCriticalPath": order_path,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    missing = [k for k, _ in MIX if k not in classes or classes[k]["perRequest"].get("invocations", 0) == 0]
    if missing:
        print(f"no invocation recorded for: {', '.join(missing)} (does the cloud write invocations.jsonl?)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
