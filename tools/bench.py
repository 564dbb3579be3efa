#!/usr/bin/env python3
"""Boots bench/bench.c on Debian's Linux kernel and on Charon in the same QEMU
configuration and compares them (docs/performance.md).

    tools/bench.py --build BUILD [--mode icount|tcg] [--runs N] [--quick] [FILTER...]

Needs BUILD/charon.elf, BUILD/user/init and BUILD/bench/bench (make bench
builds them). Writes to BUILD/bench/: the two initramfs images, the raw
serial logs, results-MODE.json and bench-MODE.png; prints one table.

--mode icount (the default) runs QEMU with -icount shift=0,sleep=off and a
virtual RTC: guest time is the instruction count, so a run is repeatable to
the nanosecond and one run per kernel is enough. --mode tcg is plain TCG
(real time, TLB and cache effects included, noisy): the kernels run
alternately --runs times (default 3) and each metric keeps the median of its
per-run medians. Environment: LINUX_KERNEL (default: the newest
/boot/vmlinuz-*), BENCH_MEM (default 2G), BENCH_TIMEOUT (seconds per boot,
default 1800).
"""

import argparse
import glob
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ICOUNT = "-icount shift=0,sleep=off -rtc base=2024-01-01T00:00:00,clock=vm"
LINUX_CMDLINE = "console=ttyS0 nokaslr norandmaps quiet"
LINE = re.compile(r"^BENCH (\S+) ([0-9.]+) ([0-9.]+) ([0-9.]+) (\d+)$")


def load_mkinitramfs():
    spec = importlib.util.spec_from_file_location("mkinitramfs", os.path.join(ROOT, "tools", "mkinitramfs.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_if_changed(path, data):
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except FileNotFoundError:
        pass
    with open(path, "wb") as f:
        f.write(data)


def make_images(build, out):
    """Charon's usual initramfs plus /bin/bench; for Linux the bench itself
    is /init (pid 1; it powers off at the end) with a /dev/console node,
    which Linux needs to give init its stdio."""
    bench = os.path.join(build, "bench", "bench")
    charon = os.path.join(out, "charon.cpio")
    subprocess.run(
        [os.path.join(ROOT, "tools", "mkinitramfs.py"), "--build", build, "-o", charon, "--add", f"/bin/bench={bench}"],
        check=True,
    )
    mk = load_mkinitramfs()
    archive = mk.Archive(0)
    archive.add_dir("dev")
    archive.add_char_device("dev/console", 5, 1)
    archive.add_dir("proc")
    archive.add_dir("tmp", 0o1777)
    archive.add_host_file("init", bench)
    linux = os.path.join(out, "linux.cpio")
    write_if_changed(linux, archive.serialize())
    return charon, linux


def boot(name, kernel, initrd, cmdline, mode, log_path, timeout):
    """One boot through tools/qemu.sh (the configuration make test uses):
    returns {metric: (median, min, max, operations)} and the run's seconds."""
    env = dict(os.environ)
    env["INITRD"] = initrd
    env["MEM"] = os.environ.get("BENCH_MEM", "2G")
    env["QEMU_EXTRA"] = ICOUNT if mode == "icount" else ""
    start = time.monotonic()
    deadline = start + timeout
    # Streamed: the log grows as the guest prints, and each metric is
    # shown as it completes (a full run takes minutes).
    proc = subprocess.Popen(
        [os.path.join(ROOT, "tools", "qemu.sh"), "test", kernel] + cmdline.split(),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    lines = []
    with open(log_path, "w") as log:
        for raw in proc.stdout:
            line = raw.decode(errors="replace").replace("\r", "").rstrip("\n")
            lines.append(line)
            log.write(line + "\n")
            log.flush()
            match = LINE.match(line.strip())
            if match:
                print(f"bench:     {name} {match[1]}: {format_ns(float(match[2]))}", flush=True)
    status = proc.wait()
    timer.cancel()
    if time.monotonic() >= deadline:
        status = f"killed after {timeout}s"
    seconds = time.monotonic() - start
    output = "\n".join(lines)
    results = {}
    ended = False
    for line in output.splitlines():
        match = LINE.match(line.strip())
        if match:
            results[match[1]] = tuple(float(match[i]) for i in (2, 3, 4)) + (int(match[5]),)
        elif line.startswith("BENCH-END"):
            ended = True
        elif line.startswith("BENCH-FAIL"):
            print(f"bench: {name}: {line}", file=sys.stderr)
    if not ended:
        tail = "\n".join("    | " + line for line in output.splitlines()[-15:])
        sys.exit(f"bench: {name} did not finish (QEMU status {status}); see {log_path}:\n{tail}")
    return results, seconds


def merge_runs(runs):
    """Per metric: the median of the runs' medians, the min of the mins and
    the max of the maxes."""
    merged = {}
    for metric in runs[0]:
        rows = [run[metric] for run in runs if metric in run]
        merged[metric] = (
            statistics.median(r[0] for r in rows),
            min(r[1] for r in rows),
            max(r[2] for r in rows),
            sum(r[3] for r in rows),
        )
    return merged


def format_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.0f} ns"


def table(order, linux, charon):
    rows = [("metric", "Linux", "Charon", "Charon/Linux")]
    for metric in order:
        lx, ch = linux[metric][0], charon[metric][0]
        ratio = f"{ch / lx:.2f}" if lx > 0 else "-"
        rows.append((metric, format_ns(lx), format_ns(ch), ratio))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, r in enumerate(rows):
        lines.append(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}")
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def scaling(results, prefix, suffix=""):
    """[(x, median)] of the metrics named PREFIX<x><suffix>, sorted by x."""
    points = []
    for metric, values in results.items():
        match = re.fullmatch(re.escape(prefix) + r"(\d+)" + re.escape(suffix), metric)
        if match:
            points.append((int(match[1]), values[0]))
    return sorted(points)


def chart(path, order, linux, charon, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(14, 10))
    fig.suptitle(title)

    ax = axes[0][0]
    metrics = [m for m in order if linux[m][0] > 0]
    ratios = [charon[m][0] / linux[m][0] for m in metrics]
    colors = ["tab:green" if r <= 1 else "tab:red" for r in ratios]
    ax.barh(range(len(metrics)), ratios, color=colors)
    ax.set_yticks(range(len(metrics)))
    ax.set_yticklabels(metrics, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_xlabel("Charon / Linux (log; < 1: Charon faster)")
    ax.set_title("time ratio per metric")

    def plot(ax, series, xlabel, title):
        for label, points, style in series:
            if points:
                ax.plot([p[0] for p in points], [p[1] / 1000 for p in points], style, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("microseconds per operation")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)

    plot(
        axes[0][1],
        [
            ("Linux: wait4(-1) reap", scaling(linux, "reap_live_"), "o-b"),
            ("Charon: wait4(-1) reap", scaling(charon, "reap_live_"), "o-r"),
            ("Linux: fork+exit+wait4(-1)", scaling(linux, "fork_live_"), "s--b"),
            ("Charon: fork+exit+wait4(-1)", scaling(charon, "fork_live_"), "s--r"),
        ],
        "live children of the reaping parent",
        "reap cost against live children",
    )
    fork_linux = scaling(linux, "fork_mapped_", "m")
    fork_charon = scaling(charon, "fork_mapped_", "m")
    if "fork_exit_wait_64m" in linux and "fork_exit_wait_64m" in charon:
        fork_linux = sorted(fork_linux + [(64, linux["fork_exit_wait_64m"][0])])
        fork_charon = sorted(fork_charon + [(64, charon["fork_exit_wait_64m"][0])])
    plot(
        axes[1][0],
        [("Linux", fork_linux, "o-b"), ("Charon", fork_charon, "o-r")],
        "MiB mapped and touched in the parent",
        "fork+exit+wait against mapped memory",
    )
    plot(
        axes[1][1],
        [
            ("Linux", scaling(linux, "exit_teardown_", "m"), "o-b"),
            ("Charon", scaling(charon, "exit_teardown_", "m"), "o-r"),
        ],
        "MiB mapped and touched in the dying child",
        "SIGKILL + reap (exit teardown) against mapped memory",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--mode", choices=("icount", "tcg"), default="icount")
    parser.add_argument("--runs", type=int, default=None, help="boots per kernel (default 1 for icount, 3 for tcg)")
    parser.add_argument("--quick", action="store_true", help="bench --quick: checks the plumbing, not a measurement")
    parser.add_argument("--no-chart", action="store_true")
    parser.add_argument("filters", nargs="*")
    args = parser.parse_args()

    build = os.path.abspath(args.build)
    out = os.path.join(build, "bench")
    os.makedirs(out, exist_ok=True)
    runs = args.runs or (1 if args.mode == "icount" else 3)
    timeout = int(os.environ.get("BENCH_TIMEOUT", "1800"))
    linux_kernel = os.environ.get("LINUX_KERNEL")
    if not linux_kernel:
        kernels = sorted(glob.glob("/boot/vmlinuz-*"))
        if not kernels:
            sys.exit("bench: no /boot/vmlinuz-* (tools/install-deps.sh bench installs linux-image-amd64)")
        linux_kernel = kernels[-1]
    if not os.access(linux_kernel, os.R_OK):
        sys.exit(f"bench: cannot read {linux_kernel} (Debian makes it readable by root only)")

    charon_cpio, linux_cpio = make_images(build, out)
    # Everything after --args is the bench's (Linux passes unknown boot
    # parameters such as nokaslr to init first).
    bench_args = " ".join(["--args"] + (["--quick"] if args.quick else []) + args.filters)
    charon_cmdline = f"-- /bin/bench {bench_args}"
    linux_cmdline = f"{LINUX_CMDLINE} -- {bench_args}"

    linux_runs, charon_runs = [], []
    for run in range(runs):
        # Alternating boots: in tcg mode whatever else loads the host
        # affects both kernels alike.
        suffix = f"-{args.mode}-{run + 1}"
        print(f"bench: run {run + 1}/{runs} ({args.mode}): Linux {os.path.basename(linux_kernel)} ...", flush=True)
        result, seconds = boot(
            "Linux",
            linux_kernel,
            linux_cpio,
            linux_cmdline,
            args.mode,
            os.path.join(out, f"linux{suffix}.log"),
            timeout,
        )
        linux_runs.append(result)
        print(f"bench:   {len(result)} metrics in {seconds:.0f} s; Charon ...", flush=True)
        result, seconds = boot(
            "Charon",
            os.path.join(build, "charon.elf"),
            charon_cpio,
            charon_cmdline,
            args.mode,
            os.path.join(out, f"charon{suffix}.log"),
            timeout,
        )
        charon_runs.append(result)
        print(f"bench:   {len(result)} metrics in {seconds:.0f} s", flush=True)

    linux = merge_runs(linux_runs)
    charon = merge_runs(charon_runs)
    missing = sorted(set(linux) ^ set(charon))
    if missing:
        sys.exit(f"bench: metrics reported by one kernel only: {' '.join(missing)}")
    order = list(linux)  # the program's order

    print()
    print(table(order, linux, charon))

    document = {
        "mode": args.mode,
        "qemu": f"tools/qemu.sh test: -machine q35 -accel tcg -cpu max -m {os.environ.get('BENCH_MEM', '2G')}"
        + (f" {ICOUNT}" if args.mode == "icount" else ""),
        "linux_kernel": os.path.basename(linux_kernel),
        "linux_cmdline": LINUX_CMDLINE,
        "runs": runs,
        "quick": args.quick,
        "unit": "ns per operation",
        "metrics": {
            metric: {
                "linux": dict(zip(("median", "min", "max", "operations"), linux[metric])),
                "charon": dict(zip(("median", "min", "max", "operations"), charon[metric])),
                "ratio": charon[metric][0] / linux[metric][0] if linux[metric][0] > 0 else None,
            }
            for metric in order
        },
    }
    json_path = os.path.join(out, f"results-{args.mode}.json")
    with open(json_path, "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")
    print(f"\nbench: wrote {json_path}")
    if not args.no_chart:
        png = os.path.join(out, f"bench-{args.mode}.png")
        title = f"Charon vs Linux {os.path.basename(linux_kernel)[8:]}, QEMU TCG 1 vCPU" + (
            ", -icount shift=0 (instructions, not time)" if args.mode == "icount" else f", real time, median of {runs} runs"
        )
        chart(png, order, linux, charon, title)
        print(f"bench: wrote {png}")


if __name__ == "__main__":
    main()
