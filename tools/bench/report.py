#!/usr/bin/env python3
"""The second half of `make bench`: reads bench/results.json (written by the Rust driver),
adds each function's zip size, checks the targets, models each function's memory size, and
writes bench/results.md, bench/results.png and the benchmark section of docs/performance.md.

Zip: the binary stored as `bootstrap`, deflated (zlib's default level), as `sam build` with
cargo-lambda packages it for the provided.al2023 runtime.
"""

import io
import json
import math
import os
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cost import load_template  # noqa: E402  (template.yaml's memory per function)

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results.json"
TABLE = ROOT / "bench" / "results.md"
CHART = ROOT / "bench" / "results.png"
# The performance report, whose tables these tools rewrite in place.
README = ROOT / "docs" / "performance.md"

# Targets of issue 7 (ratios and medians on this machine).
COLD_RATIO_TARGET = 2.0
OVERHEAD_TARGET_MS = 1.0
ZIP_TARGET_BYTES = 3 * 1024 * 1024
RSS_TARGET_KIB = 30 * 1024

# Lambda gives a function CPU in proportion to its memory: one full vCPU at 1,769 MB
# (Lambda developer guide, "Configure Lambda function memory").
FULL_VCPU_MB = 1769
MEMORY_CHOICES = [128, 256, 512, 1024, FULL_VCPU_MB]
# The memory-size rule (docs/performance.md, "Memory per function"): the extra latency CPU may add at a
# smaller size before we pay for a larger one, and the budget of the password functions,
# whose Argon2id is slow by design.
CPU_STRETCH_BUDGET_MS = 10.0
PASSWORD_FUNCTIONS = {"UsersSignInFunction", "UsersSignUpFunction"}
PASSWORD_BUDGET_MS = 100.0


def mib(n):
    return n / (1024 * 1024)


def zip_size(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            z.writestr(info, f.read())
    return len(buf.getvalue())


def p(d, key="p50"):
    return (d or {}).get(key)


def fmt(v, digits=1):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v:.{digits}f}"


def stretch(cpu_ms, memory_mb):
    """CPU time as wall time at `memory_mb`: Lambda's CPU share is memory / 1,769 MB."""
    return cpu_ms * max(1.0, FULL_VCPU_MB / memory_mb)


def chosen_memory(fid, warm_cpu_ms, rss_kib):
    """The memory-size rule; None when there is nothing to decide from."""
    if warm_cpu_ms is None:
        return None
    floor = 128
    if rss_kib:
        # Headroom: never closer than 1.5x to the measured peak.
        need = rss_kib / 1024 * 1.5
        floor = next((m for m in MEMORY_CHOICES if m >= need), MEMORY_CHOICES[-1])
    if "Seed" in fid:
        # Run once per deploy by hand (`sam remote invoke`): nobody waits on them.
        return floor
    for m in MEMORY_CHOICES:
        if m < floor:
            continue
        if fid in PASSWORD_FUNCTIONS:
            if stretch(warm_cpu_ms, m) <= PASSWORD_BUDGET_MS:
                return m
        elif stretch(warm_cpu_ms, m) - warm_cpu_ms <= CPU_STRETCH_BUDGET_MS:
            return m
    return MEMORY_CHOICES[-1]


def enrich(results):
    for f in results["functions"]:
        path = f.get("path")
        if path and os.path.exists(path):
            f["zipBytes"] = zip_size(path)
        latency = next((l for l in results["latency"] if l["function"] == f["id"]), None)
        warm_cpu = p(f.get("warmCpuMs"))
        if latency and latency["cloud"].get("cpuMsPerRequest") is not None:
            # 1,000 requests of a real workload beat 20 of the sample event.
            warm_cpu = latency["cloud"]["cpuMsPerRequest"]
        f["model"] = {
            "warmCpuMs": warm_cpu,
            "initCpuMs": p(f.get("initCpuMs")),
            "warmCpuAt": {str(m): stretch(warm_cpu, m) for m in MEMORY_CHOICES} if warm_cpu is not None else None,
            "initCpuAt": {str(m): stretch(p(f.get("initCpuMs")), m) for m in MEMORY_CHOICES} if p(f.get("initCpuMs")) is not None else None,
            "suggestedMemoryMb": None if f["id"] == results["hello"] else chosen_memory(f["id"], warm_cpu, f.get("peakRssKib")),
        }
    return results


def targets(results):
    """Each target of the issue, with the figure and whether it is met."""
    fns = [f for f in results["functions"] if f["id"] != results["hello"] and f.get("coldStartMs")]
    get_me = next((f for f in fns if f["id"] == "UsersGetMeFunction"), None)
    ratios = [f["coldRatioToHello"] for f in fns if f.get("coldRatioToHello") is not None]
    overheads_beyond = []
    for l in results["latency"]:
        ip = l.get("inProcess") or {}
        beyond = p(ip.get("overheadBeyondArgon2idMs"))
        value = beyond if beyond is not None else p(ip.get("overheadMs"))
        if value is not None:
            overheads_beyond.append((l["route"], value))
    zips = [(f["id"], f.get("zipBytes")) for f in fns if f.get("zipBytes")]
    rss = [(f["id"], f.get("peakRssKib")) for f in fns if f.get("peakRssKib")]
    for l in results["latency"]:
        if l["cloud"].get("peakRssKib"):
            rss.append((l["function"] + " (1,000 requests)", l["cloud"]["peakRssKib"]))
    rows = []
    if get_me:
        r = get_me["coldRatioToHello"]
        rows.append(("Cold start, GET /v1/users/me vs hello-world (p50 ratio)", f"{r:.2f}×", f"≤ {COLD_RATIO_TARGET}×", r <= COLD_RATIO_TARGET))
    if ratios:
        worst = max(ratios)
        under = sum(1 for r in ratios if r <= COLD_RATIO_TARGET)
        rows.append(("Cold start, every function vs hello-world", f"{under} of {len(ratios)} within; worst {worst:.2f}×, median {sorted(ratios)[len(ratios)//2]:.2f}×", f"≤ {COLD_RATIO_TARGET}×", worst <= COLD_RATIO_TARGET))
    for route, o in overheads_beyond:
        rows.append((f"Handler overhead beyond DynamoDB (and Argon2id), {route}", f"{o:.3f} ms p50", f"≤ {OVERHEAD_TARGET_MS} ms", o <= OVERHEAD_TARGET_MS))
    if zips:
        fid, worst = max(zips, key=lambda z: z[1])
        rows.append(("Zip per function (largest)", f"{mib(worst):.2f} MiB ({fid})", "≤ 3 MiB", worst <= ZIP_TARGET_BYTES))
    if rss:
        fid, worst = max(rss, key=lambda z: z[1])
        rows.append(("Peak RSS (largest)", f"{worst/1024:.1f} MiB ({fid})", "≤ 30 MiB", worst <= RSS_TARGET_KIB))
    return rows


def markdown(results):
    template_memory = {fid: fn["memory"] for fid, fn in load_template()[0].items()}
    m = results["machine"]
    hello = next(f for f in results["functions"] if f["id"] == results["hello"])
    out = []
    out.append(f"Run {results['generatedAt']} at commit `{results['git']['commit']}`"
               f" ({results['git']['changedFiles']} files changed in the working tree), {m['cores']} cores"
               f" ({m['cpu']}), load {m['loadBefore']} before and {m['loadAfter']} after; {m['rustc']};"
               f" {results['settings']['coldStarts']} cold starts per function,"
               f" {results['settings']['requests']} requests per route (after {results['settings']['warmup']} warm-up)."
               f" Whole run {results['totalSeconds']:.0f} s.")
    out.append("")
    prof = ", ".join(f"{k} = {json.dumps(v)}" for k, v in results["releaseProfile"].items())
    out.append(f"Release profile: {prof}.")
    if results["builds"]:
        out.append("Builds: " + "; ".join(f"{b['what']} {b['seconds']:.0f} s{'' if b['success'] else ' (FAILED)'}" for b in results["builds"]) + ".")
    if results.get("notBuilt"):
        out.append(f"Not built (no binary), not measured: {', '.join(results['notBuilt'])}.")
    out.append("")
    out.append("**Targets**")
    out.append("")
    out.append("| target | measured | goal | met |")
    out.append("|---|---|---|---|")
    for name, got, goal, ok in targets(results):
        out.append(f"| {name} | {got} | {goal} | {'yes' if ok else '**no**'} |")
    out.append("")
    lat = results["latency"]
    if lat:
        out.append("**Warm latency**, ms: through the local cloud (HTTP → front door → Runtime API → the"
                   " function's process) and the same requests straight at the handler in process; DynamoDB"
                   " is the time its requests spent on the wire (to the local emulator); overhead = handler − DynamoDB.")
        out.append("")
        out.append("| route | local cloud p50 / p99 | handler p50 / p99 | DynamoDB p50 (calls) | overhead p50 / p99 | CPU per request | log bytes per request |")
        out.append("|---|---|---|---|---|---|---|")
        for l in lat:
            c, i = l["cloud"], l.get("inProcess") or {}
            extra = ""
            if i.get("argon2idMs"):
                extra = f"; Argon2id alone {fmt(p(i.get('argon2idMs')), 1)}, beyond it {fmt(p(i.get('overheadBeyondArgon2idMs')), 3)}"
            out.append(
                f"| `{l['route']}` | {fmt(p(c['latencyMs']), 2)} / {fmt(p(c['latencyMs'], 'p99'), 2)}"
                f" | {fmt(p(i.get('totalMs')), 2)} / {fmt(p(i.get('totalMs'), 'p99'), 2)}"
                f" | {fmt(p(i.get('dynamoMs')), 2)} ({fmt(i.get('dynamoCallsPerRequest'), 0)})"
                f" | {fmt(p(i.get('overheadMs')), 3)} / {fmt(p(i.get('overheadMs'), 'p99'), 3)}{extra}"
                f" | {fmt(c.get('cpuMsPerRequest'), 2)} ms | {fmt(c.get('logBytesPerRequest'), 0)} |")
        out.append("")
    fr = results.get("firstRequest")
    if fr:
        out.append(f"**First request of a fresh process** (GET /v1/users/me in process, {fr['runs']} processes each, p50 ms):"
                   " the DynamoDB client as it was (`shared::dynamo::client`: connects on the first request) and"
                   " warmed during init (`shared::dynamo::connect`), to the emulator over plain HTTP and through a"
                   " local TLS front (an RSA 2048 certificate, as DynamoDB's), where the handshake is what moves.")
        out.append("")
        out.append("| transport | client | init | first request | second request |")
        out.append("|---|---|---|---|---|")
        for transport in ("http", "tls"):
            for mode, label in (("cold", "connects on first request (before)"), ("warm", "warmed during init (after)")):
                d = (fr.get(transport) or {}).get(mode)
                if d:
                    out.append(f"| {transport.upper()} | {label} | {fmt(p(d.get('initMs')), 2)} | {fmt(p(d.get('firstRequestMs')), 2)} | {fmt(p(d.get('secondRequestMs')), 2)} |")
        if fr.get("tlsUnavailable"):
            out.append(f"(No TLS run: {fr['tlsUnavailable']}.)")
        out.append("")
    out.append(f"**Every function**: cold start = exec of the release binary to its first response through the"
               f" local cloud's Runtime API (p50 of {results['settings']['coldStarts']}; the event is the function's"
               f" sample from `events/` with a real token), warm = the same event again on that instance;"
               f" hello-world p50 {fmt(p(hello['coldStartMs']), 2)} ms. CPU = the process's CPU time (init + first"
               f" request; one warm request). Memory: the template's at the run (→ the template's now), and in brackets what the rule in 'Memory per function' suggests where they differ.")
    out.append("")
    out.append("| function | cold p50 ms | × hello | warm p50 ms | CPU init+1st / warm ms | peak RSS MiB | binary MiB | zip MiB | memory MB: run → now (rule) | first answer |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for f in sorted(results["functions"], key=lambda f: (f["id"] != results["hello"], f["id"])):
        outcomes = f.get("outcomes") or {}
        first = ", ".join(f"{k} ×{v}" for k, v in outcomes.items())
        suggested = f["model"]["suggestedMemoryMb"]
        # The run's memory; where the template has changed since (to the rule's size), "→ now".
        now = template_memory.get(f["id"])
        mem = f"{f.get('memoryMb') or '–'}" + (f" → {now}" if now and now != f.get("memoryMb") else "")
        mem += f" ({suggested})" if suggested and suggested != (now or f.get("memoryMb")) else ""
        out.append(
            f"| {f['id']} | {fmt(p(f.get('coldStartMs')), 2)} | {fmt(f.get('coldRatioToHello'), 2)}"
            f" | {fmt(p(f.get('warmSameEventMs')), 2)} | {fmt(p(f.get('initCpuMs')), 1)} / {fmt(p(f.get('warmCpuMs')), 2)}"
            f" | {fmt((f.get('peakRssKib') or 0) / 1024, 1)} | {fmt(mib(f['sizeBytes']) if f.get('sizeBytes') else None, 2)}"
            f" | {fmt(mib(f['zipBytes']) if f.get('zipBytes') else None, 2)} | {mem} | {first} |")
    out.append("")
    return "\n".join(out)


def chart(results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fns = sorted((f for f in results["functions"] if f.get("coldStartMs", {}).get("p50") is not None),
                 key=lambda f: f["coldStartMs"]["p50"])
    hello = next(f for f in results["functions"] if f["id"] == results["hello"])
    h = hello["coldStartMs"]["p50"]
    fig, axes = plt.subplots(1, 3, figsize=(18, max(6, len(fns) * 0.22)),
                             gridspec_kw={"width_ratios": [2.2, 1.3, 1.3]})
    ax = axes[0]
    names = [f["id"].removesuffix("Function") for f in fns]
    ax.barh(names, [f["coldStartMs"]["p50"] for f in fns], color=["#888" if f["id"] == results["hello"] else "#3b7dd8" for f in fns])
    ax.axvline(h * COLD_RATIO_TARGET, color="#d33", ls="--", label=f"{COLD_RATIO_TARGET}× hello-world")
    ax.set_xlabel("cold start p50, ms (exec → first response, local cloud)")
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(loc="lower right")

    ax = axes[1]
    lat = results["latency"]
    routes = [l["route"].replace("/v1/", "/").replace("{attemptId}", "{id}") for l in lat]
    x = range(len(lat))
    w = 0.2
    series = [
        ("local cloud p50", [p(l["cloud"]["latencyMs"]) for l in lat], "#3b7dd8"),
        ("local cloud p99", [p(l["cloud"]["latencyMs"], "p99") for l in lat], "#9cc0f0"),
        ("handler p50", [p((l.get("inProcess") or {}).get("totalMs")) or 0 for l in lat], "#2a9d5c"),
        ("handler p99", [p((l.get("inProcess") or {}).get("totalMs"), "p99") or 0 for l in lat], "#9ad6b3"),
    ]
    for k, (label, values, color) in enumerate(series):
        bars = ax.bar([i + (k - 1.5) * w for i in x], values, w, label=label, color=color)
        ax.bar_label(bars, labels=[f"{v:.1f}" if v else "" for v in values], fontsize=6)
    ax.set_xticks(list(x), routes, rotation=15, fontsize=8)
    ax.set_yscale("log")
    ticks = [t for t in (0.5, 1, 2, 5, 10, 20, 50, 100) if t <= max(v for _, vs, _ in series for v in vs if v) * 1.5]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_ylabel("warm latency, ms (log)")
    ax.legend(fontsize=8)

    ax = axes[2]
    zf = sorted((f for f in results["functions"] if f.get("zipBytes")), key=lambda f: f["zipBytes"])
    ax.barh([f["id"].removesuffix("Function") for f in zf], [mib(f["zipBytes"]) for f in zf], color="#8a63d2")
    ax.axvline(3, color="#d33", ls="--", label="3 MiB")
    ax.set_xlabel("zip, MiB")
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(loc="lower right")
    fig.suptitle(f"studyloop bench {results['generatedAt'][:10]} (commit {results['git']['commit']})")
    fig.tight_layout()
    fig.savefig(CHART, dpi=110)


def splice(readme_text, begin, end, body):
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    block = f"{begin}\n{body}\n{end}"
    if not pattern.search(readme_text):
        raise SystemExit(f"docs/performance.md has no {begin} ... {end} section")
    return pattern.sub(lambda _: block, readme_text)


def main():
    results = enrich(json.loads(RESULTS.read_text()))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    TABLE.write_text("# Benchmark results (`make bench`)\n\n" + table + "\n")
    chart(results)
    if "--no-readme" not in sys.argv:
        README.write_text(splice(README.read_text(), "<!-- bench:begin -->", "<!-- bench:end -->", table))
    if "--quiet" not in sys.argv:
        print(table)


if __name__ == "__main__":
    main()
