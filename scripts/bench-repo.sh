#!/usr/bin/env bash
# Translation cache benchmark (issue 6): a generated tree of FILES PHP files (each a class
# of a few hundred lines) all included by one front page. For each run, `rhvm serve` is
# started and timed from spawn to the end of the first response, first with a cold cache
# (repo file deleted), then restarted on the warm cache; /repo-stats gives the number of
# compilations (must be 0 on the warm start). The answer is checked against `php -n`.
# The server's CPU time (user+sys) up to the first response is the number to compare on
# a loaded machine; wall times include waiting for the CPU.
#
# Usage: scripts/bench-repo.sh [FILES] [RUNS]      (default FILES=500, RUNS=3; NO_BUILD=1
# uses target/release/rhvm as it is)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FILES="${1:-500}"
RUNS="${2:-3}"
[[ -n "${NO_BUILD:-}" ]] || cargo build --release --quiet
exec python3 - "$FILES" "$RUNS" "$PWD/target/release/rhvm" <<'PY'
import json, os, shutil, signal, socket, statistics, struct, subprocess, sys, tempfile, time
files, runs, rhvm = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
work = tempfile.mkdtemp(prefix="rhvm-bench-repo-")
site = os.path.join(work, "site")
os.makedirs(os.path.join(site, "lib"))
lines = 0
for i in range(files):
    src = ["<?php", f"// generated file {i}", f"class C{i} {{", f"    private array $data = [];", f"    public int $n = {i};"]
    for m in range(24):
        src += [
            f"    public function m{m}(int $x): int {{",
            f"        $acc = $x + {m};",
            f"        for ($k = 0; $k < 3; $k++) {{",
            f"            $acc = ($acc * 31 + $k + $this->n) % 1000003;",
            f"        }}",
            f"        $this->data['m{m}'] = $acc;",
            f"        $label = sprintf('%s-%d', 'C{i}::m{m}', $acc);",
            f"        return strlen($label) > 0 ? $acc : 0;",
            f"    }}",
            "",
        ]
    src += ["}", f"function f{i}(int $x): int {{ return (new C{i}())->m{i % 24}($x); }}", ""]
    lines += len(src)
    with open(os.path.join(site, "lib", f"f{i:03}.php"), "w") as f:
        f.write("\n".join(src))
front = ["<?php"] + [f"require __DIR__ . '/lib/f{i:03}.php';" for i in range(files)]
front += ["$s = 0;", f"for ($i = 0; $i < {files}; $i++) {{ $s = ($s + ('f' . $i)($i)) % 1000003; }}", "echo $s, \"\\n\";", ""]
with open(os.path.join(site, "index.php"), "w") as f:
    f.write("\n".join(front))
want = subprocess.run(["php", "-n", os.path.join(site, "index.php")], capture_output=True).stdout
repo = os.path.join(work, "repo.sqlite")

def rec(ty, content):
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", 1, ty, 1, len(content), pad, 0) + content + b"\0" * pad

def pair(k, v):
    enc = lambda n: bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return enc(len(k)) + enc(len(v)) + k + v

def fcgi_get(port, script):
    params = {b"REQUEST_METHOD": b"GET", b"SCRIPT_FILENAME": script.encode(), b"SCRIPT_NAME": b"/index.php",
              b"REQUEST_URI": b"/index.php", b"QUERY_STRING": b"", b"DOCUMENT_ROOT": site.encode(),
              b"SERVER_PROTOCOL": b"HTTP/1.1", b"REMOTE_ADDR": b"127.0.0.1"}
    body = b"".join(pair(k, v) for k, v in params.items())
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(rec(1, bytes([0, 1, 0, 0, 0, 0, 0, 0])) + rec(4, body) + rec(4, b"") + rec(5, b""))
    buf, out = b"", b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 8:
            _, ty, _, ln, pad, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + ln + pad:
                break
            if ty == 6:
                out += buf[8:8 + ln]
            buf = buf[8 + ln + pad:]
            if ty == 3:
                s.close()
                return out.split(b"\r\n\r\n", 1)[-1]
    return out

def admin(port, path):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return json.loads(data.split(b"\r\n\r\n", 1)[1])

def run(cold):
    if cold:
        for ext in ("", "-wal", "-shm"):
            if os.path.exists(repo + ext):
                os.remove(repo + ext)
    t0 = time.monotonic()
    p = subprocess.Popen([rhvm, "serve", "-d", "hhvm.server.port=0", "-d", "hhvm.admin_server.port=0",
                          "-d", "hhvm.server.thread_count=2", "-d", f"hhvm.repo.central.path={repo}",
                          "-d", "hhvm.log.level=warning"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ports = {}
    while len(ports) < 2:
        line = p.stderr.readline().decode()
        if not line:
            sys.exit("server died before listening")
        for kind in ("fastcgi", "admin"):
            prefix = f"rhvm: listening on {kind} 127.0.0.1:"
            if line.startswith(prefix):
                ports[kind] = int(line[len(prefix):].split()[0])
    t1 = time.monotonic()
    got = fcgi_get(ports["fastcgi"], os.path.join(site, "index.php"))
    t2 = time.monotonic()
    with open(f"/proc/{p.pid}/stat") as f:  # utime + stime, in clock ticks
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if got != want:
        sys.exit(f"wrong answer {got!r}, php says {want!r}")
    stats = admin(ports["admin"], "/repo-stats")
    while stats["stored"] + stats["write_errors"] < stats["queued"]:  # let the writer commit
        time.sleep(0.05)
        stats = admin(ports["admin"], "/repo-stats")
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=30)
    return t2 - t0, t2 - t1, stats, cpu

print(f"tree: {files} files + front page, {lines} lines, {sum(os.path.getsize(os.path.join(site, 'lib', f)) for f in os.listdir(os.path.join(site, 'lib')))} bytes")
results = {True: [], False: []}
for _ in range(runs):
    for cold in (True, False):
        results[cold].append(run(cold))
print("| start | spawn to first response (ms, median) | first request alone (ms, median) | server CPU to first response (ms, median) | compilations | units loaded from cache |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for cold in (True, False):
    r = results[cold]
    total = statistics.median(x[0] for x in r) * 1000
    req = statistics.median(x[1] for x in r) * 1000
    cpu = statistics.median(x[3] for x in r) * 1000
    compiled = sorted({x[2]["compiled"] for x in r})
    loaded = sorted({x[2]["loaded"] for x in r})
    print(f"| {'cold cache' if cold else 'warm cache'} | {total:.0f} | {req:.0f} | {cpu:.0f} | {','.join(map(str, compiled))} | {','.join(map(str, loaded))} |")
shutil.rmtree(work)
PY
