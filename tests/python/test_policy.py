"""Policy: keywords mirroring the YAML schema, load/from_yaml, errors, plan."""
import os

import pytest

import libward_sandbox as ward
from conftest import PY


def test_keywords_mirror_the_yaml_schema_and_run():
    policy = ward.Policy(
        extends="default", mode="enforce",
        fs={"read": ["/usr"], "deny": ["/etc/shadow"], "private_tmp": True},
        net={"allow": ["tcp://127.0.0.1:9"], "deny": ["tcp://127.0.0.1:22"]},
        exec={"deny": [{"argv": ["git", "push", "--force*"]}]},
        limits={"memory": "256M", "pids": 64, "timeout": "30s", "nofile": 256},
        process={"clean_env": True, "env": {"LANG": "C.UTF-8"}, "unset_env": ["X"]},
        # Without root no cgroup holds memory per sandbox (per process then).
        allow_degraded=[] if os.geteuid() == 0 else ["limits"],
    )
    r = ward.run(["/usr/bin/env"], policy, capture_output=True, text=True)
    assert r.returncode == 0 and "LANG=C.UTF-8" in r.stdout.splitlines()
    rules = [e["rule"] for e in policy.plan()]
    assert any("git push --force*" in rule for rule in rules)
    assert policy.to_dict()["limits"]["pids"] == 64


def test_default_extends_the_default_profile_and_none_grants_nothing():
    assert ward.run(["/bin/true"], ward.Policy()).returncode == 0
    bare = ward.Policy(extends=None, fs={"exec": ["/usr", "/bin", "/lib"]})
    if os.path.isdir("/lib64"):
        bare = bare.extend(fs={"exec": ["/lib64"]})
    r = ward.run(["/bin/cat", "/etc/hostname"], bare, capture_output=True)
    assert r.returncode == 1 and b"Permission denied" in r.stderr


def test_load_and_from_yaml(workdir):
    path = os.path.join(workdir, "p.yaml")
    with open(path, "w") as f:
        f.write("extends: default\nlimits:\n  timeout: 200ms\n")
    r = ward.run(["/bin/sleep", "30"], ward.Policy.load(path))
    assert r.stats.reason == "timeout"
    r = ward.run(["/bin/sleep", "30"], ward.Policy.from_yaml(
        "extends: default\nlimits: {timeout: 200ms}\n"))
    assert r.stats.reason == "timeout"
    assert ward.run(["/bin/true"], ward.Policy.profile("default")).returncode == 0


def test_yaml_errors_carry_wards_message_with_the_location(workdir):
    path = os.path.join(workdir, "bad.yaml")
    with open(path, "w") as f:
        f.write("fs:\n  read: [relative/path]\n")
    with pytest.raises(ward.PolicyError) as e:
        ward.Policy.load(path)
    assert f"{path}:2:" in str(e.value) and "not absolute" in str(e.value)
    assert e.value.exit_status == 125 and isinstance(e.value, ValueError)
    with pytest.raises(ward.PolicyError, match="<yaml>:1:"):
        ward.Policy.from_yaml("nonsense_key: 1\n")
    with pytest.raises(ward.PolicyError):
        ward.Policy.load(os.path.join(workdir, "missing.yaml"))
    with pytest.raises(TypeError):
        ward.Policy.from_yaml(b"fs: {}")


def test_keyword_errors_name_the_bad_value():
    with pytest.raises(ward.PolicyError) as e:
        ward.Policy(net={"allow": ["10.0.0.0/33"]})
    assert "10.0.0.0/33" in str(e.value)
    with pytest.raises(ward.PolicyError, match="host bits"):
        ward.Policy(net={"allow": ["10.0.0.1/8"]})
    with pytest.raises(ward.PolicyError):
        ward.Policy(limits={"memory": "lots"})
    with pytest.raises(ward.PolicyError):
        ward.Policy(extends="no-such-profile")
    with pytest.raises(TypeError):
        ward.Policy(fs_read=["/usr"])  # not a schema key


def test_policy_argument_types():
    assert ward.run(["/bin/true"], {"limits": {"pids": 16}}).returncode == 0
    with pytest.raises(TypeError, match="Policy.load"):
        ward.run(["/bin/true"], "policy.yaml")


def test_a_rule_no_layer_can_enforce_is_layer_unavailable(features):
    if features["bpf"]["lsm_loads"]:
        pytest.skip("BPF LSM loads on this host: kill_after is enforceable here")
    policy = ward.Policy(kill_after={"denials": 5, "seconds": 10})
    with pytest.raises(ward.LayerUnavailable) as e:
        ward.run(["/bin/true"], policy)
    assert "bpf-lsm" in str(e.value) and e.value.exit_status == 125
    with pytest.raises(ward.LayerUnavailable):
        policy.plan()
    degraded = ward.Policy(kill_after={"denials": 5, "seconds": 10}, allow_degraded=["bpf-lsm"])
    r = ward.run(["/bin/true"], degraded)
    assert r.returncode == 0
    assert any(e["type"] == "warning" and "NOT ENFORCED" in e["message"] for e in r.events)


def test_plan_and_explain_name_the_layers():
    plan = ward.Policy().plan()
    assert any(e["layer"] == "landlock" and e["status"] == "enforced" for e in plan)
    assert "landlock" in ward.Policy().explain()


def test_features_report_landlock(features):
    assert "landlock" in features and features["landlock"]["abi"] >= 1


def test_audit_mode_runs_what_enforce_denies(workdir):
    secret = os.path.join(workdir, "f")
    with open(secret, "w") as f:
        f.write("x")
    # A denial inside a read grant: enforce mode holds it (mask/Landlock),
    # audit mode only reports it. (A path outside every grant is absent from
    # the sandbox's own root in both modes.)
    probe = ("import sys\ntry:\n print(open(sys.argv[1]).read())\n"
             "except OSError as e:\n print('errno', e.errno); sys.exit(1)\n")
    fs = {"read": [workdir], "deny": [secret]}
    enforced = ward.run([PY, "-c", probe, secret], ward.Policy(fs=fs), capture_output=True,
                        text=True)
    assert enforced.returncode == 1 and enforced.stdout.startswith("errno "), enforced.stderr
    assert enforced.stdout != "x\n"
    # Audit-mode file rules run in the supervisor, which opens the file on
    # the program's behalf inside the sandbox's own root, root or not.
    r = ward.run([PY, "-c", probe, secret], ward.Policy(mode="audit", fs=fs),
                 capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (0, "x\n"), r.stderr
    assert any(e.get("type") == "audit" and e.get("detail", {}).get("path") == secret
               for e in r.events), r.events
