#!/usr/bin/env bash
# test_unix_onbehalf.sh — where the supervisor holds the pathname unix rule
# it freezes nobody (no fork tracking) in the sandbox's own network: a
# multithreaded program (its fd table shared, its memory writable by its
# threads) connects to an abstract name, sends on a connected datagram
# socket, sends to an abstract datagram name, passes a descriptor and
# connects over TCP; each is made on its behalf from ward's copies and
# answers. A process sharing an fd table without being a thread is EPERM
# (the one shape a process list would be needed for), a plain fork runs.
# Usage: test_unix_onbehalf.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
t_tempdir onbehalf 755 # a read grant outside the system trees
DATA=$T_DIR
trap t_tempdirs_remove EXIT
if ! t_unix_rule_on_supervisor "$DATA"; then
	t_summary
	exit 0
fi

PROG='
import array, os, socket, sys, threading, time
stop = threading.Event()
def spin():
    while not stop.is_set():
        time.sleep(0.001)
threading.Thread(target=spin, daemon=True).start()
def check(name, fn):
    try:
        print(name, fn())
    except OSError as e:
        print(name, "ERR", os.strerror(e.errno))
# an abstract stream name the sandbox made
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind("\0ward-onbehalf-%d" % os.getpid())
srv.listen(4)
def abstract_stream():
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect("\0ward-onbehalf-%d" % os.getpid())
    a, _ = srv.accept()
    c.sendall(b"ping")
    return a.recv(4).decode()
check("abstract-stream", abstract_stream)
# a connected datagram socket (pathname in the own /tmp), sendmsg without a name
def dgram_connected():
    path = "/tmp/ward-onbehalf-dg"
    r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    r.bind(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(path)
    s.sendmsg([b"dgram"])
    return r.recv(16).decode()
check("dgram-connected", dgram_connected)
def dgram_abstract():
    name = "\0ward-onbehalf-dg-%d" % os.getpid()
    r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    r.bind(name)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"abs", name)
    s.sendmsg([b"msg"], [], 0, name)
    return r.recv(16).decode() + "," + r.recv(16).decode()
check("dgram-abstract", dgram_abstract)
def rights():
    a, b = socket.socketpair()
    rd, wr = os.pipe()
    os.write(wr, b"fd")
    a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [rd]))])
    msg, anc, _, _ = b.recvmsg(1, socket.CMSG_SPACE(4))
    fd = array.array("i", anc[0][2])[0]
    return os.read(fd, 2).decode()
check("rights", rights)
def tcp():
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(1)
    c = socket.create_connection(l.getsockname(), timeout=20)
    a, _ = l.accept()
    c.sendall(b"tcp")
    return a.recv(3).decode()
check("tcp", tcp)
stop.set()
'
expect "a multithreaded program connects to an abstract name" 0 '^abstract-stream ping$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$PROG"
expect "it sends on a connected datagram socket (sendmsg, no name)" 0 '^dgram-connected dgram$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$PROG"
expect "it sends to an abstract datagram name (sendto, sendmsg)" 0 '^dgram-abstract abs,msg$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$PROG"
expect "it passes a descriptor (SCM_RIGHTS)" 0 '^rights fd$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$PROG"
expect "it connects over TCP in its own network" 0 '^tcp tcp$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$PROG"

CLONE='
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
CLONE_FILES = 0x400
# raw clone(flags, stack=0): a fork-like child on x86_64 and aarch64
pid = libc.syscall(56 if os.uname().machine == "x86_64" else 220, CLONE_FILES | signal.SIGCHLD, 0, 0, 0, 0)
if pid == 0:
    os._exit(0)
if pid < 0:
    print("clone-files", os.strerror(ctypes.get_errno()))
else:
    os.waitpid(pid, 0)
    print("clone-files ok")
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
print("fork ok")
'
expect "control: a plain fork runs" 0 '^fork ok$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$CLONE"
expect "clone(CLONE_FILES) without CLONE_THREAD is EPERM" 0 '^clone-files Operation not permitted$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$CLONE"

t_summary
