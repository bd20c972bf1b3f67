#!/usr/bin/env python3
"""Proves the running system against its contract: Schemathesis (pinned in
tools/requirements.txt) against a fresh local cloud, with docs/openapi.json.

It starts `localcloud up` on a free port with fresh state and the demo catalogue, signs up
two students beside the seeded admin, then runs Schemathesis's examples, coverage, fuzzing
and stateful phases with every check over every operation, within a fixed time budget. Each
operation is tried as a student first and as the admin where a student is refused; one
student's objects are read as the other (object_level_authorization). The seed is printed,
so a failure can be replayed with `--seed N`. Exits non-zero on any failure.

    tools/contract/fuzz.py [--seed N] [--seconds S] [--tag T] [--keep]
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
HOOKS = Path(__file__).resolve().parent / "hooks.py"
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


def wait_for_admin(base: str, seconds: float = 60) -> None:
    """The admin seed runs after start: sign in until it has."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body = call(base, "POST", "/v1/auth/sign-in",
                            {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        if status == 200:
            return
        time.sleep(0.5)
    sys.exit("the admin seed did not produce a working admin account")


def identities(base: str, seed: int) -> list[dict]:
    """Two students and the admin, as Web Fuzzing Commons auth entries: Schemathesis signs
    each in itself (and again when a token expires), tries them per operation, and replays
    one student's reads of its own objects as the other (object_level_authorization)."""
    users = [("admin", ADMIN_EMAIL, ADMIN_PASSWORD)]
    for name in ("student-a", "student-b"):
        email = f"{name}-{seed}@studyloop.fuzz"
        password = f"fuzz-{name}-password"
        status, body = call(base, "POST", "/v1/auth/sign-up",
                            {"email": email, "password": password, "name": name})
        if status != 201:
            sys.exit(f"sign-up of {name} failed: {status} {body}")
        users.insert(len(users) - 1, (name, email, password))
    return [
        {
            "name": name,
            "loginEndpointAuth": {
                "endpoint": "/v1/auth/sign-in",
                "verb": "POST",
                "contentType": "application/json",
                "payloadRaw": json.dumps({"email": email, "password": password}),
                "token": {
                    "extractFrom": "body",
                    "extractSelector": "/accessToken",
                    "sendIn": "header",
                    "sendName": "Authorization",
                    "sendTemplate": "Bearer {token}",
                },
            },
        }
        # Students first: an operation is tried as the least privileged identity that works.
        for name, email, password in users
    ]


def schemathesis(base: str, seed: int, seconds: int, work: Path, tag: str | None) -> int:
    exe = Path(sys.executable).parent / "schemathesis"
    auth = work / "identities.json"
    config = work / "schemathesis.toml"
    config.write_text(
        f'hooks = "{HOOKS}"\n'
        + CONFIG.read_text()
        + f"""
[auth.wfc]
path = "{auth}"
peers = ["student-a", "student-b"]
"""
    )
    cmd = [
        str(exe), "--config-file", str(config), "run", str(DOCUMENT),
        "--url", base,
        "--phases", "examples,coverage,fuzzing,stateful",
        # Every check Schemathesis has runs by default; tools/contract/schemathesis.toml turns
        # off or narrows the few that do not apply, each with its reason.
        "--max-time", str(seconds),
        "--seed", str(seed),
        "--workers", "2",
        "--request-timeout", "30",
        "--report", "junit,ndjson",
        "--report-dir", str(work / "report"),
    ]
    if tag:
        cmd += ["--include-tag", tag]
    print("$", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--seconds", type=int, default=170, help="Schemathesis's time budget")
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
    code = 1
    try:
        wait_healthy(base, proc, log)
        wait_for_admin(base)
        (work / "identities.json").write_text(json.dumps({"auth": identities(base, seed)}, indent=2))
        print(f"local cloud ready at {base} in {time.monotonic() - started:.1f} s", flush=True)
        code = schemathesis(base, seed, args.seconds, work, args.tag)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    print(f"\ncontract fuzzing: {time.monotonic() - started:.0f} s, seed {seed}, "
          f"{'passed' if code == 0 else f'FAILED (schemathesis exit {code})'}", flush=True)
    if code == 0 and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"state, logs and reports: {work}")
    return 1 if code else 0


if __name__ == "__main__":
    sys.exit(main())
