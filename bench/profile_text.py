"""Profile genproxy under the text load (c=64) with py-spy: bench/profile_text.py [seconds] [out.txt]

Needs py-spy (bench/.venv-tools/bin/py-spy: python3 -m venv bench/.venv-tools && bench/.venv-tools/bin/pip install py-spy).
Prints py-spy's top functions (by own and total time) while the load generator runs.
"""
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench

GIL = ["--gil"] if "--gil" in sys.argv else []
sys.argv = [a for a in sys.argv if a != "--gil"]
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5
out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.gettempdir()) / "genproxy-profile.txt"
pyspy = bench.BENCH / ".venv-tools" / "bin" / "py-spy"
logdir = Path(tempfile.mkdtemp(prefix="genproxy-profile-"))
try:
    emu = bench.emulator(logdir, "emulator", delay=1.0)
    proxy = bench.genproxy(logdir, "genproxy", emu.base)
    url, body, headers, _ = bench.text_targets({"genproxy": proxy})["genproxy"]
    spec = {"mode": "text", "url": url, "body": body, "headers": headers, "concurrency": 64,
            "requests": 10**6, "seconds": seconds + 1, "warmup": 200}
    loader = threading.Thread(target=lambda: print(bench.load(spec)))
    loader.start()
    subprocess.run([str(pyspy), "record", "-p", str(proxy.proc.pid), "-d", str(int(seconds)), "-r", "1000",
                    *GIL, "-f", "raw", "-o", str(out)], check=True, capture_output=True)
    loader.join()
finally:
    bench.stop_all()
# raw = collapsed stacks "a;b;c N": sum own and inclusive time per frame
own, incl, total = {}, {}, 0
for line in out.read_text().splitlines():
    stack, _, n = line.rpartition(" ")
    n = int(n)
    total += n
    frames = stack.split(";")
    own[frames[-1]] = own.get(frames[-1], 0) + n
    for f in set(frames):
        incl[f] = incl.get(f, 0) + n
print(f"{total} samples")
print("-- own time --")
for f, n in sorted(own.items(), key=lambda x: -x[1])[:25]:
    print(f"{100 * n / total:5.1f}%  {f}")
print("-- inclusive --")
for f, n in sorted(incl.items(), key=lambda x: -x[1])[:45]:
    print(f"{100 * n / total:5.1f}%  {f}")
