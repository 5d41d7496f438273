"""The test Dovecot does not outlive a killed test run: its master dies with the process that started
it, and a leftover server of a dead run is stopped by the next start (see dovecot.py)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from aftersales.service.tests import dovecot

ROOT = Path(__file__).resolve().parents[3]


def gone(pid: int) -> bool:
    """Not running: no such process, or a zombie waiting for a reaper (PID 1 in a container may not
    reap promptly)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


def wait_until(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_dovecot_dies_when_the_test_process_is_killed():
    # given a Python process that started the test Dovecot and then waits, as a test run would
    script = textwrap.dedent(
        """
        import sys, time
        from aftersales.service.tests.dovecot import Dovecot
        server = Dovecot()
        server.start()
        print(server.process.pid, server.root, flush=True)
        time.sleep(600)
        """
    )
    runner = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        master_pid, root = runner.stdout.readline().split()
        master_pid = int(master_pid)
        assert not gone(master_pid)

        # when that process is killed outright, no teardown running
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()

        # then Dovecot's master ends with it (and its own children follow it)
        assert wait_until(lambda: gone(master_pid)), f"Dovecot {master_pid} outlived its test process"
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    # its directory, left behind, is swept by the next start
    assert Path(root) in dovecot.stop_stale_servers(Path(root).parent)
    assert not Path(root).exists()


def test_a_stale_server_of_a_dead_run_is_stopped_and_a_live_runs_is_left_alone(tmp_path):
    # given two server directories: one whose test process is gone but whose "master" still runs,
    # one whose test process is this one
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover_master = subprocess.Popen(["sleep", "60"])
    stale = tmp_path / f"{dovecot.DIRECTORY_PREFIX}stale"
    (stale / "run").mkdir(parents=True)
    (stale / "owner.pid").write_text(str(dead.pid))
    (stale / "run" / "master.pid").write_text(f"{leftover_master.pid}\n")
    live = tmp_path / f"{dovecot.DIRECTORY_PREFIX}live"
    live.mkdir()
    (live / "owner.pid").write_text(str(os.getpid()))
    try:
        # when a new server starts its sweep
        removed = dovecot.stop_stale_servers(tmp_path)

        # then only the dead run's server is stopped and removed
        assert removed == [stale]
        assert leftover_master.wait(timeout=10) == -signal.SIGTERM
        assert not stale.exists()
        assert live.exists()
    finally:
        if leftover_master.poll() is None:
            leftover_master.kill()
            leftover_master.wait()
