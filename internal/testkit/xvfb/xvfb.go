// Package xvfb starts a private virtual X display for a test: the one way the tests of the kiosk, its
// login browser and its idle source get an X server.
//
// A display is an explicit number, drawn at random from 100–899 and tried until one is free, not the
// lowest free one (Xvfb's -displayfd alone): the tests that run cage start XWayland, and wlroots looks for
// its display from :0 upward, taking the lock and, when it gets one, unlinking that display's socket file
// before it binds its own. A test display among those low numbers could lose its socket to a concurrent
// test's XWayland (`go test ./...` runs packages side by side); one at 100 or above does not.
package xvfb

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Start starts Xvfb (the program exe, "" for Xvfb on PATH) with one screen of size ("1280x800") and extra
// arguments, waits until it is ready (it writes its display number on -displayfd when it listens), and
// returns the display name (":N"). It is killed when the test ends.
func Start(t testing.TB, exe, size string, extra ...string) string {
	t.Helper()
	if exe == "" {
		exe = "Xvfb"
	}
	var tried []string
	for range 20 {
		n := strconv.Itoa(100 + rand.IntN(800))
		d, out, ok := try(t, exe, n, size, extra)
		if ok {
			return d
		}
		tried = append(tried, ":"+n+": "+strings.TrimSpace(out))
	}
	t.Fatalf("no Xvfb display could be started:\n%s", strings.Join(tried, "\n"))
	return ""
}

// try starts Xvfb on display n; ok when it reported that display ready. On a display in use it exits at
// once ("Server is already active for display").
func try(t testing.TB, exe, n, size string, extra []string) (display, output string, ok bool) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer // read only after Xvfb has exited (Wait has copied all of it)
	cmd := exec.Command(exe, append([]string{":" + n, "-displayfd", "3", "-screen", "0", size + "x24", "-nolisten", "tcp", "-noreset"}, extra...)...)
	cmd.ExtraFiles = []*os.File{w} // fd 3 in the child
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		w.Close()
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n') // EOF (and "") when Xvfb exits without a display
		line <- strings.TrimSpace(s)
	}()
	select {
	case got := <-line:
		if got == n {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return ":" + n, "", true
		}
	case <-time.After(30 * time.Second):
	}
	_ = cmd.Process.Kill()
	<-exited
	return "", out.String(), false
}
