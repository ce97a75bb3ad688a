//go:build linux

package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The command's tests run this test binary as the command (TestMain: HELSEKIOSK_BACKEND_MAIN=1).
func TestMain(m *testing.M) {
	if os.Getenv("HELSEKIOSK_BACKEND_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "HELSEKIOSK_BACKEND_MAIN=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// freeAddr is a loopback address free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestNoticeFlags: the notices' flags reach the backend (its /metrics say which channels can send), the
// secrets come from files, and bad settings stop the command at start with a message naming the flag.
func TestNoticeFlags(t *testing.T) {
	dir := t.TempDir()
	pw, tok := filepath.Join(dir, "smtp-password"), filepath.Join(dir, "sms-token")
	for f, v := range map[string]string{pw: "s3cret\n", tok: "gw-token\n"} {
		if err := os.WriteFile(f, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp", "http://mail.example", "--mail-from", "a@b.example"}, "smtp or smtps"},
		{[]string{"--smtp", "smtp://mail.example"}, "--mail-from"},
		{[]string{"--smtp", "smtp://u@mail.example", "--mail-from", "a@b.example", "--smtp-password-file", filepath.Join(dir, "missing")}, "--smtp-password-file"},
		{[]string{"--sms-url", "https://gw.example", "--sms-hours", "21-8"}, "SMS hours"},
	} {
		var stderr bytes.Buffer
		cmd := command(ctx, append([]string{"--demo", "--addr", "127.0.0.1:0", "--metrics-addr", ""}, c.args...)...)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: %v, %q; want a failure naming %q", c.args, err, stderr.String(), c.want)
		}
	}

	metrics := freeAddr(t)
	var stderr bytes.Buffer
	cmd := command(ctx, "--demo", "--addr", freeAddr(t), "--metrics-addr", metrics,
		"--smtp", "smtp://helsekiosk@127.0.0.1:2525", "--smtp-password-file", pw, "--mail-from", "Helsekiosk <varsel@kommune.example>",
		"--sms-url", "https://sms.example/v1/sms", "--sms-token-file", tok, "--sms-hours", "07:30-22:00")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var body []byte
	for body == nil {
		res, err := http.Get("http://" + metrics + "/metrics")
		if err == nil {
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no /metrics: %v\n%s", err, stderr.String())
		case <-time.After(100 * time.Millisecond): // polling for the server to listen
		}
	}
	for _, want := range []string{`helsekiosk_notices_transport{channel="email"} 1`, `helsekiosk_notices_transport{channel="sms"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v\n%s", err, stderr.String())
	}
	for _, secret := range []string{"s3cret", "gw-token"} {
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}
