#!/usr/bin/env python3
"""The number of CloudFormation resources template.yaml becomes, by type, against a budget.

A stack may hold 500 resources; a deploy that goes over fails only when CloudFormation
reads the transformed template. This runs the SAM transform here, offline (the
samtranslator that aws-sam-cli installs in .venv), counts what comes out and exits 1 when
the count is over BUDGET, so growth toward the limit is seen in `make check`, long before
a deploy fails. docs/operations-template.md explains the arithmetic.

    .venv/bin/python tools/template/resources.py [--template template.yaml]
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections import Counter
from pathlib import Path

# 500 is CloudFormation's hard limit per stack. About 4 resources per function today
# (function, role, log group, and a permission + route or an event source mapping), so
# 350 leaves room for ~20 more functions, or for gradual deploys on the ~20 busiest
# (AutoPublishAlias + DeploymentPreference: +3 each), and still keeps 150 (30 %) between
# the budget and the limit: when the check fails there is time to split the stack (nested
# stacks per domain) instead of a failed deploy forcing it.
BUDGET = 350
LIMIT = 500

# Values for the parameters that have no default; the transform only needs them to be
# there (no resource count depends on them).
PLACEHOLDERS = {"String": "placeholder", "Number": "0", "CommaDelimitedList": "placeholder"}
REGION = "us-east-1"
# The resources that hold data.
STATEFUL = ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket")


def offline() -> None:
    """No network: the transform must not reach AWS (IAM's policy list, or anything else)."""

    def refuse(*_args, **_kwargs):
        raise RuntimeError("tools/template/resources.py is offline: the SAM transform tried to connect")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]


def transform(template_path: Path) -> dict:
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
    from samtranslator.translator.translator import Translator
    from samtranslator.yaml_helper import yaml_parse

    class NoIam(ManagedPolicyLoader):
        """The managed-policy map the translator asks IAM for when a function names a policy
        by name. samtranslator bundles the AWS managed policies' ARNs and this template names
        its policies by ARN or inline, so an empty map is enough and no IAM call is made."""

        def __init__(self) -> None:
            super().__init__(iam_client=None)  # type: ignore[arg-type]

        def load(self) -> dict[str, str]:
            return {}

    template = yaml_parse(template_path.read_text())
    # What `sam package` does before a deploy: local code folders become S3 objects (the
    # transform accepts nothing else). The count does not depend on where the code is.
    for resource in (template.get("Resources") or {}).values():
        properties = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(properties.get("CodeUri"), str):
            properties["CodeUri"] = f"s3://packaged/{properties['CodeUri']}"
    parameters = {
        name: PLACEHOLDERS.get(spec.get("Type", "String"), "placeholder")
        for name, spec in (template.get("Parameters") or {}).items()
        if "Default" not in spec
    }
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=boto3.session.Session(region_name=REGION),
    )
    return translator.translate(
        template,
        parameter_values=parameters,
        get_managed_policy_map=NoIam().load,
    )


# The free tier's alarm metrics: standard alarms that list their metrics. More would cost at
# idle; Metrics Insights alarms are billed by the series they analyse, none at idle.
FREE_ALARM_METRICS = 10


def query_of(props: dict) -> str:
    for q in props.get("Metrics") or []:
        expression = q.get("Expression")
        if isinstance(expression, dict):
            expression = expression.get("Fn::Sub")
        if isinstance(expression, str) and expression.lstrip().upper().startswith("SELECT"):
            return expression
    return ""


def monitoring(resources: dict) -> list[str]:
    """What an operator is told about, and that it stays free at idle: every function's errors
    and throttles, the API's 5xx rate and p99 latency, every dead-letter queue's depth, and the
    dashboards only on request (docs/operations.md "Alarms and dashboards")."""
    problems = []
    alarms = {rid: r.get("Properties") or {} for rid, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    queries = [query_of(p) for p in alarms.values()]
    for metric in ("Errors", "Throttles"):
        if not any(f'SUM({metric}) FROM SCHEMA("AWS/Lambda", FunctionName)' in q and "GROUP BY FunctionName" in q
                   for q in queries):
            problems.append(f"no alarm on every function's {metric} (a Metrics Insights query grouped by FunctionName)")
    if not any("AWS/ApiGateway" in q and 'AVG("5xx")' in q for q in queries):
        problems.append("no alarm on the API's 5xx rate")
    if not any(p.get("Namespace") == "AWS/ApiGateway" and p.get("MetricName") == "Latency"
               and p.get("ExtendedStatistic") == "p99" for p in alarms.values()):
        problems.append("no alarm on the API's p99 latency")
    if not any("ServerErrors" in q and "GROUP BY Route" in q for q in queries):
        problems.append("no alarm on each route's server errors")
    watched = {
        json.dumps(d.get("Value"), sort_keys=True)
        for p in alarms.values()
        if p.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        for d in p.get("Dimensions") or []
    }
    for rid, r in sorted(resources.items()):
        if r["Type"] == "AWS::SQS::Queue" and rid.endswith(("DeadLetterQueue", "FailureQueue")):
            if json.dumps({"Fn::GetAtt": [rid, "QueueName"]}, sort_keys=True) not in watched:
                problems.append(f"{rid}: a dead-letter queue without an alarm on its depth")
    standard = sum(len(p.get("Metrics") or []) or 1 for p, q in zip(alarms.values(), queries) if not q)
    if standard > FREE_ALARM_METRICS:
        problems.append(f"{standard} standard alarm metrics: over the free tier's {FREE_ALARM_METRICS}, they cost at idle")
    for rid, r in sorted(resources.items()):
        if r["Type"] == "AWS::CloudWatch::Dashboard" and r.get("Condition") != "HasDashboards":
            problems.append(f"{rid}: a dashboard costs $3 a month at idle; only with Dashboards=PerDomain (HasDashboards)")
    dashboards = sum(r["Type"] == "AWS::CloudWatch::Dashboard" for r in resources.values())
    if not problems:
        print(f"alarms: every function's errors and throttles, each route's server errors, the API's 5xx rate and p99,"
              f" every dead-letter queue; {standard} standard alarm metrics of the free tier's {FREE_ALARM_METRICS};"
              f" {dashboards} dashboards, with Dashboards=PerDomain only")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="template.yaml", type=Path)
    args = parser.parse_args()

    offline()
    resources = transform(args.template).get("Resources", {})
    by_type = Counter(r["Type"] for r in resources.values())
    total = sum(by_type.values())

    width = max(len(t) for t in by_type)
    for kind, n in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {kind:<{width}}  {n:>4}")
    print(f"  {'total':<{width}}  {total:>4}")
    print(f"{args.template}: {total} CloudFormation resources after the SAM transform; budget {BUDGET}, limit {LIMIT}")
    # Data outlives the stack: a table or queue removed from the template, renamed (a new
    # logical id replaces it) or deleted with the stack is kept, never deleted (cfn-lint I3011).
    unretained = sorted(
        rid
        for rid, r in resources.items()
        if r["Type"] in STATEFUL
        and (r.get("DeletionPolicy") != "Retain" or r.get("UpdateReplacePolicy") != "Retain")
    )
    if unretained:
        print(
            "without DeletionPolicy: Retain and UpdateReplacePolicy: Retain: " + ", ".join(unretained),
            file=sys.stderr,
        )
        return 1
    print(f"every table and queue ({sum(by_type[t] for t in STATEFUL)}) is retained on deletion and replacement")
    problems = monitoring(resources)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if total > BUDGET:
        print(
            f"over budget by {total - BUDGET}: see docs/operations-template.md before raising BUDGET "
            f"(the stack's hard limit is {LIMIT})",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
