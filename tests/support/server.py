"""Start a Streamlit server for a benchmark and read what it costs: start-up time, memory (RSS), CPU time; and the
servers around it in a deployment: nginx in front of replicas, Redis holding their classes."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .protocol import health

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    started: float  # seconds from process start to /_stcore/health answering

    def rss_mb(self) -> float:
        """Resident memory of the server process, in MB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@contextlib.contextmanager
def streamlit(app: Path = APP, *options: str, port: int | None = None, env: dict[str, str] | None = None):
    """`streamlit run app` on localhost with the repository's own config, plus `options`, in the environment `env`
    (default: this process's); stopped on exit."""
    port = port or free_port()
    log = open(f"/tmp/bench-streamlit-{port}.log", "w")  # noqa: SIM115 (closed below)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none", *options],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while not health(url, timeout=0.5):
            if process.poll() is not None or time.perf_counter() - start > 60:
                raise RuntimeError(f"streamlit did not start; see {log.name}")
            time.sleep(0.02)
        yield Server(process, url, time.perf_counter() - start)
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen) -> None:
    """Ask a server to stop, and make sure it has."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


NGINX_CONF = ROOT / "deploy" / "nginx.conf"


@contextlib.contextmanager
def nginx(upstreams: list[str], port: int | None = None):
    """nginx on localhost in front of `upstreams` ("127.0.0.1:PORT"), configured by deploy/nginx.conf with
    only its replica list and its port replaced; yields its base URL and stops it afterwards."""
    import re
    import tempfile

    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    port = port or free_port()
    site = NGINX_CONF.read_text()
    servers = "".join(f"    server {address} max_fails=1 fail_timeout=10s;\n" for address in upstreams)
    site, replaced = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+[^\n]*\n(    server [^\n]*\n)*", servers, site)
    assert replaced == 1, "deploy/nginx.conf: expected one block of 'server 127.0.0.1:PORT' lines"
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    with tempfile.TemporaryDirectory(prefix="explainer-nginx-") as folder:
        Path(folder, "explainer.conf").write_text(site)
        temp = "".join(f"    {kind}_temp_path {folder}/{kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        Path(folder, "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n    access_log off;\n{temp}    include {folder}/explainer.conf;\n}}\n")
        process = subprocess.Popen([binary, "-p", folder, "-c", f"{folder}/nginx.conf"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            start = time.perf_counter()
            while not health(url, timeout=0.5):
                if process.poll() is not None or time.perf_counter() - start > 20:
                    log = Path(folder, "error.log")
                    raise RuntimeError("nginx did not start: " + (log.read_text() if log.exists() else ""))
                time.sleep(0.05)
            yield url
        finally:
            stop(process)


@contextlib.contextmanager
def redis_server():
    """Debian's redis-server on a free localhost port, writing no files; yields its URL and stops it afterwards."""
    import redis

    port = free_port()
    process = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        start = time.perf_counter()
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.perf_counter() - start > 5:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        stop(process)
