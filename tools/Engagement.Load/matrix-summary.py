#!/usr/bin/env python3
"""The table of matrix.sh: each cell's acknowledged events/s beside the same session's two ceilings, as ratios."""
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/matrix"


def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else None


def ms(latency, key):
    return f"{latency[key]:,.0f} ms" if latency and latency.get(key) is not None else "–"


def cpu(run, key, machine=None):
    """A run's CPU of the engine or the store (run --engine-pid/--store-pid): cores and µs per acknowledged event.
    Older folders have only the engine's ticks, measured by matrix.sh around the run."""
    measured = run.get(key)
    if measured:
        if measured.get("cpu_seconds") is None:
            return f"no figure ({measured.get('problem')})"
        per_event = measured.get("cpu_us_per_acked_event")
        return f"{measured['cores']:.2f} / {per_event:,.0f} µs" if per_event is not None else f"{measured['cores']:.2f} / –"
    if machine and "engine_cpu_ticks" in machine:
        cores = machine["engine_cpu_ticks"] / 100 / run["elapsed_seconds"]
        return f"{cores:.2f} / {cores * 1e6 / run['acked_events_per_second']:,.0f} µs" if run["acked_events_per_second"] else f"{cores:.2f} / –"
    return "–"


grpc = load("ceiling-grpc.json")
grpc_rate = grpc["acked_events_per_second"] if grpc else None
print(f"bare gRPC ceiling: {grpc_rate:,.0f} ev/s" if grpc_rate else "bare gRPC ceiling: not measured")
print()
# CPU per acknowledged event: every event of an acknowledged batch, the events of the acked ev/s column.
print("| profile | customers | acked ev/s | store ceiling (rows/s) | of the store ceiling | of bare gRPC | ack p50 / p99 "
      "| push p50 / p99 | engine CPU (cores / per acked event) | store CPU (cores / per acked event) | load avg before / after | count check |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
cells = sorted({f.rsplit("-", 1)[0] for f in os.listdir(out) if f.endswith("-max.json")},
               key=lambda c: (c.split("-")[0], int(c.split("-")[1])))
for cell in cells:
    profile, size = cell.split("-")
    run, machine = load(f"{cell}-max.json"), load(f"{cell}-machine.json") or {}
    store = "sqlite" if profile == "embedded" else "postgres"
    ceiling = load(f"ceiling-{store}-{size}.json")
    ceiling_rate = ceiling["rows_per_second"] if ceiling else None
    rate = run["acked_events_per_second"]
    push = (run.get("push") or {}).get("latency")
    print(f"| {profile} | {int(size):,} | **{rate:,.0f}** | {ceiling_rate:,.0f} | {rate / ceiling_rate:.0%} | "
          f"{rate / grpc_rate:.2%} | {ms(run['ack_latency'], 'p50_ms')} / {ms(run['ack_latency'], 'p99_ms')} | "
          f"{ms(push, 'p50_ms')} / {ms(push, 'p99_ms')} | {cpu(run, 'engine_cpu', machine)} | {cpu(run, 'store_cpu')} | "
          f"{machine.get('load_before', '–')} / {machine.get('load_after', '–')} | "
          f"{'passed' if run['check']['passed'] else 'FAILED'} |" if ceiling_rate and grpc_rate else f"| {cell} | {rate:,.0f} | (ceilings missing) |")

halves = [c for c in cells if os.path.exists(os.path.join(out, f"{c}-half.json"))]
if halves:
    print()
    print("| profile | customers | rate asked | acked ev/s | ack p50 / p99 | push p50 / p99 (SignalR) | push samples "
          "| engine CPU (cores / per acked event) | count check |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for cell in halves:
        profile, size = cell.split("-")
        half = load(f"{cell}-half.json")
        push = half.get("push") or {}
        latency = push.get("latency")
        print(f"| {profile} | {int(size):,} | {half['settings'].get('rate') or '–'} | {half['acked_events_per_second']:,.0f} | "
              f"{ms(half['ack_latency'], 'p50_ms')} / {ms(half['ack_latency'], 'p99_ms')} | "
              f"**{ms(latency, 'p50_ms')} / {ms(latency, 'p99_ms')}** | {latency['samples'] if latency else 0:,} | {cpu(half, 'engine_cpu')} | "
              f"{'passed' if half['check']['passed'] else 'FAILED'} |")
