#!/usr/bin/env python3
"""One CloudWatch dashboard per domain, and one for the API, written into template.yaml.

A dashboard must name every function, queue and table of its domain; written by hand it
falls behind the first time a function is added. This derives each domain's resources from
the template's own logical ids (the naming rule: `<Domain><Action>Function`,
`<Domain>Queue`, `<Domain>DeadLetterQueue`, `<Domain>Table`) and writes the dashboards
between the two marker lines of template.yaml. `--check` (run by `make check`) fails when
the template's block is not what this would write, so a new function cannot miss its
domain's dashboard.

What each shows, from metrics AWS publishes for free (no custom metric): per function its
invocations, errors, throttles and p99 duration (one function per route, so an HTTP
function's p99 is its route's), the domain's queues (depth, age of the oldest message, the
dead-letter queue's depth), the table's consumed capacity and throttled requests. The API's
own: requests, 4xx, 5xx and p50/p99 latency.

The dashboards exist only with the `Dashboards` parameter set to `PerDomain`: a dashboard is
$3 a month beyond the free tier's three, so nine of them are $18 a month, at idle too
(docs/operations.md "Alarms and dashboards").

    .venv/bin/python tools/template/dashboards.py [--check] [--template template.yaml]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

BEGIN = "  # ---------------------------------------------------------------- dashboards (tools/template/dashboards.py writes this block; edit that, not this)\n"
END = "  # ---------------------------------------------------------------- end of dashboards\n"
DOMAINS = ("Users", "Assessments", "Learning", "Community", "Notifications", "Inventory", "Payments", "Orders")
PERIOD = 300


def logical_ids(text: str, suffix: str) -> list[str]:
    return re.findall(rf"^  ([A-Z][A-Za-z]*{suffix}):\n", text, flags=re.M)


def metric_rows(namespace: str, metric: str, dimension: str, ids: list[str], stat: str, trim: str) -> list:
    return [
        [namespace, metric, dimension, f"${{{rid}}}", {"stat": stat, "label": rid.removesuffix(trim)}]
        for rid in ids
    ]


def widget(title: str, metrics: list, x: int, y: int, width: int = 12) -> dict:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": width,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "period": PERIOD,
            "view": "timeSeries",
            "stacked": False,
            "metrics": metrics,
        },
    }


def function_widgets(functions: list[str], y: int) -> list[dict]:
    def rows(metric: str, stat: str) -> list:
        return metric_rows("AWS/Lambda", metric, "FunctionName", functions, stat, "Function")

    return [
        widget("Invocations by function", rows("Invocations", "Sum"), 0, y),
        widget("Errors by function (unhandled: crashes, timeouts)", rows("Errors", "Sum"), 12, y),
        widget("Throttles by function", rows("Throttles", "Sum"), 0, y + 6),
        widget("p99 duration by function, ms (an HTTP function's is its route's)", rows("Duration", "p99"), 12, y + 6),
    ]


def domain_body(domain: str, text: str) -> dict:
    functions = [f for f in logical_ids(text, "Function") if f.startswith(domain)]
    queues = [q for q in logical_ids(text, "Queue") if q.startswith(domain) and not q.endswith("DeadLetterQueue")]
    dead = [q for q in logical_ids(text, "DeadLetterQueue") if q.startswith(domain)]
    tables = [t for t in logical_ids(text, "Table") if t.startswith(domain)]
    widgets = function_widgets(functions, 0)
    y = 12
    if queues or dead:
        def q(metric: str, ids: list[str], stat: str) -> list:
            return [
                ["AWS/SQS", metric, "QueueName", f"${{{rid}.QueueName}}", {"stat": stat, "label": rid}]
                for rid in ids
            ]

        widgets.append(widget(
            "Queue depth and dead letters",
            q("ApproximateNumberOfMessagesVisible", queues + dead, "Maximum"), 0, y))
        widgets.append(widget(
            "Age of the oldest message, s",
            q("ApproximateAgeOfOldestMessage", queues, "Maximum"), 12, y))
        y += 6
    for table in tables:
        def t(metric: str, stat: str) -> list:
            return ["AWS/DynamoDB", metric, "TableName", f"${{{table}}}", {"stat": stat, "label": metric}]

        widgets.append(widget(
            f"{table}: consumed capacity units",
            [t("ConsumedReadCapacityUnits", "Sum"), t("ConsumedWriteCapacityUnits", "Sum")], 0, y))
        widgets.append(widget(
            f"{table}: throttled reads and writes",
            [t("ReadThrottleEvents", "Sum"), t("WriteThrottleEvents", "Sum")], 12, y))
        y += 6
    return {"widgets": widgets}


def api_body(text: str) -> dict:
    def a(metric: str, stat: str, label: str) -> list:
        return ["AWS/ApiGateway", metric, "ApiId", "${ServerlessHttpApi}", {"stat": stat, "label": label}]

    functions = [f for f in logical_ids(text, "Function") if not f.startswith(DOMAINS)]
    return {"widgets": [
        widget("Requests", [a("Count", "Sum", "requests")], 0, 0),
        widget("Client and server errors", [a("4xx", "Sum", "4xx"), a("5xx", "Sum", "5xx")], 12, 0),
        widget("Latency, ms", [a("Latency", "p50", "p50"), a("Latency", "p99", "p99"),
                               a("IntegrationLatency", "p99", "integration p99")], 0, 6),
        widget("5xx rate", [a("5xx", "Average", "5xx rate")], 12, 6),
        *function_widgets(functions, 12),
    ]}


def block(text: str) -> str:
    out = [BEGIN]
    bodies = [("Api", api_body(text))] + [(d, domain_body(d, text)) for d in DOMAINS]
    for name, body in bodies:
        out.append(f"  {name}Dashboard:\n")
        out.append("    Type: AWS::CloudWatch::Dashboard\n")
        out.append("    Condition: HasDashboards\n")
        out.append("    Properties:\n")
        out.append(f"      DashboardName: !Sub ${{AWS::StackName}}-{name.lower()}\n")
        out.append("      DashboardBody: !Sub >-\n")
        out.append(f"        {json.dumps(body, separators=(',', ':'))}\n")
        out.append("\n")
    out[-1] = END
    return "".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="template.yaml", type=Path)
    parser.add_argument("--check", action="store_true", help="fail when the template's block is stale")
    args = parser.parse_args()
    text = args.template.read_text()
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        print(f"{args.template}: the dashboards' marker lines are missing or repeated", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN)
    current, tail = rest.split(END)
    wanted = block(text)
    if BEGIN + current + END == wanted:
        print(f"{args.template}: {len(DOMAINS) + 1} dashboards name every function, queue and table of their domain")
        return 0
    if args.check:
        print(f"{args.template}: the dashboards are stale; run tools/template/dashboards.py", file=sys.stderr)
        return 1
    args.template.write_text(head + wanted + tail)
    print(f"{args.template}: dashboards written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
