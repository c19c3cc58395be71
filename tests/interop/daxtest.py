"""Helpers for interop tests: a daxsmbd (or Samba smbd) on a free loopback
port in a private temporary directory, and the clients that talk to it."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout=15.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class DaxServer:
    """daxsmbd with a user share, a guest share and a read-only share."""

    def __init__(self, build, users=(("alice", "Secret-1"), ("bob", "Secret-2")), extra_global="",
                 extra_shares=""):
        self.build = build
        self.tmp = tempfile.mkdtemp(prefix="daxsmb-it-")
        self.port = free_port()
        self.users = dict(users)
        self.dirs = {}
        # Run as root, daxsmbd touches files as each user's Unix account:
        # the users need accounts, and the shares must let them in.
        if os.geteuid() == 0:
            for u, _ in users:
                if run(["id", u]).returncode != 0:
                    run(["useradd", "-M", u], check=True)
            os.chmod(self.tmp, 0o755)
        for name in ("share", "guest", "ro", "secret", "pmem"):
            d = os.path.join(self.tmp, name)
            os.makedirs(d)
            os.chmod(d, 0o777)
            self.dirs[name] = d
        with open(os.path.join(self.dirs["ro"], "readme.txt"), "w") as f:
            f.write("read only\n")
        self.passdb = os.path.join(self.tmp, "passdb")
        for u, pw in users:
            run([self.daxsmb, "user", "add", u, "--passdb", self.passdb], input=pw + "\n", check=True)
        self.conf = os.path.join(self.tmp, "daxsmbd.conf")
        with open(self.conf, "w") as f:
            f.write(f"""[global]
  smb ports = {self.port}
  interfaces = 127.0.0.1
  passdb file = {self.passdb}
  state directory = {self.tmp}/state
  log level = 1
{extra_global}
[share]
  path = {self.dirs['share']}
  read only = no
  comment = user share
[guest]
  path = {self.dirs['guest']}
  read only = no
  guest ok = yes
[ro]
  path = {self.dirs['ro']}
  read only = yes
[secret]
  path = {self.dirs['secret']}
  read only = no
  smb encrypt = required
[pmem]
  path = {self.dirs['pmem']}
  read only = no
  dax mode = pmem
{extra_shares}
""")
        self.log = os.path.join(self.tmp, "daxsmbd.log")
        self.proc = None

    @property
    def daxsmbd(self):
        return os.path.join(self.build, "src", "server", "daxsmbd")

    @property
    def daxsmb(self):
        return os.path.join(self.build, "src", "client", "daxsmb")

    def start(self):
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([self.daxsmbd, "--config", self.conf], stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        if not wait_port(self.port, self.proc):
            raise RuntimeError("daxsmbd did not start:\n" + self.tail())
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n=40):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        """Stops the server; returns problems seen (crash, sanitizer report)."""
        problems = []
        if self.proc is not None:
            if self.proc.poll() is not None:
                problems.append(f"daxsmbd died with status {self.proc.returncode}")
            else:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                    problems.append("daxsmbd did not stop on SIGTERM")
                if self.proc.returncode not in (0, -signal.SIGTERM):
                    problems.append(f"daxsmbd exited with status {self.proc.returncode}")
            self.logf.close()
            with open(self.log, errors="replace") as f:
                text = f.read()
            for m in SANITIZER_MARKS:
                if m in text:
                    idx = text.index(m)
                    problems.append("sanitizer report:\n" + text[max(0, idx - 200):idx + 3000])
                    break
        return problems

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def run(cmd, input=None, timeout=120, check=False, env=None, cwd=None):
    p = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                       env=env, cwd=cwd, errors="replace")
    if check and p.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


_smbconf = None


def client_conf():
    """An empty smb.conf so that smbclient/smbtorture ignore /etc/samba."""
    global _smbconf
    if _smbconf is None:
        fd, _smbconf = tempfile.mkstemp(prefix="daxsmb-client-", suffix=".conf")
        os.write(fd, b"[global]\n  client min protocol = SMB2_02\n")
        os.close(fd)
    return _smbconf


def smbclient(port, share, user=None, pw=None, cmds=None, proto=None, extra=(), cwd=None,
              timeout=120):
    cmd = ["smbclient", "-s", client_conf(), f"//127.0.0.1/{share}", "-p", str(port)]
    if user is None:
        cmd.append("-N")
    else:
        cmd += ["-U", f"{user}%{pw}"]
    if proto:
        cmd += ["-m", proto]
    cmd += list(extra)
    if cmds is not None:
        cmd += ["-c", cmds]
    return run(cmd, timeout=timeout, cwd=cwd)


class SambaServer:
    """Samba's smbd as a private peer on a loopback port (../shared/PEERS.md),
    serving `share` (and guest access) with the same users."""

    def __init__(self, users=(("alice", "Secret-1"), ("bob", "Secret-2")), share_dir=None):
        self.tmp = tempfile.mkdtemp(prefix="daxsmb-samba-")
        self.port = free_port()
        self.users = dict(users)
        for d in ("private", "lock", "state", "cache", "run", "log", "share"):
            os.makedirs(os.path.join(self.tmp, d))
        self.share_dir = share_dir or os.path.join(self.tmp, "share")
        os.chmod(self.share_dir, 0o777)
        self.conf = os.path.join(self.tmp, "smb.conf")
        t = self.tmp
        with open(self.conf, "w") as f:
            f.write(f"""[global]
  server role = standalone server
  smb ports = {self.port}
  interfaces = lo
  bind interfaces only = yes
  private dir = {t}/private
  lock directory = {t}/lock
  state directory = {t}/state
  cache directory = {t}/cache
  pid directory = {t}/run
  ncalrpc dir = {t}/run/ncalrpc
  log file = {t}/log/%m.log
  passdb backend = tdbsam:{t}/private/passdb.tdb
  map to guest = Bad User
  load printers = no
  disable spoolss = yes
[share]
  path = {self.share_dir}
  read only = no
  guest ok = yes
  force user = root
  vfs objects = acl_xattr streams_xattr
  store dos attributes = yes
  kernel oplocks = no
  kernel share modes = no
  posix locking = no
""")
        for u, pw in users:
            if run(["id", u]).returncode != 0:
                run(["useradd", "-M", u], check=True)
            run(["smbpasswd", "-c", self.conf, "-s", "-a", u], input=f"{pw}\n{pw}\n", check=True)
        self.proc = None

    def start(self):
        self.logf = open(os.path.join(self.tmp, "smbd.out"), "w")
        # Its own session: smbd signals its whole process group on exit.
        self.proc = subprocess.Popen(["smbd", "-s", self.conf, "-F", "--no-process-group"],
                                     stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if not wait_port(self.port, self.proc, 30):
            raise RuntimeError("smbd did not start")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
