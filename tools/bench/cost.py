#!/usr/bin/env python3
"""`make cost`: what studyloop costs per month on AWS at 0, 100k, 1M and 10M API requests,
against the talk's alternatives: one always-on monolith (Elastic Beanstalk, t4g.micro) and
eight services on the smallest Fargate tasks behind an Application Load Balancer.

Reads template.yaml (each function's memory and architecture, the queues Lambda polls, the
alarms, log retention) and bench/results.json (measured CPU time per request and per cold
start, DynamoDB requests per API request). Writes bench/cost.md, bench/cost.png and the
the cost section of docs/performance.md.

Region: us-east-1 (N. Virginia). Seoul (ap-northeast-2), where the users are, lists higher
prices for several of these services; us-east-1 is the region the project's local cloud and
samconfig default to and whose prices are the most widely published, so the figures here
can be checked. The shape of the comparison does not change between the two.
"""

import json
import math
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
RESULTS = ROOT / "bench" / "results.json"
# Measured consumption per request of a scripted traffic mix (tools/bench/mix.py, `make cost-mix`).
MIX_RESULTS = ROOT / "bench" / "mix.json"
TABLE = ROOT / "bench" / "cost.md"
CHART = ROOT / "bench" / "cost.png"
# The performance report, whose tables these tools rewrite in place.
README = ROOT / "docs" / "performance.md"

HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = 30 * 24 * 3600

# ---------------------------------------------------------------- prices (USD, us-east-1)
# Each: value, unit, source, read 2026-11-24 from the pages named (AWS's pricing pages; the
# figures match the third-party summaries of 2025-2026 cited in docs/performance.md). One copy
# of them, tools/bench/prices.json, which `localcloud trace` embeds too.
PRICES_FILE = Path(__file__).resolve().parent / "prices.json"


def load_prices(path=PRICES_FILE):
    """name -> (USD per unit, unit, source); a file entry's price is value / per."""
    entries = json.loads(path.read_text())["prices"]
    return {name: (e["value"] / e["per"], e["unit"], e["source"]) for name, e in entries.items()}


PRICES = load_prices()
# Always-free allowances (every month, every account; the 12-month offers, such as API
# Gateway's first million calls, are not counted: a production account is past them).
FREE = {
    "lambda_requests": 1_000_000,
    "lambda_gb_s": 400_000,
    "sqs_requests": 1_000_000,
    "logs_gb": 5,
    "alarms": 10,
    "custom_metrics": 10,
    "xray_traces": 100_000,
    "dynamodb_storage_gb": 25,
}


def price(name):
    return PRICES[name][0]


# ---------------------------------------------------------------- the traffic mix
# What one API request is, on average. Each class is measured by one benchmarked route
# (bench/results.json); DynamoDB request units follow from the code paths (items under 1 KB
# written, under 4 KB read strongly consistently; a transactional write costs 2 WRU per
# item); the events each request causes run through the outbox relay, SQS and consumers.
MIX = [
    {
        "name": "reads (profile, lists, plans)",
        "share": 0.70,
        "function": "UsersGetMeFunction",
        "rru": 1, "wru": 0, "dynamo_calls": 1,
        "events": [],
    },
    {
        "name": "writes that emit events (submit an attempt)",
        "share": 0.25,
        "function": "AssessmentsSubmitAttemptFunction",
        # GetItem attempt + assessment; transaction: attempt + 2 outbox items.
        "rru": 2, "wru": 6, "dynamo_calls": 3,
        # attempt_graded -> learning (plan builder, which emits plan_ready) and
        # notifications; plan_ready -> notifications.
        "events": [
            {"relay": "AssessmentsOutboxRelayFunction", "consumers": ["LearningPlanBuilderFunction", "NotificationsConsumerFunction"]},
            {"relay": "LearningOutboxRelayFunction", "consumers": ["NotificationsConsumerFunction"]},
        ],
    },
    {
        "name": "sign-ins (Argon2id)",
        "share": 0.05,
        "function": "UsersSignInFunction",
        # GetItem failures + GetItem by email; transaction: family + refresh token.
        "rru": 2, "wru": 4, "dynamo_calls": 3,
        "events": [],
    },
]
# DynamoDB work of the asynchronous functions per message (code paths, as above).
CONSUMER_DYNAMO = {
    "LearningPlanBuilderFunction": {"rru": 2, "wru": 4, "calls": 2},
    "NotificationsConsumerFunction": {"rru": 1, "wru": 4, "calls": 2},
}
# Latency of one request to DynamoDB or SQS from Lambda in the same region (assumption:
# single-digit milliseconds; the AWS serverless-rust-demo's warm p50 is 5.1 ms end to end).
DYNAMO_CALL_MS = 4.0
SQS_SEND_MS = 8.0
# An idle SQS event source mapping long-polls (20 s) with several pollers; AWS bills the
# empty receives (Knowledge Center: "Why are my Amazon SQS charges higher than expected?").
# The figure modelled is five: AWS documents that Lambda "consumes messages in batches, starting
# at five concurrent batches with five functions at a time" (AWS Compute Blog, "Understanding
# how AWS Lambda scales with Amazon SQS standard queues"; the Lambda developer guide's "Using
# Lambda with Amazon SQS" says the same of its scaling), and it documents no idle count apart
# from provisioned mode, whose minimum is two pollers (ProvisionedPollerConfig.MinimumPollers,
# billed as event poller units, so dearer at idle, not cheaper). Each receive long-polls 20 s.
IDLE_POLLERS_PER_QUEUE = 5
LONG_POLL_SECONDS = 20
# Lambda keeps an idle instance for minutes (not documented; ~7 minutes is commonly seen).
INSTANCE_KEEP_SECONDS = 420
# Bytes of log per API request written by API Gateway's access log (the template's format).
ACCESS_LOG_BYTES = 260
# Data kept per write request (for continuous backup), KB.
KB_STORED_PER_WRITE = 1.0
# X-Ray's default sampling rule (the first request each second, then 5%; per function: the
# conservative reading), used when the template's tracing is on without a sampling rule of
# its own; TracingSamplingRule's ReservoirSize and FixedRate replace it when there is one.
XRAY_RESERVOIR_PER_SECOND = 1
XRAY_RATE = 0.05

TRAFFIC = [0, 100_000, 1_000_000, 10_000_000]

# The alternatives (the talk's): one always-on monolith, and eight containers.
MONOLITH = {"instance_hours": HOURS_PER_MONTH, "ebs_gb": 8, "public_ipv4": 1}
CONTAINERS = {"services": 8, "vcpu": 0.25, "gb": 0.5, "tasks_per_service": 1, "alb_public_ipv4": 2}


# ---------------------------------------------------------------- template
class Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {f"!{suffix}": loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {f"!{suffix}": loader.construct_sequence(node, deep=True)}
    return {f"!{suffix}": loader.construct_mapping(node, deep=True)}


Loader.add_multi_constructor("!", _tag)


def load_template():
    doc = yaml.load(TEMPLATE.read_text(), Loader=Loader)
    globals_fn = (doc.get("Globals") or {}).get("Function") or {}
    functions, polled_queues = {}, 0
    alarms = {"standard": 0, "per_function": 0, "per_route": 0, "api": 0}
    for rid, res in (doc.get("Resources") or {}).items():
        kind = res.get("Type")
        props = res.get("Properties") or {}
        if kind == "AWS::CloudWatch::Alarm":
            alarm_kind(props, alarms)
        if kind != "AWS::Serverless::Function":
            continue
        memory = props.get("MemorySize", globals_fn.get("MemorySize", 128))
        arch = (props.get("Architectures") or globals_fn.get("Architectures") or ["x86_64"])[0]
        events = [ev.get("Type") for ev in (props.get("Events") or {}).values()]
        role = next((FUNCTION_KINDS[e] for e in events if e in FUNCTION_KINDS), "other")
        functions[rid] = {"memory": memory if isinstance(memory, int) else 128, "arch": arch, "kind": role}
        polled_queues += events.count("SQS")
    retention = ((doc.get("Parameters") or {}).get("LogRetentionDays") or {}).get("Default", 30)
    return functions, alarms, polled_queues, retention, tracing_of(doc, globals_fn)


# What a function is, by its event: an HTTP function serves one route.
FUNCTION_KINDS = {"HttpApi": "http", "SQS": "consumer", "DynamoDB": "relay"}


def alarm_kind(props, alarms):
    """Counts an alarm by how it bills. A standard alarm is billed per metric it lists (the
    free tier's ten are these); a Metrics Insights alarm (its query a SELECT) is billed per
    metric its query analyses, and is not in the free tier."""
    queries = [q.get("Expression") for q in props.get("Metrics") or []]
    queries = [q.get("!Sub", q) if isinstance(q, dict) else q for q in queries if q]
    select = next((q for q in queries if isinstance(q, str) and q.lstrip().upper().startswith("SELECT")), None)
    if select is None:
        alarms["standard"] += len(props.get("Metrics") or []) or 1
    elif "GROUP BY FunctionName" in select:
        alarms["per_function"] += 1
    elif "GROUP BY Route" in select:
        alarms["per_route"] += 1
    else:
        alarms["api"] += 1


def alarm_count(alarms):
    return sum(alarms.values())


def tracing_of(doc, globals_fn):
    """None when the functions' tracing is off as deployed by default; else how X-Ray samples:
    (reservoir per second, fixed rate, whether the reservoir is per function). Globals'
    Tracing is a literal or a Ref to a parameter, read at its Default; the sampling rule
    (AWS::XRay::SamplingRule) likewise, its reservoir shared by every function it matches."""
    params = doc.get("Parameters") or {}

    def value(v):
        if isinstance(v, dict) and "!Ref" in v:
            return (params.get(v["!Ref"]) or {}).get("Default")
        return v

    if value(globals_fn.get("Tracing")) != "Active":
        return None
    for res in (doc.get("Resources") or {}).values():
        if res.get("Type") == "AWS::XRay::SamplingRule":
            rule = (res.get("Properties") or {}).get("SamplingRule") or {}
            return (float(value(rule.get("ReservoirSize", 0))), float(value(rule.get("FixedRate", 0))), False)
    return (XRAY_RESERVOIR_PER_SECOND, XRAY_RATE, True)


def traces_of(requests_per_month, tracing):
    """Traces X-Ray records of `requests_per_month` requests (one function's, or the rule's)."""
    if not tracing or requests_per_month <= 0:
        return 0.0
    reservoir, rate, _ = tracing
    per_second = requests_per_month / SECONDS_PER_MONTH
    return (min(per_second, reservoir) + rate * max(0.0, per_second - reservoir)) * SECONDS_PER_MONTH


# ---------------------------------------------------------------- measurements
def measured(results):
    """Per function: CPU ms per warm request and per cold start (init + first request)."""
    out = {}
    for f in results.get("functions", []):
        warm = (f.get("warmCpuMs") or {}).get("p50")
        init = (f.get("initCpuMs") or {}).get("p50")
        out[f["id"]] = {"warm_cpu_ms": warm, "init_cpu_ms": init, "log_bytes": None, "dynamo_calls": None}
    for l in results.get("latency", []):
        m = out.setdefault(l["function"], {})
        if l["cloud"].get("cpuMsPerRequest") is not None:
            m["warm_cpu_ms"] = l["cloud"]["cpuMsPerRequest"]
        m["log_bytes"] = l["cloud"].get("logBytesPerRequest")
        m["dynamo_calls"] = l["inProcess"].get("dynamoCallsPerRequest")
    return out


def billed_ms(cpu_ms, io_ms, memory_mb):
    """Lambda's billed duration: CPU work at the memory's CPU share, plus waiting."""
    share = min(1.0, memory_mb / 1769)
    return math.ceil(cpu_ms / share + io_ms)


# ---------------------------------------------------------------- the model
def mix_classes():
    """The traffic mix the monthly model runs: measured (bench/mix.json, `make cost-mix`: per
    request of each class, the invocations of every function of its flow, the DynamoDB units,
    SQS requests and log bytes) when there is a measurement, else the assumed MIX above."""
    if not MIX_RESULTS.exists():
        return MIX
    mix = json.loads(MIX_RESULTS.read_text())
    classes = []
    for name, share in mix["mix"].items():
        c = mix["classes"].get(name)
        if not c:
            continue
        p = c["perRequest"]
        classes.append({
            "name": MIX_LABELS.get(name, name),
            "share": share,
            "measured": True,
            "functions": c["invocationsPerRequestByFunction"],
            "invocations": p["invocations"],
            "rru": p["readUnits"],
            "wru": p["writeUnits"],
            "sqs": p["sqsRequests"],
            "log_bytes": p["logBytes"],
        })
    return classes


# Custom metrics (EMF metrics a function declares) per invocation of each kind of function:
# before 49fb6c5 every request declared Latency, ClientErrors and ServerErrors by route,
# every batch MessagesProcessed, MessagesFailed and MessagesFailedPermanently, every relay
# OutboxPublished; since, only alarmed errors, and only when not zero (none in a healthy month).
DECLARED_BEFORE = {"http": 3, "consumer": 3, "relay": 1}
DECLARED_NOW: dict[str, int] = {}


def hours_active(count):
    """The share of a month's hours in which a function runs at least once, `count` times a
    month at an even rate: a custom metric, or a series a Metrics Insights alarm analyses,
    is billed for those hours only."""
    return 1 - math.exp(-count / HOURS_PER_MONTH) if count > 0 else 0.0


def serverless(requests, functions, alarms, polled_queues, retention, tracing, m, declared=None):
    declared = DECLARED_NOW if declared is None else declared
    lines = {k: 0.0 for k in ("Lambda", "API Gateway", "DynamoDB", "SQS", "CloudWatch Logs",
                              "CloudWatch metrics", "Alarms", "X-Ray")}
    invocations, gb_s, rru, wru, sqs, log_bytes, writes = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    traces = 0.0
    per_function = {}

    def invoke(fid, count, io_ms, log_per):
        nonlocal invocations, gb_s, log_bytes
        if count <= 0:
            return
        fn = functions.get(fid, {"memory": 128, "arch": "arm64"})
        meas = m.get(fid, {})
        cpu = meas.get("warm_cpu_ms") or 1.0
        init = meas.get("init_cpu_ms") or cpu
        rate = count / SECONDS_PER_MONTH
        cold = count * math.exp(-rate * INSTANCE_KEEP_SECONDS) if rate > 0 else 0
        warm_ms = billed_ms(cpu, io_ms, fn["memory"])
        cold_ms = billed_ms(init, io_ms, fn["memory"])
        seconds = ((count - cold) * warm_ms + cold * cold_ms) / 1000
        gb_s += seconds * fn["memory"] / 1024
        invocations += count
        log_bytes += count * log_per
        per_function[fid] = per_function.get(fid, 0) + count

    for c in mix_classes():
        n = requests * c["share"]
        if c.get("measured"):
            for fid, per_request in c["functions"].items():
                invoke(fid, n * per_request, 2 * DYNAMO_CALL_MS, 0)
            log_bytes += n * c["log_bytes"]
            rru += n * c["rru"]
            wru += n * c["wru"]
            sqs += n * c["sqs"]
            writes += n if c["wru"] else 0
            if tracing and tracing[2]:
                traces += traces_of(n, tracing)
            continue
        meas = m.get(c["function"], {})
        calls = meas.get("dynamo_calls") or c["dynamo_calls"]
        invoke(c["function"], n, calls * DYNAMO_CALL_MS, (meas.get("log_bytes") or 600))
        rru += n * c["rru"]
        wru += n * c["wru"]
        writes += n if c["wru"] else 0
        if tracing and tracing[2]:
            traces += traces_of(n, tracing)
        for ev in c["events"]:
            consumers = ev["consumers"]
            # The relay: one invocation per stream batch (one record at these rates), one send per queue.
            invoke(ev["relay"], n, len(consumers) * SQS_SEND_MS, 400)
            sqs += n * len(consumers)
            for fid in consumers:
                d = CONSUMER_DYNAMO.get(fid, {"rru": 1, "wru": 2, "calls": 2})
                invoke(fid, n, d["calls"] * DYNAMO_CALL_MS, 600)
                # The event source mapping's receive and delete of that message.
                sqs += n * 2
                rru += n * d["rru"]
                wru += n * d["wru"]
    if tracing and not tracing[2]:
        # One rule for every function: its reservoir is shared, its rate applies to all.
        traces += traces_of(requests, tracing)
    sqs += polled_queues * IDLE_POLLERS_PER_QUEUE * SECONDS_PER_MONTH / LONG_POLL_SECONDS
    log_bytes += requests * ACCESS_LOG_BYTES

    lines["Lambda"] = (max(0.0, invocations - FREE["lambda_requests"]) * price("lambda_request")
                       + max(0.0, gb_s - FREE["lambda_gb_s"]) * price("lambda_gb_s_arm64"))
    lines["API Gateway"] = requests * price("http_api_request")
    stored_gb = writes * KB_STORED_PER_WRITE / 1024 / 1024
    lines["DynamoDB"] = rru * price("dynamodb_rru") + wru * price("dynamodb_wru") + stored_gb * price("dynamodb_pitr_gb")
    lines["SQS"] = max(0.0, sqs - FREE["sqs_requests"]) * price("sqs_request")
    gb = log_bytes / 1e9
    lines["CloudWatch Logs"] = (max(0.0, gb - FREE["logs_gb"]) * price("logs_ingest_gb")
                                + gb * min(retention, 30) / 30 * price("logs_store_gb"))
    active = {fid: hours_active(n) for fid, n in per_function.items()}
    series = sum(declared.get(functions.get(fid, {}).get("kind"), 0) * a for fid, a in active.items())
    lines["CloudWatch metrics"] = max(0.0, series - FREE["custom_metrics"]) * price("custom_metric")
    # The per-route alarm analyses ServerErrors, declared only by a request that failed: no
    # series in a month without a 5xx.
    analysed = alarms["per_function"] * sum(active.values()) + alarms["api"] * hours_active(requests)
    lines["Alarms"] = (max(0, alarms["standard"] - FREE["alarms"]) * price("alarm")
                       + analysed * price("alarm_insights_metric"))
    lines["X-Ray"] = max(0.0, traces - FREE["xray_traces"]) * price("xray_trace")
    usage = {"invocations": invocations, "gbSeconds": gb_s, "rru": rru, "wru": wru, "sqsRequests": sqs,
             "logGb": gb, "traces": traces}
    return lines, usage


def shared_data_layer(requests, m, retention):
    """DynamoDB and logs as the alternatives would use them: the same tables and the same
    writes (the comparison is about compute and the front door, so the data layer is held
    equal), application logs without API Gateway's access log and without the relays."""
    rru = wru = writes = 0.0
    log_bytes = 0.0
    for c in mix_classes():
        n = requests * c["share"]
        rru += n * c["rru"]
        wru += n * c["wru"]
        writes += n if c["wru"] else 0
        if c.get("measured"):
            # The request's own lines: the flow's bytes per invocation.
            log_bytes += n * c["log_bytes"] / max(1.0, c["invocations"])
            continue
        log_bytes += n * (m.get(c["function"], {}).get("log_bytes") or 600)
        for ev in c["events"]:
            for fid in ev["consumers"]:
                d = CONSUMER_DYNAMO.get(fid, {"rru": 1, "wru": 2})
                rru += n * d["rru"]
                wru += n * d["wru"]
    stored_gb = writes * KB_STORED_PER_WRITE / 1024 / 1024
    dynamo = rru * price("dynamodb_rru") + wru * price("dynamodb_wru") + stored_gb * price("dynamodb_pitr_gb")
    gb = log_bytes / 1e9
    logs = max(0.0, gb - FREE["logs_gb"]) * price("logs_ingest_gb") + gb * min(retention, 30) / 30 * price("logs_store_gb")
    return dynamo, logs


def monolith(requests, m, retention):
    dynamo, logs = shared_data_layer(requests, m, retention)
    lines = {
        "EC2 t4g.micro": MONOLITH["instance_hours"] * price("ec2_t4g_micro_hour"),
        "EBS 8 GB gp3": MONOLITH["ebs_gb"] * price("ebs_gp3_gb"),
        "Public IPv4": MONOLITH["public_ipv4"] * HOURS_PER_MONTH * price("public_ipv4_hour"),
        "DynamoDB": dynamo,
        "CloudWatch Logs": logs,
    }
    return lines


def containers(requests, m, retention):
    dynamo, logs = shared_data_layer(requests, m, retention)
    c = CONTAINERS
    tasks = c["services"] * c["tasks_per_service"]
    task_hour = c["vcpu"] * price("fargate_vcpu_hour_arm") + c["gb"] * price("fargate_gb_hour_arm")
    # One LCU is 25 new connections/s (or 1 GB/h processed); billed for at least the
    # fraction used. Every request a new connection: the worst case at these sizes.
    lcu = max(requests / SECONDS_PER_MONTH / 25, 0.0)
    # Services talk through the same queues; each polls its own queue (one long poll at a time).
    sqs_requests = requests * 0.25 * 9 + c["services"] * SECONDS_PER_MONTH / LONG_POLL_SECONDS
    lines = {
        "Fargate (8 × 0.25 vCPU, 0.5 GB, ARM)": tasks * task_hour * HOURS_PER_MONTH,
        "ALB": HOURS_PER_MONTH * (price("alb_hour") + lcu * price("alb_lcu_hour")),
        "Public IPv4 (ALB ×2, tasks ×8)": (c["alb_public_ipv4"] + tasks) * HOURS_PER_MONTH * price("public_ipv4_hour"),
        "SQS": max(0.0, sqs_requests - FREE["sqs_requests"]) * price("sqs_request"),
        "DynamoDB": dynamo,
        "CloudWatch Logs": logs,
    }
    return lines


MIX_LABELS = {
    "read": "reads",
    "event_write": "writes that emit events (a comment)",
    "sign_in": "sign-ins",
    "order": "orders (the saga)",
}


def measured_mix(functions, m, tracing):
    """What each request of the measured mix consumed (bench/mix.json: every invocation of
    its flow, read back from the local cloud's invocation record by correlation id), priced.

    Lambda's compute is the model's (each function's benchmarked CPU time at its memory),
    not the local run's durations (a debug build on this machine's full cores)."""
    if not MIX_RESULTS.exists():
        return ["No measured mix yet (`make cost-mix` writes bench/mix.json)."]
    mix = json.loads(MIX_RESULTS.read_text())
    out = [
        f"Measured per request by `make cost-mix` ({mix['requests']} requests through the local cloud,"
        f" {mix['measuredAt']}; every hop of each request's flow, found by its correlation id):",
        "",
        "| class | share | invocations | read units | write units | SQS requests | log bytes | marginal $ per million |",
        "|---|---|---|---|---|---|---|---|",
    ]
    total = 0.0
    for name, share in mix["mix"].items():
        c = mix["classes"].get(name)
        if not c:
            continue
        p = c["perRequest"]
        gb_s = 0.0
        for fid, count in c["invocationsPerRequestByFunction"].items():
            memory = functions.get(fid, {"memory": 128})["memory"]
            cpu = (m.get(fid, {}) or {}).get("warm_cpu_ms") or 1.0
            gb_s += count * billed_ms(cpu, 2 * DYNAMO_CALL_MS, memory) / 1000 * memory / 1024
        cost = (p["apiRequests"] * price("http_api_request")
                + p["invocations"] * price("lambda_request")
                + gb_s * price("lambda_gb_s_arm64")
                + p["readUnits"] * price("dynamodb_rru")
                + p["writeUnits"] * price("dynamodb_wru")
                + p["sqsRequests"] * price("sqs_request")
                + (p["logBytes"] + ACCESS_LOG_BYTES) / 1e9 * price("logs_ingest_gb")
                # Marginal: a sampled request's trace (the reservoir is a fixed amount a second).
                + (tracing[1] if tracing else 0.0) * price("xray_trace"))
        total += share * cost
        out.append(f"| {MIX_LABELS.get(name, name)} | {share:.0%} | {p['invocations']:.2f} | {p['readUnits']:.1f} |"
                   f" {p['writeUnits']:.1f} | {p['sqsRequests']:.1f} | {p['logBytes']:,.0f} | ${cost * 1e6:.2f} |")
    out.append("")
    xray = f"X-Ray sampling {tracing[1]:.0%}" if tracing else "X-Ray off as the template deploys by default"
    out.append(f"Measured marginal cost of the mix: **${total * 1e6:.2f} per million requests** (no free tier,"
               f" {xray}; the target is $4.00).")
    return out


# Lambda polls each DynamoDB stream shard "at a base rate of 4 times per second" (Lambda
# developer guide, "Using Lambda with DynamoDB", polling and batching streams): a record waits
# 125 ms on average for its poll, 250 ms at most. An SQS event source mapping long-polls: a
# message sent to a queue with a receive waiting is returned at once (SQS developer guide,
# long polling); AWS documents no figure for the hop, so it is modelled at the local one.
STREAM_POLL_MS = 250


def order_path():
    """The order's critical path, hop by hop: measured locally, and modelled on AWS."""
    if not MIX_RESULTS.exists():
        return []
    path = json.loads(MIX_RESULTS.read_text()).get("orderCriticalPath")
    if not path:
        return []
    hops = path["medianFlow"]
    streams = sum(1 for h in hops if h["trigger"] == "stream")
    queues = sum(1 for h in hops if h["trigger"] == "sqs")
    own = sum(h["durationMs"] for h in hops)
    queue_wait = sum(h["waitMs"] for h in hops if h["trigger"] == "sqs")
    local = path["criticalPathMs"]
    mean = own + queue_wait + streams * STREAM_POLL_MS / 2
    worst = own + queue_wait + streams * STREAM_POLL_MS
    return [
        "",
        f"The order's critical path (`make cost-mix`, {path['flows']} warm orders): {len(hops)} hops from"
        f" `POST /v1/orders` to the notification of `order_confirmed`, {streams} through a DynamoDB stream"
        f" (an outbox relay) and {queues} through an SQS queue. Measured locally: {local['p50']:,} ms median"
        f" ({local['min']:,}-{local['max']:,} ms), of which the functions' own time {own:,.0f} ms (a debug build)."
        f" Modelled on AWS with the same own time: {mean:,.0f} ms on average, {worst:,.0f} ms at worst,"
        f" the streams' polling ({STREAM_POLL_MS // 2} ms a hop on average, {STREAM_POLL_MS} at most) being"
        f" {streams * STREAM_POLL_MS / 2:,.0f} ms of it; the queues' long polls hand a message over at once.",
    ]


def xray_lever(functions, alarms, polled_queues, retention, m):
    """The X-Ray line at each volume under the three settings the template can deploy."""
    doc = yaml.load(TEMPLATE.read_text(), Loader=Loader)
    params = doc.get("Parameters") or {}
    rate = float((params.get("TracingSampleRate") or {}).get("Default", XRAY_RATE))
    settings = [
        ("Tracing Active under X-Ray's default rule (before)", (XRAY_RESERVOIR_PER_SECOND, XRAY_RATE, True)),
        (f"Active under TracingSamplingRule ({rate:.0%}, no reservoir)", (0.0, rate, False)),
        ("PassThrough (the default)", None),
    ]
    parts = []
    for name, tracing in settings:
        cost = [serverless(r, functions, alarms, polled_queues, retention, tracing, m)[0]["X-Ray"] for r in TRAFFIC[1:]]
        parts.append(f"{name}: " + " / ".join(fmt_money(c) for c in cost))
    return ("X-Ray lever, a month at " + " / ".join(f"{r:,}" for r in TRAFFIC[1:]) + " requests: "
            + "; ".join(parts) + ".")


def metrics_lever(functions, alarms, polled_queues, retention, tracing, m):
    """The custom metrics line before and after the functions stopped declaring every value."""
    def line(declared):
        return [serverless(r, functions, alarms, polled_queues, retention, tracing, m, declared)[0]["CloudWatch metrics"]
                for r in TRAFFIC[1:]]

    before, now = line(DECLARED_BEFORE), line(DECLARED_NOW)
    return ("Custom metrics lever, a month at " + " / ".join(f"{r:,}" for r in TRAFFIC[1:]) + " requests:"
            " every request's latency and error counts and every batch's counts declared (before): "
            + " / ".join(fmt_money(c) for c in before)
            + "; only errors, when there are any (now, a month without errors): "
            + " / ".join(fmt_money(c) for c in now) + ".")


def describe_class(c, functions):
    if c.get("measured"):
        return (f"{c['share']:.0%} {c['name']} ({c['invocations']:.2f} invocations, {c['rru']:.1f} read and"
                f" {c['wru']:.1f} write units, {c['sqs']:.1f} SQS requests, measured by `make cost-mix`)")
    return (f"{c['share']:.0%} {c['name']} (assumed; CPU measured as {c['function']},"
            f" {functions.get(c['function'], {}).get('memory')} MB)")


def fmt_money(v):
    return f"${v:,.2f}"


def main():
    functions, alarms, polled_queues, retention, tracing = load_template()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    m = measured(results)
    rows = []
    for r in TRAFFIC:
        s_lines, usage = serverless(r, functions, alarms, polled_queues, retention, tracing, m)
        rows.append({
            "requests": r,
            "serverless": s_lines,
            "usage": usage,
            "monolith": monolith(r, m, retention),
            "containers": containers(r, m, retention),
        })
    archs = sorted({f["arch"] for f in functions.values()})
    out = []
    out.append(f"Monthly cost, USD, us-east-1, prices as listed on AWS's pricing pages on 2026-11-24"
               f" (`tools/bench/cost.py` has each with its source). {len(functions)} functions ({', '.join(archs)}),"
               f" {alarm_count(alarms)} alarms ({alarms['standard']} standard alarm metrics, {alarm_count(alarms) - alarms['standard']} on"
               f" Metrics Insights queries), {polled_queues} SQS queues polled by Lambda, log retention {retention} days,"
               f" X-Ray tracing {'on' if tracing else 'off'}. Measured CPU from"
               f" `bench/results.json` ({results.get('generatedAt', 'no benchmark run yet')}).")
    out.append("")
    out.append("Traffic mix per API request: " + "; ".join(describe_class(c, functions) for c in mix_classes()) + ".")
    out.append("")
    head = "| | " + " | ".join(f"{r:,} req/month" for r in TRAFFIC) + " |"
    out.append(head)
    out.append("|---" * (len(TRAFFIC) + 1) + "|")
    for key in rows[0]["serverless"]:
        out.append(f"| serverless: {key} | " + " | ".join(fmt_money(row["serverless"][key]) for row in rows) + " |")
    out.append("| **serverless total** | " + " | ".join(f"**{fmt_money(sum(row['serverless'].values()))}**" for row in rows) + " |")
    out.append("| **monolith** (Elastic Beanstalk, one t4g.micro) | " + " | ".join(f"**{fmt_money(sum(row['monolith'].values()))}**" for row in rows) + " |")
    out.append("| **8 containers** (Fargate + ALB) | " + " | ".join(f"**{fmt_money(sum(row['containers'].values()))}**" for row in rows) + " |")
    out.append("")
    zero = rows[0]["serverless"]
    nonzero = {k: v for k, v in zero.items() if v > 0.005}
    if nonzero:
        out.append("At zero traffic the template costs " + fmt_money(sum(zero.values())) + " a month: " + ", ".join(
            f"{k} {fmt_money(v)}" for k, v in nonzero.items()) + ".")
    else:
        out.append("At zero traffic the template costs nothing.")
    totals = [(row["requests"], sum(row["serverless"].values()), sum(row["monolith"].values())) for row in rows]
    for (r0, s0, m0), (r1, s1, m1) in zip(totals, totals[1:]):
        if s0 <= m0 and s1 > m1:
            # Both lines are straight between the two points: where they cross.
            t = (m0 - s0) / ((s1 - s0) - (m1 - m0))
            cross = float(f"{r0 + t * (r1 - r0):.2g}")
            out.append(f"Serverless costs less than the monolith up to about {cross:,.0f} requests a month.")
            break
    if all(sum(row["containers"].values()) > max(s, m) for row, (_, s, m) in zip(rows, totals)):
        out.append("The eight containers cost more than either at every volume here.")
    u = rows[-1]["usage"]
    out.append(f"At {TRAFFIC[-1]:,} requests: {u['invocations']:,.0f} Lambda invocations, {u['gbSeconds']:,.0f} GB-s"
               f" (free up to {FREE['lambda_gb_s']:,}), {u['sqsRequests']:,.0f} SQS requests, {u['logGb']:.1f} GB of logs,"
               f" {u['traces']:,.0f} X-Ray traces.")
    out.append(xray_lever(functions, alarms, polled_queues, retention, m))
    out.append(metrics_lever(functions, alarms, polled_queues, retention, tracing, m))
    out.append("")
    out.extend(measured_mix(functions, m, tracing))
    out.extend(order_path())
    table = "\n".join(out)
    TABLE.write_text("# Cost model (`make cost`)\n\n" + table + "\n")
    chart(rows)
    if "--no-readme" not in sys.argv:
        text = README.read_text()
        pattern = re.compile(r"<!-- cost:begin -->.*?<!-- cost:end -->", re.S)
        if not pattern.search(text):
            raise SystemExit("docs/performance.md has no <!-- cost:begin --> ... <!-- cost:end --> section")
        README.write_text(pattern.sub(lambda _: f"<!-- cost:begin -->\n{table}\n<!-- cost:end -->", text))
    print(table)


def chart(rows):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{r['requests']:,}" for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(14, 5.5))
    x = range(len(rows))
    w = 0.27
    for k, (name, key, color) in enumerate([
        ("serverless (this template)", "serverless", "#3b7dd8"),
        ("monolith: Beanstalk t4g.micro", "monolith", "#2a9d5c"),
        ("8 containers: Fargate + ALB", "containers", "#d3793b"),
    ]):
        totals = [sum(r[key].values()) for r in rows]
        bars = a.bar([i + (k - 1) * w for i in x], totals, w, label=name, color=color)
        a.bar_label(bars, labels=[f"${t:,.0f}" if t >= 1 else f"${t:.2f}" for t in totals], fontsize=7)
    a.set_xticks(list(x), labels)
    a.set_xlabel("API requests per month")
    a.set_ylabel("USD per month")
    a.set_title("Monthly cost, us-east-1")
    a.legend()
    keys = list(rows[0]["serverless"].keys())
    bottom = [0.0] * len(rows)
    for key in keys:
        vals = [r["serverless"][key] for r in rows]
        b.bar(list(x), vals, 0.5, bottom=bottom, label=key)
        bottom = [p + v for p, v in zip(bottom, vals)]
    b.set_xticks(list(x), labels)
    b.set_xlabel("API requests per month")
    b.set_ylabel("USD per month")
    b.set_title("Serverless, by service")
    b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(CHART, dpi=110)


if __name__ == "__main__":
    main()
