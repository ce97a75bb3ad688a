package supervise

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// envChild makes the test binary a stand-in kiosk for TestHandoverLogLine (its value: a directory the
// stand-ins share).
const envChild = "HELSEKIOSK_SUPERVISE_TEST_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(envChild); dir != "" {
		standInKiosk(dir)
		return
	}
	os.Exit(m.Run())
}

// standInKiosk is a kiosk as the supervisor sees it. The first one says "ready", then "handover", and
// exits with ExitHandover when the supervisor says "exit"; the next one says "ready" and waits for its
// SIGTERM.
func standInKiosk(dir string) {
	link := FromEnv()
	f, err := os.OpenFile(filepath.Join(dir, "first"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	link.Ready()
	if err != nil { // not the first
		select {}
	}
	f.Close()
	link.HandOver(time.Minute)
	os.Exit(ExitHandover)
}

// syncBuffer is a log the supervisor writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestHandoverLogLine: the handover line gives the time in whole milliseconds whatever its size (tests and
// operators parse it): on a test clock that moves 1.5 s a reading, the next kiosk is on the screen
// "1500ms" after the visit ended, not "1.5s".
func TestHandoverLogLine(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	var mu sync.Mutex
	t0 := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
	readings := 0
	sig := make(chan os.Signal, 1)
	o := Options{Program: exe, Log: &log, Signals: sig, ExtraEnv: []string{envChild + "=" + t.TempDir()},
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			readings++
			return t0.Add(time.Duration(readings) * 1500 * time.Millisecond)
		}}
	done := make(chan int, 1)
	go func() { done <- Run(o) }()
	// Wait for the handover line, in whatever format, then check its format.
	for deadline := time.Now().Add(time.Minute); !strings.Contains(log.String(), "handover: kiosk"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) { // bounds a failure only
			sig <- syscall.SIGTERM
			<-done
			t.Fatalf("no handover line within a minute; the log:\n%s", log.String())
		}
	}
	sig <- syscall.SIGTERM
	if code := <-done; code != 0 {
		t.Errorf("Run after SIGTERM: %d", code)
	}
	line := regexp.MustCompile(`handover: kiosk (\d+) on the screen (\d+)ms after kiosk (\d+)'s visit ended`)
	m := line.FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("the handover line is not %q; the log:\n%s", line, log.String())
	}
	if m[2] != "1500" || m[1] == m[3] {
		t.Errorf("the handover line %q: want the next kiosk on the screen 1500ms after another kiosk's visit", m[0])
	}
}
