#!/usr/bin/env python3
"""`make unit`: every test of the workspace, the longest end-to-end target beside the rest.

`cargo test` runs its test binaries one after another. The end-to-end targets spend most of
their time waiting (on queues, streams and polling), and one of them, e2e_orders (the saga
under crashes, concurrency and load), takes as long as all the others together. So this runs
two `cargo test` at once over the targets `make build` already compiled: e2e_orders, and
every other test target of the workspace (listed from `cargo metadata`, so a new target is
never left out), then the doc tests. Each output line is prefixed with its run's name. Exits
non-zero when either run fails; both always run to the end (--no-fail-fast).

    python3 tools/test/unit.py --workspace --features api/assemble
"""

import json
import subprocess
import sys
import threading

# The targets that run beside the rest: together about as long as everything else.
ALONE = ["e2e_orders"]


def targets(kind: str) -> list[str]:
    """The workspace's targets of `kind` that have tests (`test = true`: `--bins` would also
    build the function binaries' empty test harnesses, which `test = false` leaves out)."""
    meta = json.loads(
        subprocess.check_output(["cargo", "metadata", "--no-deps", "--format-version", "1"])
    )
    members = set(meta["workspace_members"])
    return sorted(
        {
            t["name"]
            for p in meta["packages"]
            if p["id"] in members
            for t in p["targets"]
            if kind in t["kind"] and t.get("test", True)
        }
    )


def pump(name: str, proc: subprocess.Popen, lock: threading.Lock) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        with lock:
            sys.stdout.write(f"[{name}] {line}")
            sys.stdout.flush()


def main() -> int:
    cargo_args = sys.argv[1:]
    tests = targets("test")
    missing = [t for t in ALONE if t not in tests]
    if missing:
        print(f"tools/test/unit.py: no test target {missing} in the workspace", file=sys.stderr)
        return 2
    rest = [t for t in tests if t not in ALONE]
    bins = targets("bin")
    base = ["cargo", "test", *cargo_args, "--no-fail-fast"]
    runs = {
        "+".join(ALONE): base + [arg for t in ALONE for arg in ("--test", t)],
        "rest": base
        + ["--lib"]
        + [arg for b in bins for arg in ("--bin", b)]
        + [arg for t in rest for arg in ("--test", t)],
    }
    lock = threading.Lock()
    procs = {}
    pumps = []
    for name, cmd in runs.items():
        print(f"[{name}] {' '.join(cmd)}", flush=True)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs[name] = proc
        thread = threading.Thread(target=pump, args=(name, proc, lock))
        thread.start()
        pumps.append(thread)
    for thread in pumps:
        thread.join()
    failed = [name for name, proc in procs.items() if proc.wait() != 0]
    doc = base + ["--doc"]
    print(f"[doc] {' '.join(doc)}", flush=True)
    if subprocess.call(doc) != 0:
        failed.append("doc")
    if failed:
        print(f"tools/test/unit.py: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
