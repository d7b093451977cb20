#!/usr/bin/env python3
"""Assemble generated PTX with ptxas and report registers and local memory.

For every SPEC[:SCHEDULE] argument and every chip, runs
    plstm-compile SPEC --target=nvptx --chip=CHIP [--schedule=SCHEDULE] --emit=ptx
then `ptxas -arch=CHIP -v`, and writes a Markdown table (registers, stack
frame, spill stores/loads, PTX size) to --out. Exits 1 on the first failure
(plstm-compile or ptxas), naming the kernel; no report is written then.

    benchmarks/gpu/ptxas_report.py --out build/benchmarks/ptxas.md \
        benchmarks/specs/scan1d_d128.mlir:chunkwise:64 ...
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kernels", nargs="+", metavar="SPEC[:SCHEDULE]")
    parser.add_argument("--out", required=True, help="Markdown report")
    parser.add_argument("--chips", default="sm_80,sm_90")
    parser.add_argument("--plstm-compile", default="plstm-compile")
    parser.add_argument("--ptxas", default=os.environ.get(
        "PLSTM_PTXAS", "/usr/local/cuda/bin/ptxas"))
    parser.add_argument("--ptx-dir", help="also keep the PTX files here")
    parser.add_argument("--ptxas-opt", default="3",
                        help="ptxas optimization level (default 3; the tests "
                             "use 0: assembling is what they check)")
    args = parser.parse_args()
    if not os.path.exists(args.ptxas):
        sys.exit(f"ptxas_report: error: --ptxas={args.ptxas} does not exist")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kernel in args.kernels:
            spec, _, schedule = kernel.partition(":")
            if not os.path.exists(spec):
                sys.exit(f"ptxas_report: error: spec '{spec}' does not exist")
            for chip in args.chips.split(","):
                name = os.path.splitext(os.path.basename(spec))[0]
                tag = f"{name}.{schedule.replace(':', '')}.{chip}" if schedule \
                    else f"{name}.{chip}"
                ptx = os.path.join(args.ptx_dir or tmp, tag + ".ptx")
                cmd = [args.plstm_compile, spec, "--target=nvptx",
                       f"--chip={chip}", "--emit=ptx", "-o", ptx]
                if schedule:
                    cmd.append(f"--schedule={schedule}")
                run = subprocess.run(cmd, capture_output=True, text=True)
                if run.returncode != 0:
                    sys.stderr.write(run.stderr)
                    sys.exit(f"ptxas_report: error: {' '.join(cmd)} failed")
                asm = subprocess.run(
                    [args.ptxas, f"-arch={chip}", f"-O{args.ptxas_opt}", "-v",
                     ptx, "-o",
                     os.path.join(tmp, "k.cubin")],
                    capture_output=True, text=True)
                log = asm.stdout + asm.stderr
                if asm.returncode != 0 or "error" in log:
                    sys.stderr.write(log)
                    sys.exit(f"ptxas_report: error: ptxas -arch={chip} "
                             f"failed on {tag}")
                # One summary per kernel (entry) of the module: a kernel
                # of several launches (the chunk grid, docs/gpu.md) has
                # several; the row holds the largest of each figure.
                regs = [int(r) for r in
                        re.findall(r"Used (\d+) registers", log)]
                frames = [tuple(int(x) for x in f) for f in re.findall(
                    r"(\d+) bytes stack frame, (\d+) bytes spill "
                    r"stores, (\d+) bytes spill loads", log)]
                if not regs or not frames:
                    sys.stderr.write(log)
                    sys.exit(f"ptxas_report: error: no -v summary for {tag}")
                with open(ptx) as f:
                    text = f.read()
                lines = text.count("\n")
                entries = len(re.findall(r"^\.visible \.entry", text, re.M))
                # The launch description runs what the PTX defines: each
                # of its kernels an entry point, and no entry left out.
                launch = os.path.splitext(ptx)[0] + ".launch"
                if not os.path.exists(launch):
                    sys.exit(f"ptxas_report: error: {tag}: no launch "
                             f"description {launch} next to the PTX")
                with open(launch) as f:
                    launched = set(re.findall(r"^kernel (\S+)", f.read(),
                                              re.M))
                defined = set(re.findall(r"^\.visible \.entry (\w+)\(",
                                         text, re.M))
                if launched != defined:
                    sys.exit(f"ptxas_report: error: {tag}: the launch "
                             f"description runs {sorted(launched)}, the PTX "
                             f"defines the entry points {sorted(defined)}")
                frame = [max(f[i] for f in frames) for i in range(3)]
                rows.append((name, schedule or "(model)", chip, max(regs),
                             frame[0], frame[1], frame[2], lines, entries))
                print(f"  {tag}: {max(regs)} registers, {frame[0]} B "
                      f"stack, {frame[1]}/{frame[2]} B spill "
                      f"stores/loads (largest of {entries} kernel(s))",
                      flush=True)
    header = (f"ptxas -O{args.ptxas_opt}\n\n"
              "| spec | schedule | chip | registers | stack frame B | "
              "spill stores B | spill loads B | PTX lines | kernels |\n"
              "|---|---|---|---:|---:|---:|---:|---:|---:|\n")
    text = header + "".join("| " + " | ".join(str(c) for c in row) + " |\n"
                            for row in rows)
    tmp_out = args.out + ".tmp"
    with open(tmp_out, "w") as f:
        f.write(text)
    os.replace(tmp_out, args.out)
    print(f"ptxas_report: {len(rows)} kernels assembled, report in {args.out}")


if __name__ == "__main__":
    main()
