#!/usr/bin/env python3
"""Proves the running system against its contract: Schemathesis (pinned in
tools/requirements.txt) against a fresh local cloud, with docs/openapi.json.

It starts `localcloud up` on a free port with fresh state and the demo catalogue, signs up a
student and signs in the seeded admin, then runs Schemathesis's coverage, fuzzing and
stateful phases with every check, once as the student over every operation and once as the
admin over the admin-only operations, each within a fixed time budget. The seed is printed,
so a failure can be replayed with `--seed N`. Exits non-zero on any failure.

    tools/contract/fuzz.py [--seed N] [--student-seconds S] [--admin-seconds S] [--tag T]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.json"
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
LOCALCLOUD = TARGET / "debug" / "localcloud"
ADMIN_EMAIL = "admin@studyloop.fuzz"
# A throwaway password for a throwaway local account; never a real secret.
ADMIN_PASSWORD = "fuzz-admin-password-1"
SEEDS = [
    "UsersSeedAdminFunction",
    "AssessmentsSeedCatalogueFunction",
    "LearningSeedCatalogueFunction",
    "InventorySeedCatalogueFunction",
]
# Operations only an admin may call: the admin run covers them, the student run still
# checks that a student is refused (403).
ADMIN_OPERATIONS = ["createAssessment", "publishAssessment", "createModule", "createProduct"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def wait_healthy(base: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"localcloud exited ({proc.returncode}); its log: {log}\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(base + "/__localcloud/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"localcloud did not become healthy within {seconds} s; its log: {log}")


def wait_for_admin(base: str, seconds: float = 60) -> str:
    """The admin seed runs after start: sign in until it has."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body = call(base, "POST", "/v1/auth/sign-in",
                            {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        if status == 200:
            return body["accessToken"]
        time.sleep(0.5)
    sys.exit("the admin seed did not produce a working admin account")


def schemathesis(base: str, token: str, seed: int, seconds: int, report: Path,
                 include: list[str] | None, tag: str | None) -> int:
    exe = Path(sys.executable).parent / "schemathesis"
    cmd = [
        str(exe), "--config-file", str(CONFIG), "run", str(DOCUMENT),
        "--url", base,
        "--header", f"Authorization: Bearer {token}",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--checks", "all",
        "--max-time", str(seconds),
        "--seed", str(seed),
        "--workers", "2",
        "--request-timeout", "30",
        "--report", "junit,ndjson",
        "--report-dir", str(report),
    ]
    for op in include or []:
        cmd += ["--include-operation-id", op]
    if tag:
        cmd += ["--include-tag", tag]
    print("$", " ".join(c if "Bearer" not in c else "Authorization: Bearer <token>" for c in cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--student-seconds", type=int, default=110)
    parser.add_argument("--admin-seconds", type=int, default=40)
    parser.add_argument("--tag", help="only the operations of this tag (a domain)")
    parser.add_argument("--keep", action="store_true", help="keep the state and logs")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1, 2**31)
    print(f"contract fuzzing: seed {seed} (replay: tools/contract/fuzz.py --seed {seed})", flush=True)

    work = Path(tempfile.mkdtemp(prefix="studyloop-fuzz-"))
    log = work / "localcloud.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, ADMIN_EMAIL=ADMIN_EMAIL, ADMIN_PASSWORD=ADMIN_PASSWORD)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(LOCALCLOUD), "up", "--port", str(port), "--state-dir", str(work / "state"),
             "--fresh", "--invoke-on-start", *SEEDS],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    started = time.monotonic()
    failures = 0
    try:
        wait_healthy(base, proc, log)
        admin = wait_for_admin(base)
        email = f"fuzz-{seed}@studyloop.fuzz"
        status, body = call(base, "POST", "/v1/auth/sign-up",
                            {"email": email, "password": "fuzz-student-password", "name": "Fuzz"})
        if status != 201:
            sys.exit(f"sign-up of the fuzzing student failed: {status} {body}")
        student = body["accessToken"]
        print(f"local cloud ready at {base} in {time.monotonic() - started:.1f} s", flush=True)

        runs = []
        if args.tag is None or args.tag in ("assessments", "learning", "inventory"):
            runs.append(("admin", admin, args.admin_seconds, ADMIN_OPERATIONS))
        runs.insert(0, ("student", student, args.student_seconds, None))
        for name, token, seconds, include in runs:
            print(f"\n=== as the {name}: {seconds} s", flush=True)
            code = schemathesis(base, token, seed, seconds, work / f"report-{name}", include, args.tag)
            if code != 0:
                failures += 1
                print(f"=== as the {name}: FAILED (exit {code}); reports in {work / f'report-{name}'}",
                      flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    print(f"\ncontract fuzzing: {time.monotonic() - started:.0f} s, seed {seed}, "
          f"{'0 failed runs' if failures == 0 else f'{failures} failed run(s)'}", flush=True)
    if failures == 0 and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"state, logs and reports: {work}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
