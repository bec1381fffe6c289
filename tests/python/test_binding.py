"""The Python binding against the real library and kernel."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bindings", "python"))
import ward  # noqa: E402


class BindingTest(unittest.TestCase):
    def test_default_profile_runs_python_and_reports_events(self):
        events = []
        result = ward.Policy().run(["/usr/bin/python3", "-c", "print(1)"], on_event=events.append)
        self.assertEqual(result.code, 0)
        self.assertEqual(result.reason, "exit")
        types = [e["type"] for e in events]
        self.assertEqual(types[0], "start")
        self.assertEqual(types[-1], "exit")
        self.assertEqual(len(events[0]["policy_digest"]), 64)

    def test_read_outside_grant_fails_in_the_sandbox(self):
        with tempfile.NamedTemporaryFile(dir="/var/tmp") as f:
            f.write(b"secret")
            f.flush()
            result = ward.Policy().run(["/bin/cat", f.name])
            self.assertEqual(result.code, 1)
            p = ward.Policy()
            p.allow_read(f.name)
            self.assertEqual(p.run(["/bin/cat", f.name]).code, 0)

    def test_bad_cidr_is_a_ward_error(self):
        with self.assertRaises(ward.WardError) as ctx:
            ward.Policy().net_allow("10.0.0.0/33")
        self.assertEqual(ctx.exception.exit_status, 125)
        self.assertIn("10.0.0.0/33", str(ctx.exception))

    def test_timeout_kills_with_137(self):
        p = ward.Policy()
        p.set_limit("timeout", "300ms")
        result = p.run(["/bin/sleep", "5"])
        self.assertEqual(result.code, 137)
        self.assertEqual(result.reason, "timeout")

    def test_only_passed_descriptors_reach_the_sandbox(self):
        r, w = os.pipe()
        try:
            check = "import os, sys\ntry:\n    os.fstat(%d)\nexcept OSError:\n    sys.exit(9)\n" % w
            self.assertEqual(ward.Policy().run(["/usr/bin/python3", "-c", check]).code, 9)
            os.set_inheritable(w, True)
            result = ward.Policy().run(["/usr/bin/python3", "-c", check], pass_fds=[w])
            self.assertEqual(result.code, 0)
        finally:
            os.close(r)
            os.close(w)

    def test_missing_command_is_127(self):
        with self.assertRaises(ward.WardError) as ctx:
            ward.Policy().run(["no-such-command-ward"])
        self.assertEqual(ctx.exception.exit_status, 127)

    def test_plan_names_landlock(self):
        plan = ward.Policy().check()
        self.assertTrue(any(e["layer"] == "landlock" for e in plan))

    def test_features_report_landlock(self):
        self.assertIn("landlock", ward.features())


if __name__ == "__main__":
    unittest.main()
