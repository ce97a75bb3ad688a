package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	xvfbtest "github.com/helsekiosk/helsekiosk/internal/testkit/xvfb"
)

// TestSmokeWindowUnderXvfb builds the real helsekiosk binary, starts it on a private Xvfb display in
// demo mode with --lang nn and LANG=C.UTF-8 (no «Error parsing user locale» from Fyne), waits for a window titled "Helsekiosk…" and checks that the process
// is still running two seconds later; then SIGTERM closes it cleanly (exit status 0) with kiosk_started and
// kiosk_exited ("signal") in its store's operations log.
//
// Without Xvfb the test is skipped, except when CI=true: there it fails, since CI must run it.
// SMOKE_PKG (default ".") names the directory of the main package to build, for trying the test
// against another program.
func TestSmokeWindowUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test builds and starts the kiosk; skipped with -short")
	}
	need := needTool(t)
	xvfb := need("Xvfb")
	windowFound := windowProbe(t, need)

	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-15*time.Second))
		defer cancel()
	}

	bin := buildKiosk(ctx, t)
	display := startXvfb(t, xvfb)
	t.Logf("Xvfb on %s", display)

	var out lockedBuffer
	configDir := t.TempDir()
	kiosk := exec.Command(bin, "--lang", "nn", "--config-dir", configDir)
	kiosk.Env = kioskEnv(t, display)
	kiosk.Stdout = &out
	kiosk.Stderr = &out
	if err := kiosk.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- kiosk.Wait() }()
	t.Cleanup(func() {
		_ = kiosk.Process.Kill()
		<-exited
	})

	// Wait for the window.
	const windowTimeout = 60 * time.Second
	start := time.Now()
	for !windowFound(display) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("helsekiosk exited before its window appeared (%v); output:\n%s", err, out.String())
		case <-ctx.Done():
			t.Fatalf("test deadline reached while waiting for the window; output:\n%s", out.String())
		case <-time.After(500 * time.Millisecond):
		}
		if time.Since(start) > windowTimeout {
			t.Fatalf("no window named Helsekiosk on %s after %v; output:\n%s", display, windowTimeout, out.String())
		}
	}
	t.Logf("window appeared after %v", time.Since(start).Round(100*time.Millisecond))

	// It must keep running.
	select {
	case err := <-exited:
		exited <- err
		t.Fatalf("helsekiosk exited within 2 s of showing its window (%v); output:\n%s", err, out.String())
	case <-time.After(2 * time.Second):
	}

	// SIGTERM: a clean exit, logged.
	if err := kiosk.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Fatalf("helsekiosk after SIGTERM: %v; output:\n%s", err, out.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("helsekiosk still runs 20 s after SIGTERM; output:\n%s", out.String())
	}
	entries := opsLog(t, configDir, 20)
	started := false // before it, in either order: input_idle (which idle source the kiosk uses)
	for i, e := range entries {
		started = started || (i > 0 && e.Kind == store.KioskStarted)
	}
	if len(entries) < 2 || entries[0].Kind != store.KioskExited || entries[0].Detail != "signal" || !started {
		t.Errorf("the operations log after SIGTERM (newest first): %+v", entries)
	}
	// kioskEnv sets LANG=C.UTF-8, which Fyne cannot parse as a language: the kiosk gives it its own.
	if strings.Contains(out.String(), "Error parsing user locale") {
		t.Errorf("Fyne could not parse the locale under LANG=C.UTF-8; output:\n%s", out.String())
	}
	if testing.Verbose() && out.Len() > 0 {
		t.Logf("helsekiosk output:\n%s", out.String())
	}
}

// windowProbe returns a function reporting whether a window whose name contains "Helsekiosk" exists
// on a display: xdotool when installed, else xwininfo.
// needTool returns a lookup for the system tools a smoke test needs: a missing one skips the test, except
// under CI=true, where make test has installed them and a missing one is a failure.
func needTool(t *testing.T) func(string) string {
	inCI, _ := strconv.ParseBool(os.Getenv("CI"))
	return func(tool string) string {
		t.Helper()
		path, err := exec.LookPath(tool)
		if err != nil {
			if inCI {
				t.Fatalf("%s not found, and CI=true: the smoke test must run in CI (install it with scripts/deps.sh)", tool)
			}
			t.Skipf("%s not installed (Debian: run scripts/deps.sh); skipping the smoke test", tool)
		}
		return path
	}
}

func windowProbe(t *testing.T, need func(string) string) func(display string) bool {
	t.Helper()
	if xdotool, err := exec.LookPath("xdotool"); err == nil {
		return func(display string) bool {
			cmd := exec.Command(xdotool, "search", "--name", "Helsekiosk")
			cmd.Env = append(os.Environ(), "DISPLAY="+display)
			ids, err := cmd.Output()
			return err == nil && len(bytes.TrimSpace(ids)) > 0
		}
	}
	if xwininfo, err := exec.LookPath("xwininfo"); err == nil {
		return func(display string) bool {
			cmd := exec.Command(xwininfo, "-root", "-tree")
			cmd.Env = append(os.Environ(), "DISPLAY="+display)
			tree, err := cmd.Output()
			return err == nil && bytes.Contains(tree, []byte("Helsekiosk"))
		}
	}
	need("xdotool") // neither tool: fails under CI, skips otherwise
	return nil
}

// buildKiosk builds the main package in SMOKE_PKG (default: this directory) into a temporary directory.
func buildKiosk(ctx context.Context, t *testing.T) string {
	t.Helper()
	pkgDir := os.Getenv("SMOKE_PKG")
	if pkgDir == "" {
		pkgDir = "."
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "helsekiosk")
	build := exec.CommandContext(ctx, goTool, "build", "-tags", "migrated_fynedo", "-o", bin, ".")
	build.Dir = pkgDir
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	started := time.Now()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags migrated_fynedo -o %s . (in %s): %v\n%s", bin, pkgDir, err, out)
	}
	t.Logf("built %s in %v", pkgDir, time.Since(started).Round(100*time.Millisecond))
	return bin
}

// opsLog is the kiosk's operations log in its configuration directory dir, its last n entries, newest first
// (as store.Recent gives them).
func opsLog(t *testing.T, dir string, n int) []store.Entry {
	t.Helper()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, err := st.Recent(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// startXvfb starts Xvfb on a free display (internal/testkit/xvfb: a random one from :100 up, out of the
// way of cage's XWayland) and returns the display name, e.g. ":345". Xvfb is stopped when the test ends.
// extra are more Xvfb arguments (-extension MIT-SCREEN-SAVER: without the screen-saver extension, as
// under cage's Xwayland).
func startXvfb(t *testing.T, xvfb string, extra ...string) string {
	t.Helper()
	return xvfbtest.Start(t, xvfb, "1280x800", extra...)
}

// kioskEnv is the environment for the kiosk: this process's, with DISPLAY set, no HELSEKIOSK_*
// settings (so it runs the in-process demo backend), and a throwaway home for Fyne's settings.
func kioskEnv(t *testing.T, display string) []string {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "HELSEKIOSK_"), name == "DISPLAY", name == "WAYLAND_DISPLAY",
			name == "HOME", strings.HasPrefix(name, "XDG_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"DISPLAY="+display,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"LANG=C.UTF-8",
	)
}

// runningKiosk is the kiosk binary started on a display for a smoke test: its output, and alive, which
// waits d for the kiosk to die and fails the test (naming step) if it does.
type runningKiosk struct {
	out    *lockedBuffer
	exited chan error
}

// startKiosk starts bin with args on display (kioskEnv), killed when the test ends, and waits up to a minute
// for its window; the kiosk dying meanwhile fails the test.
func startKiosk(t *testing.T, bin, display string, windowFound func(string) bool, args ...string) *runningKiosk {
	t.Helper()
	k := &runningKiosk{out: &lockedBuffer{}, exited: make(chan error, 1)}
	cmd := exec.Command(bin, args...)
	cmd.Env = kioskEnv(t, display)
	cmd.Stdout, cmd.Stderr = k.out, k.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { k.exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-k.exited })
	for start := time.Now(); !windowFound(display); {
		if time.Since(start) > time.Minute {
			t.Fatalf("no window; output:\n%s", k.out.String())
		}
		k.alive(t, "before its window appeared", 300*time.Millisecond)
	}
	return k
}

// alive waits d and fails the test if the kiosk died meanwhile (step says when).
func (k *runningKiosk) alive(t *testing.T, step string, d time.Duration) {
	t.Helper()
	select {
	case err := <-k.exited:
		k.exited <- err
		t.Fatalf("helsekiosk died %s (%v); output:\n%s", step, err, k.out.String())
	case <-time.After(d):
	}
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a child's stdout and stderr.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}
