"""Real parts for sync tests: a mosquitto broker, a TCP proxy the test can cut, a throwaway
PostgreSQL cluster, and live box/hub processes."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


class Mosquitto:
    """A real broker on a random loopback port; restart() keeps the port and persisted state."""

    def __init__(self, folder: Path, extra: list[str] | tuple = ()):
        self.folder = folder
        self.conf = folder / "mosquitto.conf"
        self.proc = None
        self.extra = list(extra)  # e.g. password_file / acl_file lines
        self._configure(free_port())

    def _configure(self, port: int) -> None:
        self.port = port
        lines = [f"listener {port} 127.0.0.1", "persistence true",
                 f"persistence_location {self.folder}/", "max_queued_messages 100000", "log_dest stderr",
                 "log_type error", "log_type warning", *self.extra]
        if not any(line.startswith("password_file") for line in self.extra):
            lines.insert(1, "allow_anonymous true")
        if os.geteuid() == 0:
            lines.append("user root")  # otherwise it drops to a user who cannot write the tmp folder
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self, first: bool = True) -> None:
        for attempt in range(3):
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                         stderr=open(self.folder / "mosquitto.log", "ab"))
            try:
                wait_port(self.port, 15)
                return
            except TimeoutError:
                self.stop()
                if not first or attempt == 2:
                    raise RuntimeError("mosquitto did not start: "
                                       + (self.folder / "mosquitto.log").read_text(errors="replace")[-2000:])
                self._configure(free_port())  # the port was taken meanwhile: pick another

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self, down_s: float = 0.5) -> None:
        self.stop()
        time.sleep(down_s)
        self.start(first=False)  # same port: the clients reconnect to where they were


class TcpProxy:
    """Forwards a local port to the broker; cut() drops every connection and refuses new ones."""

    def __init__(self, target_port: int):
        self.target = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(50)
        self.port = self.listener.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self.history: list[str] = []
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a, b) -> None:
        try:
            while True:
                data = a.recv(65536)
                if not data or not self.up.is_set():
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.up.clear()
        self.history.append("cut")
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def restore(self) -> None:
        self.history.append("restore")
        self.up.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self.listener.close()


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("PostgreSQL is missing: run `make setup` (installs the postgresql package)")
    return Path(found[-1]).parent


class Postgres:
    """A throwaway cluster in a temp folder on a random port (unix socket in the folder too).

    PostgreSQL refuses to run as root; as root the cluster belongs to ``nobody``.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        self.bin = pg_bin()

    def _run(self, *args, **kw):
        return subprocess.run(self.as_user + [str(self.bin / args[0]), *args[1:]], check=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/", **kw)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            nobody = pwd.getpwnam("nobody")
            os.chmod(self.folder, 0o755)
            for p in [self.folder, *self.folder.parents][:-1]:
                # nobody must be able to reach the folder through the pytest tmp tree
                if p.stat().st_mode & 0o005 != 0o005 and str(p).startswith("/tmp/"):
                    os.chmod(p, p.stat().st_mode | 0o005)
            os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "linli", "--no-sync", "-E", "UTF8")
        for attempt in range(3):
            try:
                self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.folder / "pg.log"), "-o",
                          f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
                return
            except subprocess.CalledProcessError as exc:
                # Another process may have taken the free port between the check and the start.
                log = (self.folder / "pg.log").read_text(errors="replace")[-2000:]
                if attempt == 2:
                    raise RuntimeError(f"PostgreSQL did not start: {exc.stderr!r}\n{log}") from exc
                self.port = free_port()

    def create_db(self, name: str) -> str:
        try:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "linli", name)
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"createdb failed: {exc.stderr!r}") from exc
        return f"postgresql://linli@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass


def linli_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "appliance", *args]


def spawn(args: list[str], home: Path, log: Path, **kw) -> subprocess.Popen:
    env = dict(os.environ, LINLI_HOME=str(home), PYTHONUNBUFFERED="1", LINLI_LANG="en")
    return subprocess.Popen(args, env=env, cwd=str(REPO), stdout=open(log, "ab"), stderr=subprocess.STDOUT, **kw)
