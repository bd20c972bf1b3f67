#!/usr/bin/env python3
"""What a flow's DynamoDB writes cost as its texts grow: DynamoDB bills a write by the KB of
the item's larger image, which the mix's short texts (tools/bench/mix.py) never reach.

Starts a local cloud of its own (as mix.py does), signs up two students whose names are 50
Korean characters, signs one in, and has the other comment on and like three posts of the
first: a short one, one whose title is 120 Korean characters, one whose body is 10,000. Each
flow's write units are summed per hop from the cloud's invocation record by its correlation
id and printed. Needs the debug build (`make build`); ADMIN_EMAIL/ADMIN_PASSWORD as for
`make dev`.
"""

import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mix  # noqa: E402

HANGUL = "가나다라마바사아자차카타파하"


def hangul(n):
    return (HANGUL * (n // len(HANGUL) + 1))[:n]


def main():
    state = Path(tempfile.mkdtemp(prefix="studyloop-sizes-"))
    proc, base = mix.start_cloud(str(mix.ROOT / "target" / "debug" / "localcloud"), state)
    flows = {}
    try:
        api = mix.Api(base)
        people = []
        for i in range(2):
            email = f"sizes{i}-{uuid.uuid4().hex[:8]}@example.com"
            _, doc = api.ok("POST", "/v1/auth/sign-up", {"email": email, "password": mix.PASSWORD, "name": hangul(50)})
            people.append((email, doc["accessToken"]))
        mix.wait_quiet(state)
        flows["sign-in"], _ = api.ok("POST", "/v1/auth/sign-in", {"email": people[1][0], "password": mix.PASSWORD})
        posts = {
            "short post": {"title": "Study group", "body": "Who studies tonight?"},
            "120-character title": {"title": hangul(120), "body": "x"},
            "10,000-character body": {"title": "long", "body": hangul(10_000)},
        }
        for name, post in posts.items():
            _, created = api.ok("POST", "/v1/community/posts", post, people[0][1])
            path = f"/v1/community/posts/{created['id']}"
            flows[f"comment, {name}"], _ = api.ok("POST", f"{path}/comments", {"body": "me too"}, people[1][1])
            flows[f"like, {name}"], _ = api.ok("PUT", f"{path}/like", None, people[1][1])
            # One flow at a time: a relay's batch of two flows would be counted in one.
            mix.wait_quiet(state)
        records = [r for r in mix.records(state) if r.get("kind") == "metrics"]
        for name, rid in flows.items():
            hops = [(r["function"], r["DynamoWriteUnits"]) for r in records if r.get("correlationId") == rid]
            detail = ", ".join(f"{f} {u:g}" for f, u in hops)
            print(f"{name}: {sum(u for _, u in hops):g} write units ({detail})")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
