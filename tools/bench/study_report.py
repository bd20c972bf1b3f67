#!/usr/bin/env python3
"""The release-profile study's table: reads target/profile-study/<variant>.json (and
.build.json), as `tools/bench/profile-study.sh` leaves them, and writes
bench/profile-study.md. Usage: study_report.py [study dir]."""

import json
import sys
import zipfile
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUDY = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "profile-study"
OUT = ROOT / "bench" / "profile-study.md"
FUNCTIONS = ["UsersGetMeFunction", "UsersSignInFunction", "AssessmentsSubmitAttemptFunction",
             "AssessmentsOutboxRelayFunction", "NotificationsConsumerFunction"]
ROUTES = ["GET /v1/users/me", "POST /v1/auth/sign-in", "POST /v1/attempts/{attemptId}/submit"]


def p50(d):
    return (d or {}).get("p50")


def zip_mib(path):
    if not path or not Path(path).exists():
        return None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bootstrap", Path(path).read_bytes())
    return len(buf.getvalue()) / 2**20


def f(v, digits=2):
    return "–" if v is None else f"{v:.{digits}f}"


def main():
    rows = []
    for result in sorted(STUDY.glob("*.json"), key=lambda p: (p.stem != "current", p.stem)):
        if result.name.endswith(".build.json"):
            continue
        name = result.stem
        r = json.loads(result.read_text())
        build_file = STUDY / f"{name}.build.json"
        build = json.loads(build_file.read_text()) if build_file.exists() else {}
        fns = {fn["id"]: fn for fn in r["functions"]}
        lat = {l["route"]: l["cloud"] for l in r["latency"]}
        rows.append((name, r, build, fns, lat))
    if not rows:
        raise SystemExit(f"no results in {STUDY}")
    out = ["# Release profile study (`tools/bench/profile-study.sh`)", "",
           "Each variant: the five functions below built with it (the rest of the cloud as `make bench`"
           " built it), then cold starts and warm requests through the local cloud. `current` is the"
           " project's profile (`Cargo.toml`). Cold = exec to first response, p50; × = ratio to the"
           " hello-world built with the same variant; CPU = process CPU per warm request through the"
           " local cloud; sizes of the stripped binary and its zip.", ""]
    out.append("| variant | GET /users/me cold ms (×) | sign-in cold ms (×) | relay cold ms (×)"
               " | CPU/request ms: me, sign-in, submit | p50 ms: me, sign-in, submit"
               " | binary MiB (me / sign-in) | zip MiB (me / sign-in) | build s (5 bins, from scratch / after an edit of shared) |")
    out.append("|---" * 9 + "|")
    for name, r, build, fns, lat in rows:
        def cold(fid):
            fn = fns.get(fid, {})
            return f"{f(p50(fn.get('coldStartMs')))} ({f(fn.get('coldRatioToHello'))})"

        cpu = ", ".join(f((lat.get(route) or {}).get("cpuMsPerRequest")) for route in ROUTES)
        lat50 = ", ".join(f(p50((lat.get(route) or {}).get("latencyMs"))) for route in ROUTES)
        sizes = " / ".join(f((fns.get(fid, {}).get("sizeBytes") or 0) / 2**20) for fid in ("UsersGetMeFunction", "UsersSignInFunction"))
        zips = " / ".join(f(zip_mib(fns.get(fid, {}).get("path"))) for fid in ("UsersGetMeFunction", "UsersSignInFunction"))
        b = f"{build['buildSeconds']:.0f} / {build['rebuildAfterSharedEditSeconds']:.0f}" if build else "–"
        out.append(f"| {name} | {cold('UsersGetMeFunction')} | {cold('UsersSignInFunction')} | {cold('AssessmentsOutboxRelayFunction')}"
                   f" | {cpu} | {lat50} | {sizes} | {zips} | {b} |")
    first = rows[0][1]
    out.append("")
    out.append(f"Settings: {first['settings']['coldStarts']} cold starts, {first['settings']['requests']} requests per route;"
               f" machine {first['machine']['cores']} cores ({first['machine']['cpu']}), {first['machine']['rustc']}.")
    OUT.write_text("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
