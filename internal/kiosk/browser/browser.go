// Package browser starts Debian's Chromium for one login on the kiosk (issue 16): a fresh, empty profile in
// a new temporary directory, an app or kiosk window on the OP's login page, incognito, everything that
// could keep or leak data switched off by flags and locked by Chromium's enterprise policies (policy.go).
// Close ends the whole process group and removes the profile; an exit before that is reported on Ended.
//
// Policies: Chromium on Linux reads mandatory policies only from SystemPolicyDir
// (/etc/chromium/policies/managed/*.json), machine-wide and root-owned; there is no per-launch policy flag
// in a release build. The kiosk's installation writes SystemPolicyFile as root (WriteSystemPolicy). Tests,
// and a kiosk run as root, use Options.PrivatePolicy instead: Chromium is started in a private mount
// namespace (unshare(1)) in which a directory holding this launch's policy is bind-mounted over
// SystemPolicyDir, so only that one browser sees it and nothing on the machine changes.
//
// It imports no UI package.
package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ProfilePrefix begins the name of every profile directory (in os.TempDir), so that a check can find
// what a browser left.
const ProfilePrefix = "helsekiosk-browser-"

// ErrNoChromium is Start's error when no Chromium is installed.
var ErrNoChromium = errors.New("browser: chromium is not installed")

// ErrExited is the error on Ended when the browser exited by itself (closed, crashed) before Close.
var ErrExited = errors.New("browser: exited")

// Options say how to start the login window.
type Options struct {
	// URL is the page to open (the OP's authorization URL).
	URL string
	// Exe is the Chromium to run (default: chromium, chromium-browser or google-chrome on PATH).
	Exe string
	// Kiosk opens a full-screen kiosk window (--kiosk); otherwise an app window without address bar (--app).
	Kiosk bool
	// Zoom is the device scale factor (the kiosk's text size: 1.0, 1.25, 1.5, …); 0 leaves Chromium's.
	Zoom float64
	// Lang is the page language Chromium asks for (nn, nb, en), as --lang and Accept-Language.
	Lang string
	// WindowSize is the app window's size in pixels, "W,H" (default: Chromium's).
	WindowSize string
	// Headless runs without a window (tests).
	Headless bool
	// RemoteDebugging opens the DevTools protocol on a free loopback port (tests: chromedp attaches to
	// DevToolsURL). The policy must allow it (Policy.AllowRemoteDebugging).
	RemoteDebugging bool
	// PrivatePolicy, when set, is this launch's policy, seen by this browser only (a private mount
	// namespace; needs root or CAP_SYS_ADMIN). Nil relies on SystemPolicyFile.
	PrivatePolicy Policy
	// StartTimeout bounds the wait for the DevTools port (default 2 minutes: a loaded CI machine is slow).
	StartTimeout time.Duration
	// Log gets the browser's start and end (never its output, which may carry URLs with codes).
	Log *slog.Logger
	// Stderr, when set, gets Chromium's standard error (tests; the kiosk discards it: it may carry URLs).
	Stderr io.Writer

	// Guard holds the keyboard and pointer for the kiosk while the window is open (guard.go): Chromium's
	// shortcuts go to OnKey instead, a second window is closed, and a window that stops answering is
	// reported on Ended as ErrHung. It needs an X display (Display, "" = $DISPLAY) and starts Chromium on it
	// (--ozone-platform=x11); Start fails with ErrNoGuard without one. Not with Headless.
	Guard bool
	// Display is the X display of the guard ("" = $DISPLAY).
	Display string
	// OnKey gets each key the guard took ("Escape", "ctrl+w", "alt+F4", "F1", …), on the guard's goroutine.
	OnKey func(key string)
	// PingEvery and HangAfter set the guard's hang check (0: 5 s and 30 s).
	PingEvery, HangAfter time.Duration
}

// IsCloseKey says whether a key the guard took is one that closes the login window: Escape, and the keys
// that close a browser window elsewhere (Ctrl+W, Ctrl+F4, Alt+F4, Ctrl+Shift+W, Ctrl+Q, Ctrl+Shift+Q).
func IsCloseKey(key string) bool {
	switch key {
	case "Escape", "ctrl+w", "ctrl+F4", "alt+F4", "ctrl+shift+w", "ctrl+q", "ctrl+shift+q":
		return true
	}
	return false
}

// A Browser is one running login window.
type Browser struct {
	// ProfileDir is the temporary profile directory (removed by Close).
	ProfileDir string
	// DevToolsURL is the browser's DevTools WebSocket URL (with Options.RemoteDebugging).
	DevToolsURL string

	cmd   *exec.Cmd
	pgid  int
	log   *slog.Logger
	ended chan error // receives the exit once (buffered)
	done  chan struct{}

	guard *guard

	mu       sync.Mutex
	closing  bool
	reported bool
	exitErr  error
	closeErr error
	closed   bool
}

// FindChromium returns the Chromium on PATH, or ErrNoChromium.
func FindChromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Flags are the command-line switches of the login window (without the URL and user data dir).
func Flags(o Options) []string {
	f := []string{
		"--no-first-run", "--no-default-browser-check", "--disable-sync", "--disable-extensions",
		"--disable-component-extensions-with-background-pages", "--disable-default-apps",
		"--disable-background-networking", "--disable-component-update", "--disable-domain-reliability",
		"--disable-client-side-phishing-detection", "--disable-breakpad", "--disable-crash-reporter",
		"--no-pings", "--noerrdialogs", "--disable-session-crashed-bubble", "--disable-infobars",
		"--disable-print-preview", "--disable-file-system", "--deny-permission-prompts",
		"--password-store=basic", "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,PasswordManagerOnboarding,InterestFeedContentSuggestions,DialMediaRouteProvider",
		"--overscroll-history-navigation=0", "--disable-pinch", "--incognito",
		"--disable-dev-shm-usage",
	}
	if os.Geteuid() == 0 {
		f = append(f, "--no-sandbox") // Chromium refuses to run as root with its sandbox
	}
	if o.Zoom > 0 {
		f = append(f, "--force-device-scale-factor="+strconv.FormatFloat(o.Zoom, 'f', -1, 64))
	}
	if o.Lang != "" {
		f = append(f, "--lang="+o.Lang, "--accept-lang="+acceptLang(o.Lang))
	}
	if o.WindowSize != "" {
		f = append(f, "--window-size="+o.WindowSize, "--window-position=0,0")
	}
	if o.Headless {
		f = append(f, "--headless", "--disable-gpu", "--hide-scrollbars", "--mute-audio")
	}
	if o.RemoteDebugging {
		f = append(f, "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1")
	}
	if o.Guard && !o.Headless {
		f = append(f, "--ozone-platform=x11") // on the guard's display (under cage: XWayland, as the kiosk)
	}
	if o.Kiosk {
		f = append(f, "--kiosk", o.URL)
	} else {
		f = append(f, "--app="+o.URL)
	}
	return f
}

func acceptLang(lang string) string {
	switch lang {
	case "nn":
		return "nn,nb,no,en"
	case "nb":
		return "nb,no,nn,en"
	}
	return lang
}

// Start starts the login window. ctx bounds only the start; the browser runs until Close or its exit.
func Start(ctx context.Context, o Options) (*Browser, error) {
	exe := o.Exe
	if exe == "" {
		var err error
		if exe, err = FindChromium(); err != nil {
			return nil, err
		}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 2 * time.Minute
	}
	dir, err := profileDir()
	if err != nil {
		return nil, err
	}
	b := &Browser{ProfileDir: dir, log: o.Log, ended: make(chan error, 1), done: make(chan struct{})}
	fail := func(err error) (*Browser, error) {
		_ = b.Close()
		return nil, err
	}
	profile := filepath.Join(dir, "profile")
	home := filepath.Join(dir, "home")
	for _, d := range []string{profile, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fail(err)
		}
	}
	if o.Guard && !o.Headless {
		// The grabs before the window: no key reaches Chromium's shortcuts, not even the first.
		g, err := newGuard(o.Display, o.Log, o.OnKey, o.PingEvery, o.HangAfter)
		if err != nil {
			return fail(err)
		}
		b.guard = g
	}
	args := append([]string{"--user-data-dir=" + profile}, Flags(o)...)
	name := exe
	if o.PrivatePolicy != nil {
		pdir := filepath.Join(dir, "policy")
		if err := os.Mkdir(pdir, 0o755); err != nil {
			return fail(err)
		}
		if err := WriteSystemPolicy(filepath.Join(pdir, "helsekiosk.json"), o.PrivatePolicy); err != nil {
			return fail(err)
		}
		if err := os.MkdirAll(SystemPolicyDir, 0o755); err != nil { // the mount point (stays empty)
			return fail(fmt.Errorf("browser: private policy: %w", err))
		}
		unshare, err := exec.LookPath("unshare")
		if err != nil {
			return fail(fmt.Errorf("browser: private policy: %w", err))
		}
		// In a new mount namespace, private (no mount leaves it): bind the policy over the system's, then
		// exec Chromium in the same process (so it keeps this pid and process group).
		args = append([]string{"--mount", "--propagation", "private", "--", "/bin/sh", "-c",
			`mount --bind "$1" "$2" && shift 2 && exec "$@"`, "helsekiosk-browser", pdir, SystemPolicyDir, exe}, args...)
		name = unshare
	}
	cmd := exec.Command(name, args...)
	// Everything Chromium writes outside the profile ($HOME/.pki, caches, crash dumps) lands in the
	// temporary directory too.
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"TMPDIR="+dir)
	cmd.Dir = dir
	// Its own process group, so that Close can end every helper; Pdeathsig kills it should the kiosk die
	// (Linux sends it when the starting OS thread ends: Go ends threads only of goroutines that exit while
	// locked to one, which the kiosk's starters do not do).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = o.Stderr // nil: /dev/null; never logged by default, it may carry URLs
	if err := cmd.Start(); err != nil {
		return fail(err)
	}
	b.cmd, b.pgid = cmd, cmd.Process.Pid
	go b.wait()
	if b.guard != nil {
		b.guard.watch(b.pgid, func() { b.report(ErrHung) })
	}
	o.Log.Info("browser_started", "pid", b.pgid, "headless", o.Headless, "kiosk", o.Kiosk)
	if o.RemoteDebugging {
		u, err := b.devToolsURL(ctx, profile, o.StartTimeout)
		if err != nil {
			return fail(err)
		}
		b.DevToolsURL = u
	}
	return b, nil
}

// socketDirMax is the longest directory Chromium's singleton socket fits under: Chromium makes it in
// $TMPDIR/.org.chromium.Chromium.XXXXXX/SingletonSocket, and a Unix socket's path has at most 107 bytes.
// A longer one and Chromium stops at start ("Socket path too long").
const socketDirMax = 107 - len("/.org.chromium.Chromium.XXXXXX/SingletonSocket")

// profileDir makes the login's temporary directory (its TMPDIR too) in os.TempDir, or, when that is too
// deep for Chromium's socket (the kiosk's private directory under a long $TMPDIR), in /tmp. Either way it
// is the login's alone (0700) and Close removes it.
func profileDir() (string, error) {
	dir, err := os.MkdirTemp("", ProfilePrefix)
	if err != nil || len(dir) <= socketDirMax {
		return dir, err
	}
	os.Remove(dir)
	return os.MkdirTemp("/tmp", ProfilePrefix)
}

// devToolsURL waits for Chromium's DevToolsActivePort file (port, then the browser target's path).
func (b *Browser) devToolsURL(ctx context.Context, profile string, timeout time.Duration) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if data, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort")); err == nil {
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(lines) == 2 {
				return "ws://127.0.0.1:" + strings.TrimSpace(lines[0]) + strings.TrimSpace(lines[1]), nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-deadline.C:
			return "", errors.New("browser: no DevTools port")
		case <-b.done:
			return "", fmt.Errorf("browser: exited at start: %v", b.exitErr)
		case <-tick.C:
		}
	}
}

func (b *Browser) wait() {
	err := b.cmd.Wait()
	b.mu.Lock()
	closing := b.closing
	if err == nil {
		err = ErrExited
	} else {
		err = fmt.Errorf("%w: %w", ErrExited, err)
	}
	b.exitErr = err
	b.mu.Unlock()
	if !closing {
		b.log.Warn("browser_exited", "pid", b.pgid, "err", err.Error())
		b.report(err)
	}
	b.mu.Lock()
	b.reported = true
	close(b.ended)
	b.mu.Unlock()
	close(b.done)
}

// report sends the browser's end on Ended, once, unless Close came first.
func (b *Browser) report(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.reported || b.closing {
		return
	}
	b.reported = true
	b.ended <- err // buffered: never blocks
}

// GuardStats are the guard's counts (tests): pings the login window answered, and other windows of the
// browser it asked to close.
func (b *Browser) GuardStats() (pongs, closedWindows int) {
	if b.guard == nil {
		return 0, 0
	}
	return b.guard.stats()
}

// Ended receives the browser's exit when it ends by itself (closed by the citizen, crashed, killed), or
// ErrHung when the guard finds it frozen, before Close; it is closed without a value after Close.
func (b *Browser) Ended() <-chan error { return b.ended }

// Done is closed when the browser process has exited (by itself or by Close).
func (b *Browser) Done() <-chan struct{} { return b.done }

// Pgid is the browser's process group (its first process's pid).
func (b *Browser) Pgid() int { return b.pgid }

// Wait waits for the browser process to exit and returns its exit (ErrExited wrapping the status).
func (b *Browser) Wait() error {
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.exitErr
}

// Close kills the browser's whole process group, waits until no process of it is left, and removes the
// profile directory. It is safe to call more than once; every call returns the first call's result.
func (b *Browser) Close() error {
	b.mu.Lock()
	if b.closed {
		defer b.mu.Unlock()
		return b.closeErr
	}
	b.closed, b.closing = true, true
	b.mu.Unlock()

	var errs []error
	if b.cmd != nil {
		_ = syscall.Kill(-b.pgid, syscall.SIGKILL)
		select {
		case <-b.done:
		case <-time.After(10 * time.Second):
			errs = append(errs, errors.New("browser: did not exit after SIGKILL"))
		}
		// Helpers (zygote, renderers, GPU, network service) are in the group too; they may outlive the
		// browser process for a moment.
		deadline := time.Now().Add(10 * time.Second)
		for {
			left := GroupProcesses(b.pgid)
			if len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				errs = append(errs, fmt.Errorf("browser: processes %v left", left))
				break
			}
			_ = syscall.Kill(-b.pgid, syscall.SIGKILL)
			time.Sleep(50 * time.Millisecond)
		}
	}
	if b.guard != nil {
		b.guard.Close() // the grabs go with the browser
	}
	var err error
	for range 50 { // a helper may write a last file as it dies
		if err = os.RemoveAll(b.ProfileDir); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		errs = append(errs, err)
	}
	b.mu.Lock()
	b.closeErr = errors.Join(errs...)
	b.mu.Unlock()
	b.log.Info("browser_closed", "pid", b.pgid)
	return b.closeErr
}

// GroupProcesses lists the pids of live (not zombie) processes in process group pgid, from /proc.
func GroupProcesses(pgid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: split after the last ')'.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) < 3 || fields[0] == "Z" || fields[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(fields[2]); err == nil && g == pgid {
			out = append(out, pid)
		}
	}
	return out
}
