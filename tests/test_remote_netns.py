"""Several hosts (network namespaces made here, joined by veth pairs on a
bridge) send to one aggregator; one host's link is cut and restored while
it keeps producing records: with ``mode = forward`` nothing is lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from test_remote_support import make_records, wait_until, write_conf

LISTENER_SCRIPT = textwrap.dedent("""
    import signal, sys
    from audix.daemon.remote.listener import Listener, ListenerSettings
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    out = open(sys.argv[1], "a", encoding="latin-1")
    def write(line):
        out.write(line + "\\n")
        out.flush()
    lst = Listener(ListenerSettings(port=int(sys.argv[2]), max_per_addr=4,
                                    bind_address="0.0.0.0"),
                   write=write, log=lambda p, m: print(m, file=sys.stderr, flush=True))
    lst.start()
    print("ready", flush=True)
    signal.sigwait([signal.SIGTERM])
    lst.stop()
""")

PORT = 6060


def sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=20)


@pytest.fixture
def network(tmp_path):
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and ip(8)")
    tag = f"{os.getpid() % 100000}"
    srv, hosts = f"axsrv{tag}", [f"axh{tag}a", f"axh{tag}b"]
    made = []
    try:
        for ns in [srv, *hosts]:
            sh("ip", "netns", "add", ns)
            made.append(ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", srv, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", srv, "addr", "add", "10.251.0.1/24", "dev", "br0")
        sh("ip", "-n", srv, "link", "set", "br0", "up")
        for i, ns in enumerate(hosts):
            outside, inside = f"axp{tag}{i}", "eth0"
            sh("ip", "link", "add", outside, "netns", srv, "type", "veth",
               "peer", "name", inside, "netns", ns)
            sh("ip", "-n", srv, "link", "set", outside, "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", f"10.251.0.{10 + i}/24", "dev", inside)
            sh("ip", "-n", ns, "link", "set", inside, "up")
        yield srv, hosts
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


def start_client(ns: str, conf: str) -> subprocess.Popen:
    return subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-m",
                             "audix.daemon.cli.audisp_remote", "--config", conf, "--log-stderr"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE)


def feed(proc: subprocess.Popen, lines: list[str]) -> None:
    proc.stdin.write("".join(x + "\n" for x in lines).encode())
    proc.stdin.flush()


def test_link_cut_and_restored_loses_nothing(network, tmp_path):
    srv, hosts = network
    out = tmp_path / "aggregated.log"
    script = tmp_path / "listener.py"
    script.write_text(LISTENER_SCRIPT)
    server = subprocess.Popen(["ip", "netns", "exec", srv, sys.executable, str(script), str(out),
                               str(PORT)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    clients = []
    try:
        assert server.stdout.readline().strip() == b"ready"
        for i, ns in enumerate(hosts):
            conf = write_conf(tmp_path / f"{ns}.conf", f"""remote_server = 10.251.0.1
port = {PORT}
mode = forward
queue_file = {tmp_path}/{ns}.queue
network_retry_time = 1
max_tries_per_record = 2
max_time_per_record = 2
network_failure_action = syslog
""")
            clients.append(start_client(ns, conf))
        recs = {ns: [f"node={ns} {x}" for x in make_records(60, tag=ns)] for ns in hosts}

        def received():
            return out.read_text("latin-1").split("\n") if out.exists() else []

        for ns, proc in zip(hosts, clients):
            feed(proc, recs[ns][:20])
        assert wait_until(lambda: len(set(received())) >= 40, timeout=20)

        cut = hosts[0]
        sh("ip", "-n", cut, "link", "set", "eth0", "down")
        for ns, proc in zip(hosts, clients):
            feed(proc, recs[ns][20:40])
        # the other host keeps delivering while the link is down
        assert wait_until(lambda: set(recs[hosts[1]][:40]) <= set(received()), timeout=20)
        time.sleep(3)
        assert not set(recs[cut][20:40]) <= set(received())
        sh("ip", "-n", cut, "link", "set", "eth0", "up")
        for ns, proc in zip(hosts, clients):
            feed(proc, recs[ns][40:])
            proc.stdin.close()
        for proc in clients:
            assert proc.wait(60) == 0, proc.stderr.read().decode()
        got = received()
        for ns in hosts:
            mine = [x for x in got if x.startswith(f"node={ns} ")]
            assert set(mine) == set(recs[ns])          # nothing lost (a resend may repeat)
            firsts = [mine.index(x) for x in recs[ns]]
            assert firsts == sorted(firsts)            # and in order
    finally:
        for proc in clients:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()
        server.stderr.close()
