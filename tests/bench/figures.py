#!/usr/bin/env python3
"""Summary, JSON and regression check for tests/bench/run (see tests/bench/README.md).

Reads the figures the benchmark scripts appended (tests/bench/lib.sh `figure`: name, value, unit,
better, ratio, note; tab-separated), prints one table, writes them with the machine's facts as
JSON, and compares them with the committed figures (tests/bench/figures.json). A figure worse by
more than the threshold (lower for rates, higher for latencies, memory and start time) is printed
in a REGRESSION block on stderr.

Exit codes: 0 no regression (or --update, or a QUICK run, which is never held to the committed
figures), 2 bad usage or unreadable input, 3 regression against figures from the same machine,
4 regression against figures from another machine (CPU model or core count differ: the comparison
is flagged as not like for like).
"""

import argparse
import datetime
import json
import os
import platform
import sys

# Display order and labels; a figure not listed here is shown after these, under its own name.
LABELS = [
    ("baseline_healthz_rps", "bare Beast baseline, GET /healthz (wrk -t2)"),
    ("baseline_healthz_p50_ms", "  baseline p50"),
    ("baseline_healthz_p99_ms", "  baseline p99"),
    ("healthz_rps", "ventanilla GET /healthz"),
    ("healthz_p50_ms", "  /healthz p50"),
    ("healthz_p99_ms", "  /healthz p99"),
    ("ussd_baseline_t64_rps", "bare Beast baseline, GET /healthz (wrk -t64)"),
    ("ussd_hop_rps", "USSD hop, whole sessions (ratio vs -t64)"),
    ("ussd_hop_p50_ms", "  USSD hop p50"),
    ("ussd_hop_p99_ms", "  USSD hop p99"),
    ("sms_twilio_rps", "inbound SMS, Twilio (signed)"),
    ("sms_twilio_p50_ms", "  Twilio p50"),
    ("sms_twilio_p99_ms", "  Twilio p99"),
    ("sms_kannel_rps", "inbound SMS, Kannel"),
    ("sms_kannel_p50_ms", "  Kannel p50"),
    ("sms_kannel_p99_ms", "  Kannel p99"),
    ("dlr_kannel_rps", "delivery report, Kannel (applied)"),
    ("dlr_kannel_p50_ms", "  delivery report p50"),
    ("dlr_kannel_p99_ms", "  delivery report p99"),
    ("place_search_p50_us", "place search, median (in process)"),
    ("place_search_p99_us", "  place search p99"),
    ("nearest_hubs_p50_us", "nearest hubs, median (in process)"),
    ("outbox_enqueue_rate", "outbox enqueue (inbound SMS, AT)"),
    ("outbox_drain_rate", "outbox drain to a loopback carrier"),
    ("live_sessions", "live USSD sessions"),
    ("rss_idle_mib", "RSS after start"),
    ("rss_live_sessions_mib", "RSS with the live sessions"),
    ("hwm_live_sessions_mib", "peak RSS (VmHWM)"),
    ("cold_start_ms", "cold start, exec to /readyz 200"),
]
# Figures shown but never held against the previous run: the baselines measure the machine's
# state, not ventanilla, and live_sessions is the load the RSS figure was taken under.
NOT_COMPARED = {"baseline_healthz_rps", "baseline_healthz_p50_ms", "baseline_healthz_p99_ms",
                "ussd_baseline_t64_rps", "live_sessions"}


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kib = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model,
            "mem_total_gib": round(mem_kib / 1048576, 1), "kernel": platform.release()}


def read_figures(path):
    figures = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 6:
                sys.exit(f"{path}:{n}: expected 6 tab-separated fields, got {len(parts)}")
            name, value, unit, better, ratio, note = parts
            try:
                value = float(value)
                ratio = float(ratio) if ratio else None
            except ValueError:
                sys.exit(f"{path}:{n}: {name}: not a number: {value!r} / {ratio!r}")
            if better not in ("higher", "lower"):
                sys.exit(f"{path}:{n}: {name}: better must be higher or lower, not {better!r}")
            figures[name] = {"value": value, "unit": unit, "better": better}
            if ratio is not None:
                figures[name]["ratio_to_baseline"] = ratio
            if note:
                figures[name]["note"] = note
    return figures


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.1f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.2f}"


def worse_pct(new, old):
    """How much worse new is than old, in percent (negative: better)."""
    if old["value"] == 0:
        return 0.0
    if new["better"] == "higher":
        return (old["value"] - new["value"]) / old["value"] * 100
    return (new["value"] - old["value"]) / old["value"] * 100


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--figures", required=True, help="the tab-separated figures of this run")
    ap.add_argument("--out", required=True, help="JSON to write (build/bench/figures.json)")
    ap.add_argument("--previous", required=True, help="committed figures (tests/bench/figures.json)")
    ap.add_argument("--threshold", type=float, default=20.0, help="percent worse that is reported")
    ap.add_argument("--update", action="store_true", help="rewrite --previous with this run")
    ap.add_argument("--quick", action="store_true", help="a QUICK=1 run (never compared)")
    ap.add_argument("--failed", default="", help="benchmarks that failed (space-separated)")
    ap.add_argument("--subset", action="store_true", help="only some benchmarks ran (ONLY=...)")
    ap.add_argument("--meta", action="append", default=[], help="KEY=VALUE kept in the JSON")
    args = ap.parse_args()

    figures = read_figures(args.figures)
    meta = dict(kv.split("=", 1) for kv in args.meta)
    run = {
        "schema": 1,
        "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": meta.pop("commit", "unknown"),
        "quick": args.quick,
        "machine": machine(),
        "conditions": meta,
        "failed": args.failed.split(),
        "figures": figures,
    }
    with open(args.out, "w") as f:
        json.dump(run, f, indent=2, sort_keys=False)
        f.write("\n")

    previous = None
    if os.path.exists(args.previous):
        with open(args.previous) as f:
            previous = json.load(f)
    prev_figs = previous["figures"] if previous else {}

    # --- the table ---------------------------------------------------------------------------
    order = [n for n, _ in LABELS if n in figures] + sorted(set(figures) - {n for n, _ in LABELS})
    labels = dict(LABELS)
    print()
    print(f"{'figure':<46} {'value':>10} {'unit':<9} {'ratio':>6} {'previous':>10} {'change':>8}")
    for name in order:
        fig = figures[name]
        old = prev_figs.get(name)
        change = ""
        if old and old.get("value"):
            change = f"{(fig['value'] - old['value']) / old['value'] * 100:+.0f}%"
        ratio = fig.get("ratio_to_baseline")
        print(f"{labels.get(name, name):<46} {fmt(fig['value']):>10} {fig['unit']:<9} "
              f"{(f'{ratio:.3f}' if ratio is not None else ''):>6} "
              f"{fmt(old['value']) if old else '':>10} {change:>8}")
    not_measured = sorted(set(prev_figs) - set(figures))
    if args.subset and not_measured:
        print(f"({len(not_measured)} committed figures not measured: only some benchmarks ran)")
    else:
        for name in not_measured:
            print(f"{labels.get(name, name):<46} {'MISSING':>10} "
                  f"(previous {fmt(prev_figs[name]['value'])})")
    m = run["machine"]
    print(f"\nmachine: {m['nproc']} cores, {m['cpu_model']}, {m['mem_total_gib']} GiB; "
          f"commit {run['commit']}; load average at start {meta.get('loadavg_start', '?')}, "
          f"at end {meta.get('loadavg_end', '?')}")
    print(f"figures written to {args.out}")

    # --- the comparison ------------------------------------------------------------------------
    if previous is None:
        print(f"no committed figures at {args.previous}: nothing to compare "
              f"(tests/bench/run --update writes them)")
    elif args.quick or previous.get("quick"):
        print("QUICK run: figures not compared with the committed ones (different durations and "
              "sizes)")
    else:
        pm = previous.get("machine", {})
        other_machine = (pm.get("nproc"), pm.get("cpu_model")) != (m["nproc"], m["cpu_model"])
        regressions = []
        for name in order:
            if name in NOT_COMPARED or name not in prev_figs:
                continue
            pct = worse_pct(figures[name], prev_figs[name])
            if pct > args.threshold:
                regressions.append((name, pct))
        if regressions:
            lines = ["", "=" * 78,
                     f"REGRESSION: {len(regressions)} figure(s) worse by more than "
                     f"{args.threshold:g}% than {args.previous}",
                     f"(committed at {previous.get('commit', '?')}, {previous.get('measured_at', '?')})"]
            if other_machine:
                lines.append(f"NOTE: the committed figures come from another machine "
                             f"({pm.get('nproc')} cores, {pm.get('cpu_model')}): not like for like")
            for name, pct in regressions:
                new, old = figures[name], prev_figs[name]
                lines.append(f"  {labels.get(name, name).strip():<44} {fmt(old['value']):>10} -> "
                             f"{fmt(new['value']):>10} {new['unit']:<6} ({pct:.0f}% worse)")
            lines.append(f"  (context: load average at start {previous.get('conditions', {}).get('loadavg_start', '?')}"
                         f" then, {meta.get('loadavg_start', '?')} now)")
            for name in NOT_COMPARED:
                if name.endswith("_rps") and name in figures and name in prev_figs:
                    lines.append(f"  (context: {labels.get(name, name)} {fmt(prev_figs[name]['value'])}"
                                 f" -> {fmt(figures[name]['value'])} req/s)")
            lines.append("=" * 78)
            sys.stdout.flush()  # the table first, then the block, also when both go to one file
            print("\n".join(lines), file=sys.stderr)
            if not args.update:
                return 4 if other_machine else 3
        else:
            print(f"no figure worse by more than {args.threshold:g}% than {args.previous}"
                  + (" (NOTE: committed on another machine)" if other_machine else ""))

    if args.update:
        if args.quick:
            print("--update refused for a QUICK run", file=sys.stderr)
            return 2
        if run["failed"]:
            print(f"--update refused: benchmarks failed ({' '.join(run['failed'])})", file=sys.stderr)
            return 2
        with open(args.previous, "w") as f:
            json.dump(run, f, indent=2)
            f.write("\n")
        print(f"committed figures rewritten: {args.previous}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
