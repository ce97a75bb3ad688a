package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestStartWithoutDisplay: the real kiosk binary with no X display (DISPLAY unset, and DISPLAY naming a
// display nobody serves) says in one line that it needs a graphical display and how to get one, and exits
// 1 – no GLFW panic, no goroutine dump.
func TestStartWithoutDisplay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kiosk; skipped with -short")
	}
	bin := buildKiosk(context.Background(), t)
	for _, tc := range []struct{ name, display, want string }{
		{"unset", "", "DISPLAY is not set"},
		{"unserved", ":4999", `cannot open the X display ":4999"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var env []string
			for _, kv := range kioskEnv(t, tc.display) {
				if kv != "DISPLAY=" { // kioskEnv's DISPLAY= with no display: unset
					env = append(env, kv)
				}
			}
			cmd := exec.Command(bin, "--lang", "nn", "--config-dir", t.TempDir())
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1; output:\n%s", err, out)
			}
			line := strings.TrimSpace(string(out))
			if strings.Contains(line, "\n") || !strings.HasPrefix(line, "helsekiosk: needs a graphical display: "+tc.want) ||
				!strings.Contains(line, "xvfb-run") {
				t.Errorf("output %q, want one line: the display message with %q and xvfb-run", line, tc.want)
			}
			for _, bad := range []string{"panic", "goroutine ", "GLFW", "Fyne error", "XGB"} {
				if strings.Contains(string(out), bad) {
					t.Errorf("output holds %q:\n%s", bad, out)
				}
			}
		})
	}
}
