#!/usr/bin/env python3
"""benchmarks/run.py - the plstm benchmark suite (PERFORMANCE.md shapes).

Usage: benchmarks/run [--smoke] [--json FILE] [--markdown FILE] [--png FILE]
                      [--shapes NAME,...] [--runs N] [--budget SECONDS]
                      [--build DIR]

For every shape it measures, in one run:
  * the machine's fp32 FMA peak (plstm-fma-peak: 1 thread and all threads);
  * every schedule with a lowering for the op (the cost model's choice is
    marked), each first checked against the reference evaluator on the same
    inputs (plstm-run --check; in full size on the first two batch entries,
    --check-batch=2, since batch entries are independent), then timed
    (--bench: one warm-up run, then the median/min/max of N >= 5 runs, more
    until the timed calls add up to --seconds) with all threads, and the
    model's choice also with 1 thread;
  * GFLOP/s from SPEC §9 (printed by plstm-run), % of the peak measured in
    this run, the speed-up over the sequential schedule, the all-thread /
    one-thread scaling, the compile time, the peak resident memory of the
    process next to the size of the inputs + outputs.

Writes one JSON record per (shape, schedule, threads), a Markdown table and,
when gnuplot is installed, a PNG bar chart. --smoke runs tiny sizes (CI:
correctness + it runs; no timing is asserted). A configuration whose first
run shows it cannot finish N runs within --budget seconds is recorded as
skipped, with the reason.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = os.path.join(ROOT, "benchmarks", "specs")
EXAMPLES = os.path.join(ROOT, "examples")

# name: (spec, full dims, smoke dims, description[, (full extra args,
# smoke extra args)])
SHAPES = {
    "1d-lm": ("scan1d_d64.mlir", "B=16,T=4096", "B=2,T=100",
              "1D, B·H = 16, T = 4096, d = 64, J = 1"),
    "1d-xl": ("scan1d_d128.mlir", "B=64,T=4096", "B=2,T=70",
              "1D, B·H = 64, T = 4096, d = 128, J = 1"),
    "1d-j4": ("scan1d_j4.mlir", "B=8,T=2048", "B=2,T=50",
              "1D, B·H = 8, T = 2048, d = 64, JT = JV = JO = 4"),
    "2d-16": ("scan2d_16x16.mlir", "B=8", "B=1",
              "2D one orientation, B·H = 8, 16×16, d = 64"),
    "2d-32": ("scan2d_32x32.mlir", "B=8", "B=1",
              "2D one orientation, B·H = 8, 32×32, d = 64"),
    "2d-64": ("scan2d_64x64.mlir", "B=64", "B=1",
              "2D one orientation, B·H = 64, 64×64, d = 64"),
    "vit-t": ("vit_16x16.mlir", "B=24", "B=1",
              "fused 4 orientations, B·H = 24, 16×16, d = 64"),
    "vit-b": ("vit_16x16.mlir", "B=96", "B=2",
              "fused 4 orientations, B·H = 96, 16×16, d = 64"),
    "vit-t-384": ("vit_32x32.mlir", "B=24", "B=1",
                  "fused 4 orientations, B·H = 24, 32×32, d = 64"),
    "mol": (os.path.join(EXAMPLES, "scan_dag_molecules.mlir"),
            "B=4,N=2048", "B=2,N=40",
            "DAG, H = 4, 64 random DAGs x 32 nodes (disjoint union, 2 edges "
            "per node), d = 32",
            (["--graph-components=64"], ["--graph-components=4"])),
    "dag-2048": (os.path.join(EXAMPLES, "scan_dag_molecules.mlir"),
                 "B=4,N=2048", "B=2,N=40",
                 "DAG, H = 4, one random DAG on 2048 nodes (2 edges per "
                 "node: long-lived states), d = 32"),
}

# The schedules each shape runs (besides the model's choice). Left out, for
# the suite's 15-minute budget: tiled schedules of 2d-64 (chunkwise:8 takes
# 21 s per run, 2 min for the suite's 6 runs), log-depth of 2d-64 (one 64×64
# tile, 4.3 GFLOP of path-sum product per entry) and of mol, and chunkwise
# blocks > 1 level for mol (dense path sums over thousands of edges: minutes);
# docs/schedules.md says why they lose.
ONE_D_SCHEDULES = ["sequential", "chunkwise:16", "chunkwise:32",
                   "chunkwise:64", "logdepth:16"]
SCHEDULES = {
    "1d-lm": ONE_D_SCHEDULES, "1d-xl": ONE_D_SCHEDULES,
    "1d-j4": ONE_D_SCHEDULES,
    "2d-16": ["sequential", "chunkwise:4", "chunkwise:8", "logdepth"],
    "2d-32": ["sequential", "chunkwise:8", "logdepth"],
    "2d-64": ["sequential"],
    "vit-t": ["sequential", "chunkwise:4", "logdepth"],
    "vit-b": ["sequential", "logdepth"],
    "vit-t-384": ["sequential", "logdepth"],
    "mol": ["sequential", "chunkwise:1"],
    "dag-2048": ["sequential", "chunkwise:1"],
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes, 1 timed run (CI)")
    p.add_argument("--json", help="write the records to this JSON file")
    p.add_argument("--markdown", help="write the table to this Markdown file")
    p.add_argument("--png", help="write a bar chart (needs gnuplot)")
    p.add_argument("--shapes", help="comma-separated subset of: " +
                   ", ".join(SHAPES))
    p.add_argument("--runs", type=int, default=5,
                   help="timed runs per configuration (default 5)")
    p.add_argument("--seconds", type=float, default=0.5,
                   help="after the --runs runs, keep timing until the timed "
                        "calls add up to this many seconds, at most 100x "
                        "--runs runs (plstm-run --bench-seconds; default 0.5, "
                        "0 with --smoke): short kernels get a median over "
                        "more runs")
    p.add_argument("--budget", type=float, default=60.0,
                   help="seconds one configuration may take (default 60)")
    p.add_argument("--build", default=os.environ.get(
        "PLSTM_BUILD_DIR", os.path.join(ROOT, "build")),
        help="build folder with bin/plstm-run (default: build)")
    return p.parse_args()


def run_child(cmd):
    """Runs cmd with os.wait4 so that its own peak RSS is known."""
    pid = os.fork()
    if pid == 0:  # child
        fd = os.open(run_child.logfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        try:
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    with open(run_child.logfile) as f:
        out = f.read()
    code = os.waitstatus_to_exitcode(status)
    return code, out, usage.ru_maxrss / 1024.0


def measure_peak(build):
    exe = os.path.join(build, "bin", "plstm-fma-peak")
    peaks = {}
    if not os.path.exists(exe):
        return peaks
    out = subprocess.run([exe], capture_output=True, text=True).stdout
    for m in re.finditer(r"peak threads=(\d+) gflops=([\d.]+)", out):
        peaks[int(m.group(1))] = float(m.group(2))
    return peaks


def parse_run(out):
    rec = {}
    m = re.search(r"bench cpu, (\d+) threads: (\d+) runs, median ([\d.]+) ms, "
                  r"min ([\d.]+) ms, max ([\d.]+) ms, ([\d.]+) GFLOP/s "
                  r"\(([\d.e+]+) FLOP", out)
    if m:
        rec.update(threads=int(m.group(1)), runs=int(m.group(2)),
                   median_ms=float(m.group(3)), min_ms=float(m.group(4)),
                   max_ms=float(m.group(5)), gflops=float(m.group(6)),
                   flop_per_run=float(m.group(7)))
    m = re.search(r"compiled @\S+ for the CPU in ([\d.]+) s", out)
    if m:
        rec["compile_s"] = float(m.group(1))
    m = re.search(r"kernel @\S+: ([\d.]+) ms", out)
    if m:
        rec["first_run_ms"] = float(m.group(1))
    errs = [float(x) for x in re.findall(r"max rel err ([\d.e+-]+)", out)]
    if errs:
        rec["check_max_rel_err"] = max(errs)
    sizes = 0
    for m in re.finditer(r"(?:input|result) #\d+ (f32|f64|i32|i64) \[([^\]]*)\]",
                         out):
        n = 1
        for d in m.group(2).split(","):
            if d.strip():
                n *= int(d)
        sizes += n * (8 if m.group(1) in ("f64", "i64") else 4)
    rec["io_mb"] = sizes / 2**20
    m = re.search(r"chose (#plstm.schedule<[^>]*>)", out)
    if m:
        rec["model_choice"] = m.group(1)
    return rec


def schedule_flag(s):
    m = re.match(r"#plstm.schedule<(\w+)(?:, chunk = (\d+))?>", s)
    if not m:
        return None
    return m.group(1) + (":" + m.group(2) if m.group(2) else "")


def main():
    args = parse_args()
    plstm_run = os.path.join(args.build, "bin", "plstm-run")
    if not os.path.exists(plstm_run):
        sys.exit(f"benchmarks/run: error: {plstm_run} not found; build first "
                 "(scripts/setup.sh)")
    names = list(SHAPES)
    if args.shapes:
        names = [s.strip() for s in args.shapes.split(",") if s.strip()]
        bad = [s for s in names if s not in SHAPES]
        if bad:
            sys.exit(f"benchmarks/run: error: unknown shape(s) {', '.join(bad)}; "
                     f"expected some of: {', '.join(SHAPES)}")
    if args.runs < 1:
        sys.exit(f"benchmarks/run: error: --runs={args.runs}, expected >= 1")
    if not 0 <= args.seconds <= 60:
        sys.exit(f"benchmarks/run: error: --seconds={args.seconds}, "
                 "expected 0 to 60")
    runs = 1 if args.smoke else args.runs
    bench_seconds = 0 if args.smoke else args.seconds
    scratch = os.path.join(args.build, "benchmarks")
    os.makedirs(scratch, exist_ok=True)
    run_child.logfile = os.path.join(scratch, "last-run.log")

    peaks = measure_peak(args.build)
    all_threads = max(peaks) if peaks else os.cpu_count() or 1
    peak = peaks.get(all_threads)
    print(f"fp32 FMA peak: " + (", ".join(
        f"{g:.1f} GFLOP/s ({t} thread{'s' if t > 1 else ''})"
        for t, g in sorted(peaks.items())) if peaks else "not measured"),
        flush=True)

    records, failures = [], []
    started = time.time()
    for name in names:
        spec, full, smoke, desc = SHAPES[name][:4]
        extra = SHAPES[name][4][1 if args.smoke else 0] \
            if len(SHAPES[name]) > 4 else []
        spec = spec if os.path.isabs(spec) else os.path.join(SPECS, spec)
        dims = smoke if args.smoke else full
        base = [plstm_run, spec, "--random", "--seed", "1", "--dim", dims,
                "--backend=cpu"] + extra
        # The model's choice for these sizes.
        code, out, _ = run_child(base[:2] + ["--random", "--dim", dims,
                                             "--explain"] + extra)
        choice = parse_run(out).get("model_choice", "#plstm.schedule<sequential>")
        schedules = SCHEDULES[name]
        model = schedule_flag(choice)
        # Every schedule with all threads (checked first); the model's choice
        # also with one thread for the scaling. The model's choice reuses the
        # measurement of the same schedule instead of running it twice.
        configs = [(s, s, s == model) for s in schedules]
        if model not in schedules:
            configs.insert(0, (model, model, True))
        seq_median = {}
        print(f"\n== {name}: {desc} (--dim {dims}); cost model: {choice}",
              flush=True)
        for label, forced, is_model in configs:
            for threads in ((all_threads, 1) if is_model else (all_threads,)):
                cmd = list(base) + [f"--num-threads={threads}",
                                    "--bench", str(runs),
                                    f"--bench-seconds={bench_seconds}",
                                    f"--schedule={forced}"]
                if threads == all_threads:
                    # The fp64 reference is slow on big batches: check the
                    # first two batch entries (independent of the others).
                    cmd += ["--check"] + ([] if args.smoke else
                                          ["--check-batch=2"])
                rec = {"shape": name, "schedule": label, "threads": threads,
                       "dims": dims, "args": extra,
                       "peak_gflops": peaks.get(threads),
                       "model_choice": is_model}
                t0 = time.time()
                code, out, rss = run_child(cmd)
                elapsed = time.time() - t0
                rec.update(parse_run(out))
                rec["threads"] = threads
                rec["model_choice"] = is_model
                rec["peak_rss_mb"] = rss
                rec["wall_s"] = elapsed
                if code != 0 or "median_ms" not in rec:
                    rec["error"] = out.strip().splitlines()[-1] if out.strip() \
                        else f"exit {code}"
                    failures.append(f"{name} {label} {threads}t: {rec['error']}")
                else:
                    if rec.get("peak_gflops"):
                        rec["pct_of_peak"] = 100.0 * rec["gflops"] / rec["peak_gflops"]
                    if label == "sequential":
                        seq_median[threads] = rec["median_ms"]
                records.append(rec)
                status = rec.get("error") or (
                    f"median {rec['median_ms']:.2f} ms, {rec['gflops']:.2f} GFLOP/s"
                    + (f" ({rec['pct_of_peak']:.2f}% of peak)" if 'pct_of_peak' in rec else "")
                    + (f", check rel err {rec['check_max_rel_err']:.1e}"
                       if 'check_max_rel_err' in rec else ""))
                tag = " (model's choice)" if is_model else ""
                print(f"  {label:<16}{tag:<18} {threads} thread(s): {status}  "
                      f"[{elapsed:.1f} s]", flush=True)
                if elapsed > args.budget and threads == all_threads and is_model:
                    skipped = dict(rec)
                    skipped.update(threads=1, error="skipped: the all-thread "
                                   f"run took {elapsed:.0f} s > --budget "
                                   f"{args.budget:.0f} s")
                    for k in ("median_ms", "min_ms", "max_ms", "gflops",
                              "pct_of_peak", "check_max_rel_err"):
                        skipped.pop(k, None)
                    records.append(skipped)
                    print(f"  {label:<34} 1 thread(s): {skipped['error']}")
                    break
        # Derived ratios.
        by = {(r["schedule"], r["threads"]): r for r in records
              if r["shape"] == name and "median_ms" in r}
        for (label, threads), r in by.items():
            if threads in seq_median:
                r["speedup_vs_sequential"] = seq_median[threads] / r["median_ms"]
            one = by.get((label, 1))
            if threads != 1 and one:
                r["thread_scaling"] = one["median_ms"] / r["median_ms"]

    table = markdown(records, peaks)
    print("\n" + table)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"peaks_gflops": peaks, "records": records,
                       "smoke": args.smoke, "runs": runs}, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    if args.png:
        chart(records, args.png, scratch)
    print(f"\nbenchmarks/run: {len(records)} records in "
          f"{time.time() - started:.0f} s", flush=True)
    if failures:
        print("benchmarks/run: FAILED configurations:\n  " +
              "\n  ".join(failures))
        sys.exit(1)


def markdown(records, peaks):
    lines = ["| shape | schedule | threads | runs | median ms | min | max "
             "| GFLOP/s | % of peak | vs sequential | thread scaling "
             "| check rel err | compile s | peak RSS MB | in+out MB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def f(r, k, fmt):
        return fmt % r[k] if k in r and r[k] is not None else "—"
    for r in records:
        if "error" in r:
            lines.append(f"| {r['shape']} | {r['schedule']} | {r['threads']} "
                         f"| {r['error']} |  |  |  |  |  |  |  |  |  |  |  |")
            continue
        lines.append("| " + " | ".join([
            r["shape"],
            r["schedule"] + (" (model)" if r.get("model_choice") else ""),
            str(r["threads"]), f(r, "runs", "%d"),
            f(r, "median_ms", "%.2f"), f(r, "min_ms", "%.2f"),
            f(r, "max_ms", "%.2f"), f(r, "gflops", "%.2f"),
            f(r, "pct_of_peak", "%.2f"),
            f(r, "speedup_vs_sequential", "%.2f×"),
            f(r, "thread_scaling", "%.2f×"),
            f(r, "check_max_rel_err", "%.1e"), f(r, "compile_s", "%.2f"),
            f(r, "peak_rss_mb", "%.0f"), f(r, "io_mb", "%.1f")]) + " |")
    peak_line = ", ".join(f"{g:.1f} GFLOP/s with {t} thread(s)"
                          for t, g in sorted(peaks.items()))
    return ("fp32 FMA peak measured in this run: " + (peak_line or "—") +
            "\n\n" + "\n".join(lines))


def chart(records, png, scratch):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("benchmarks/run: gnuplot not found; no chart (apt-get install "
              "gnuplot-nox)")
        return
    rows = [r for r in records if "gflops" in r and r["threads"] != 1]
    data = os.path.join(scratch, "chart.dat")
    with open(data, "w") as f:
        for r in rows:
            f.write(f"\"{r['shape']} {r['schedule']}\" {r['gflops']:.4f}\n")
    peak = max((r.get("peak_gflops") or 0) for r in rows) if rows else 0
    script = f"""
set terminal pngcairo size 1400,700 font ",10" noenhanced
set output "{png}"
set title "plstm CPU kernels: GFLOP/s (SPEC §9 FLOPs), all threads; FMA peak {peak:.0f} GFLOP/s"
set style fill solid 0.8
set boxwidth 0.7
set xtics rotate by -45 scale 0
set ylabel "GFLOP/s (log)"
set logscale y
set grid ytics
plot "{data}" using 0:2:xtic(1) with boxes notitle lc rgb "#3060a0"
"""
    result = subprocess.run([gnuplot], input=script, text=True,
                            capture_output=True)
    if result.returncode != 0:
        # pngcairo may be missing in gnuplot-nox: fall back to png.
        script = script.replace("pngcairo size 1400,700 font \",10\"",
                                "png size 1400,700")
        result = subprocess.run([gnuplot], input=script, text=True,
                                capture_output=True)
    if result.returncode != 0:
        print("benchmarks/run: gnuplot failed: " + result.stderr.strip())


if __name__ == "__main__":
    main()
