"""The video time row alone, with where the CPU goes: bench/video_time.py [rounds] [videos]

Starts the emulator (20 MB videos, 1 s operations) and genproxy, then alternates: N concurrent video chat
completions through genproxy (numbered prompts: N jobs, N downloads; the client only reads the answer) and
N concurrent raw downloads of the same file from the same emulator. Prints per round the time through
genproxy minus the 1 s operation, when the last answer's first byte came, genproxy's user and system CPU,
the emulator's and the load generator's CPU (the same 2 cores serve all three), the raw time, and the ratio;
then the medians. For A/B runs of two checkouts: copy this file and
bench.py/load.py into the other checkout's bench/ and run it there with the same interpreter.
"""
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench


def user_sys(server: bench.Server) -> tuple[float, float]:
    user = system = 0
    for pid in server.pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            user, system = user + int(fields[11]), system + int(fields[12])
        except OSError:
            pass
    return user / bench.CLK_TCK, system / bench.CLK_TCK


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    logdir = Path(tempfile.mkdtemp(prefix="genproxy-video-time-"))
    ratios, throughs, raws = [], [], []
    try:
        emu = bench.emulator(logdir, "emulator", delay=bench.VIDEO_OPERATION_S, pad=20_000_000)
        proxy = bench.genproxy(logdir, "genproxy", emu.base, poll_initial_delay=0.05, poll_max_delay=0.1,
                               max_jobs_per_key=max(16, n))
        _, _, uri = asyncio.run(bench._source_sha(emu.base, bench.VEO_BODY))
        for i in range(rounds):
            u0, s0 = user_sys(proxy)
            e0 = sum(user_sys(emu))
            timed = bench.load({"mode": "video", "url": f"{proxy.base}/v1/chat/completions",
                                "body": bench.VIDEO_REQUEST, "concurrency": n, "timeout": 300, "verify": False,
                                "headers": {"Authorization": f"Bearer {bench.CLIENT_KEY}"}})
            u1, s1 = user_sys(proxy)
            e1 = sum(user_sys(emu))
            raw = bench.load({"mode": "download", "url": uri, "headers": {"x-goog-api-key": bench.UPSTREAM_KEY},
                              "concurrency": n, "timeout": 300})
            e2 = sum(user_sys(emu))
            through = timed["elapsed"] - bench.VIDEO_OPERATION_S
            first = max(r.get("first_byte_s") or 0 for r in timed["results"]) - bench.VIDEO_OPERATION_S
            throughs.append(through)
            raws.append(raw["elapsed"])
            ratios.append(through / raw["elapsed"])
            print(f"round {i + 1}: through {through:.2f} s (last first byte {first:.2f} s; genproxy CPU user "
                  f"{u1 - u0:.2f} s, system {s1 - s0:.2f} s; emulator {e1 - e0:.2f} s, client "
                  f"{timed['cpu_s']:.2f} s), raw {raw['elapsed']:.2f} s (emulator {e2 - e1:.2f} s, client "
                  f"{raw['cpu_s']:.2f} s), {ratios[-1]:.1f}x", flush=True)
    finally:
        bench.stop_all()
    print(f"medians: through {statistics.median(throughs):.2f} s, raw {statistics.median(raws):.2f} s, "
          f"ratio {statistics.median(throughs) / statistics.median(raws):.1f}x (rounds: "
          f"{', '.join(f'{r:.1f}' for r in ratios)})")


if __name__ == "__main__":
    main()
