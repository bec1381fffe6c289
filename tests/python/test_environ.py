"""The environment a sandbox starts from: os.environ, copied once at spawn()
in the caller's thread, so that changes racing the spawn (from other
threads) never reach it half-made, and libward never reads the C environ
that os.environ[...] = ... reallocates meanwhile."""
import os
import threading

import libward_sandbox as ward


def child_env(r):
    return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)


def test_the_snapshot_is_os_environ_not_the_c_environ(monkeypatch):
    # os.unsetenv changes the C environ only: a child built from the C
    # environ would lack the variable, one built from the snapshot has it.
    monkeypatch.setenv("WARD_T_SNAPSHOT", "from-os.environ")
    os.unsetenv("WARD_T_SNAPSHOT")
    r = ward.run(["/usr/bin/env"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert child_env(r).get("WARD_T_SNAPSHOT") == "from-os.environ"


def test_the_snapshot_still_drops_secrets_and_keeps_path(monkeypatch):
    monkeypatch.setenv("WARD_T_API_TOKEN", "hunter2")
    monkeypatch.setenv("WARD_T_PLAIN", "kept")
    r = ward.run(["/usr/bin/env"], capture_output=True, text=True)
    env = child_env(r)
    assert "WARD_T_API_TOKEN" not in env and "hunter2" not in r.stdout
    assert env.get("WARD_T_PLAIN") == "kept" and env.get("PATH")


def test_environ_changes_racing_spawns_give_each_a_consistent_snapshot(monkeypatch):
    # A mutator sets A then B to the same counter, and grows and shrinks
    # the environment (setenv reallocating the C array) without pause. A
    # snapshot taken at one instant has B == A or B == A - 1; a torn or
    # twice-read environment would show anything.
    monkeypatch.setenv("WARD_T_A", "0")
    monkeypatch.setenv("WARD_T_B", "0")
    stop = threading.Event()
    rounds = [0]

    def mutate():
        i = 0
        while not stop.is_set():
            i += 1
            os.environ["WARD_T_A"] = str(i)
            os.environ["WARD_T_B"] = str(i)
            for k in range(8):
                os.environ[f"WARD_T_FILL_{i % 4}_{k}"] = "x" * (i % 97)
            for k in range(8):
                os.environ.pop(f"WARD_T_FILL_{(i + 2) % 4}_{k}", None)
        rounds[0] = i

    results, errors = [], []

    def spawn(n):
        try:
            for _ in range(n):
                results.append(ward.run(["/usr/bin/env"], capture_output=True, text=True))
        except BaseException as e:  # reported below, not lost in a thread
            errors.append(e)
    mutator = threading.Thread(target=mutate)
    mutator.start()
    spawners = [threading.Thread(target=spawn, args=(3,)) for _ in range(6)]
    try:
        for t in spawners:
            t.start()
        for t in spawners:
            t.join(300)
            assert not t.is_alive(), "a spawn did not finish within 300 s"
    finally:
        stop.set()
        mutator.join(20)
        for key in [k for k in os.environ if k.startswith("WARD_T_FILL_")]:
            del os.environ[key]
    assert not errors, errors
    assert len(results) == 18 and rounds[0] > 0
    for r in results:
        assert r.returncode == 0, r.stderr
        env = child_env(r)
        a, b = int(env["WARD_T_A"]), int(env["WARD_T_B"])
        assert b in (a, a - 1), (a, b)
        assert env.get("PATH"), "no PATH in a racing spawn's environment"
