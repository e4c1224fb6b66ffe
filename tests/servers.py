"""Real servers on loopback for tests and benchmarks: Debian's Dovecot (IMAP)."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DOVECOT = Path("/usr/sbin/dovecot")
DOVECOT_CONF = """\
protocols = imap
{extra}listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
"""
USER, PASSWORD = "pengaduan@zi-portal.test", "rahasia-imap"


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def run_dovecot() -> Iterator[dict]:
    """Run Dovecot with one mailbox; as root the mail user is nobody (Dovecot refuses uid 0)."""
    if not DOVECOT.exists():
        raise RuntimeError("Dovecot is missing: run `make system-deps` (apt dovecot-imapd)")
    # Not pytest's tmp_path: its 0700 parent would lock the unprivileged mail user out.
    d = tempfile.mkdtemp(prefix="zi-dovecot-")
    os.chmod(d, 0o755)
    root = os.geteuid() == 0
    user = pwd.getpwnam("nobody") if root else pwd.getpwuid(os.geteuid())
    os.makedirs(f"{d}/mail")
    if root:
        os.chown(f"{d}/mail", user.pw_uid, user.pw_gid)
    extra = (
        ""
        if root
        else (
            f"default_internal_user = {user.pw_name}\ndefault_login_user = {user.pw_name}\n"
            f"default_internal_group = {grp.getgrgid(user.pw_gid).gr_name}\n"
        )
    )
    port = free_port()
    Path(d, "dovecot.conf").write_text(
        DOVECOT_CONF.format(d=d, port=port, uid=user.pw_uid, gid=user.pw_gid, extra=extra)
    )
    Path(d, "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    proc = subprocess.Popen([str(DOVECOT), "-F", "-c", f"{d}/dovecot.conf"])
    deadline = time.time() + 10
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError as exc:
                if time.time() > deadline or proc.poll() is not None:
                    log = (
                        Path(d, "dovecot.log").read_text()
                        if Path(d, "dovecot.log").exists()
                        else ""
                    )
                    raise RuntimeError(f"dovecot did not start: {log}") from exc
                time.sleep(0.05)
        yield {"host": "127.0.0.1", "port": port, "user": USER, "password": PASSWORD}
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(d, ignore_errors=True)
