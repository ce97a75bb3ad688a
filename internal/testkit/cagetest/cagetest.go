// Package cagetest holds what the tests that run a session under cage share: the user the session runs as
// (cage refuses root), the session's processes (Xwayland, double-forked by wlroots, leaves cage's process
// tree but keeps the session's XDG_RUNTIME_DIR), and a copy of a program the session's user may run.
package cagetest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// User is the session's user: the one running the test, or, when that is root, nobody (cred then runs a
// command as nobody; nil otherwise).
func User(t testing.TB) (cred *syscall.Credential, uid, gid int) {
	t.Helper()
	uid, gid = os.Getuid(), os.Getgid()
	if uid != 0 {
		return nil, uid, gid
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("cage refuses to run as root and there is no user nobody: %v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, uid, gid
}

// Version is cage's version line ("" when it gives none).
func Version(cage string) string {
	v, _ := exec.Command(cage, "-v").CombinedOutput()
	return strings.TrimSpace(string(v))
}

// Environ is process pid's environment (empty when it is gone or not ours to read).
func Environ(pid int) map[string]string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	m := map[string]string{}
	for _, kv := range strings.Split(string(b), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// WithRuntimeDir lists the processes whose XDG_RUNTIME_DIR is rt: a session's, wherever in the process tree
// they are.
func WithRuntimeDir(rt string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err == nil && Environ(p)["XDG_RUNTIME_DIR"] == rt {
			pids = append(pids, p)
		}
	}
	return pids
}

// CopyExe copies the program src to dst, executable by everyone (a session run as nobody cannot run what
// lies in root's build cache).
func CopyExe(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
