package launch

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"fyne.io/fyne/v2"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/supervise"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/syslocale"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/xidle"
	"github.com/helsekiosk/helsekiosk/ui"
)

// Main is the kiosk program (cmd/helsekiosk): the supervisor with --supervise, else one kiosk process on
// the app newApp makes (Fyne's GLFW app: fyne.io/fyne/v2/app is imported by cmd/ only). It returns the
// exit status: 0, 1 (could not start), 2 (bad arguments), or supervise.ExitHandover after a visit.
func Main(args []string, newApp func() fyne.App) int {
	if file, rest, ok := policyArgs(args); ok {
		return writeBrowserPolicy(file, rest, os.Getenv, os.Stderr)
	}
	args, supervised, fresh, err := supervise.SplitArgs(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk:", err)
		return 2
	}
	if supervised {
		cfg, _, err := config.LoadWith(args, os.Getenv, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "helsekiosk:", err)
			return 2
		}
		on := fresh == nil || *fresh
		return supervise.Run(supervise.Options{Args: append([]string{"--fresh-process=" + strconv.FormatBool(on)}, args...),
			StoreDir: cfg.Dir})
	}

	if err := checkDisplay(os.Getenv); err != nil { // before anything starts, the demo backend included
		fmt.Fprintln(os.Stderr, "helsekiosk:", err)
		return 1
	}
	tuneGC(os.Getenv)
	s, err := Prepare(args, os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk:", err)
		return 2
	}
	defer s.Close()
	syslocale.Use(s.Config.Lang) // where LANG was C.UTF-8 or the like: Fyne reads the kiosk's language
	cleanup, err := privateDirs()
	if err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk:", err)
		return 1
	}
	defer cleanup()

	idle := xidle.Default()
	if s.Store != nil {
		// Under cage's Xwayland there is no MIT-SCREEN-SAVER: idleness is then the kiosk's own input events
		// (taps, keys, typing on its widgets) only. Said once in the operations log, and again when it changes.
		source := "x11"
		if idle == nil {
			source = "kiosk_events"
		}
		_ = s.Store.LogChange(context.Background(), store.InputIdle, source)
	}
	opts := []ui.Option{ui.WithInputIdle(idle), ui.WithStore(s.Store, s.Fixed), ui.WithSpeaker(s.Speaker)}
	link := supervise.FromEnv()
	if fresh == nil && s.Config.Kiosk || fresh != nil && *fresh {
		opts = append(opts, ui.WithHandover(func() { link.HandOver(supervise.HandoverWait()) }))
	}
	a := newApp()
	a.Lifecycle().SetOnStarted(func() { // after the window is shown (its first frame drawn) and the loop runs
		go fyne.Do(link.Ready)
		go afterFirstPaint(s)
	})
	k, err := ui.New(a, s.Config, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	k.RunUntil(ctx)
	if k.HandedOver() {
		return supervise.ExitHandover
	}
	return 0
}

// privateDirs points Fyne's preferences and caches (os.UserConfigDir, os.UserCacheDir), XDG data, the
// Mesa shader cache and temporary files at a directory of this process's own (the supervisor's
// HELSEKIOSK_PRIVATE_DIR, or a new one), and returns what removes it. The kiosk's own configuration
// directory was resolved before, from the environment as it was.
func privateDirs() (func(), error) {
	dir := os.Getenv(supervise.EnvPrivateDir)
	if dir == "" {
		d, err := os.MkdirTemp("", "helsekiosk-")
		if err != nil {
			return nil, fmt.Errorf("private directory: %w", err)
		}
		dir = d
	}
	for name, sub := range map[string]string{"XDG_CONFIG_HOME": "config", "XDG_CACHE_HOME": "cache",
		"XDG_DATA_HOME": "data", "XDG_STATE_HOME": "state", "TMPDIR": "tmp", "MESA_SHADER_CACHE_DIR": "mesa"} {
		p := filepath.Join(dir, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			return nil, fmt.Errorf("private directory: %w", err)
		}
		os.Setenv(name, p)
	}
	os.Setenv("MESA_SHADER_CACHE_DISABLE", "true")
	os.Setenv("MESA_GLSL_CACHE_DISABLE", "true")
	return func() { os.RemoveAll(dir) }, nil
}
