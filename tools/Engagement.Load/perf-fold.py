#!/usr/bin/env python3
"""Where an engine's CPU goes, by part of the event path, from a perf profile with .NET frames.

  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet Gateway/.../Engagement.Gateway.dll ...   # the engine
  perf record -F 999 -g -p <engine pid> -o engine.perf.data -- sleep 15                                  # under load
  perf script -i engine.perf.data -F comm,ip,sym > engine.script
  tools/Engagement.Load/perf-fold.py engine.script [µs of engine CPU per event, from the load tool]

Each sample counts once: the JIT and GC threads by thread name, the rest by the first frame, from the leaf up,
that matches a category below; samples with no managed frame at all (SQLite's own code, the kernel's file
writes, runtime helpers, whose native frames perf cannot unwind here) are "other" by thread.
"""
import sys, re, collections
# categories: first matching pattern walking from leaf to root
cats = [
 ("model.Evaluate", r"CustomerModel::Evaluate|CustomerModel::Compute"),
 ("alerts(AlertPolicy/raise)", r"AlertPolicy|RaiseAlertsAsync"),
 ("digest.Of", r"CustomerDigest::Of|RecordDigest"),
 ("state.Apply(model+describe)", r"CustomerState::Apply"),
 ("codec JSON", r"EventCodec"),
 ("escalation", r"EscalationBook"),
 ("sqlite append", r"SqliteDialect\+<AppendAsync>|SqliteDialect::AppendAsync"),
 ("sqlite digest upsert", r"UpsertDigestsAsync"),
 ("sqlite commit/begin", r"CommitGroupAsync|SqliteTransaction|BeginWrite"),
 ("checkpoint write", r"GroupedGrainStorage|JsonGrainStorageSerializer|WriteStateAsync"),
 ("journal read (activation)", r"GroupCommitJournal::ReadAsync|QueryAsync|OnActivateAsync"),
 ("groupcommit other", r"GroupCommitWriter"),
 ("dashboard profiler", r"Orleans\.Dashboard"),
 ("grain Apply other", r"CustomerGrain\+<Apply>|CustomerGrain::Apply"),
 ("gateway pipeline", r"IngestPipeline|EventValidator|IngestActivity"),
 ("grpc/kestrel", r"Grpc\.|Kestrel|Http2|System\.IO\.Pipelines|Google\.Protobuf"),
 ("signalr/push", r"SignalR|CardFeed|Push\."),
 ("orleans runtime", r"Orleans\."),
 ("threadpool/tasks", r"ThreadPool|System\.Threading"),
]
cats = [(n, re.compile(p)) for n, p in cats]
counts = collections.Counter(); total = 0
def flush(comm, stack):
    global total
    if comm is None: return
    total += 1
    if comm.startswith(".NET Tiered"): counts["JIT (tiered compilation thread)"] += 1; return
    if "GC" in comm or comm.startswith(".NET BGC"): counts["GC threads"] += 1; return
    for frame in stack:
        for n, r in cats:
            if r.search(frame): counts[n] += 1; return
    counts["other: " + comm] += 1
comm = None; stack = []
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("\t") and not line.startswith(" "):
        if line.strip() == "": continue
        flush(comm, stack); comm = line.strip(); stack = []
    else:
        stack.append(line.strip())
flush(comm, stack)
us = float(sys.argv[2]) if len(sys.argv) > 2 else None
for n, c in counts.most_common():
    print(f"{100*c/total:5.1f}%  {'' if us is None else f'{us*c/total:6.1f} µs  '}{n}")
