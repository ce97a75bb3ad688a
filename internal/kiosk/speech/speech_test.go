package speech

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// speaker returns a Speaker writing to a WAV file; espeak-ng must be installed in CI (scripts/deps.sh).
func speaker(t *testing.T) (*Speaker, string) {
	t.Helper()
	wav := filepath.Join(t.TempDir(), "out.wav")
	s := New(ToWAV(wav))
	if !s.Available() {
		if os.Getenv("CI") != "" {
			t.Fatal("espeak-ng is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("espeak-ng is not installed")
	}
	return s, wav
}

func waitDone(t *testing.T, s *Speaker) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("speech did not end")
	}
}

// Speaking Norwegian to a WAV file gives a real, non-empty RIFF/WAVE file, with the nb voice, the text on
// standard input and not among the arguments.
func TestSayWritesWAV(t *testing.T) {
	s, wav := speaker(t)
	text := "Du har ei ny melding frå heimesjukepleia. Svar kjem innan neste arbeidsdag."
	if err := s.Say(context.Background(), "nn", text); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	args := s.last.cmd.Args
	s.mu.Unlock()
	for _, a := range args {
		if strings.Contains(a, "melding") || strings.Contains(text, a) && len(a) > 3 {
			t.Fatalf("the text is on the command line: %q", args)
		}
	}
	if i := slices.Index(args, "-v"); i < 0 || args[i+1] != "nb" {
		t.Fatalf("voice: %q", args)
	}
	waitDone(t, s)
	if s.last.err != nil {
		t.Fatalf("espeak-ng failed: %v", s.last.err)
	}
	b, err := os.ReadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) <= 44 || !bytes.HasPrefix(b, []byte("RIFF")) || !bytes.Equal(b[8:12], []byte("WAVE")) {
		t.Fatalf("not a WAV with sound: %d bytes, %q", len(b), b[:min(len(b), 12)])
	}
	// 22050 Hz 16-bit mono: more than a second of speech for a sentence of that length.
	if len(b) < 44100 {
		t.Fatalf("WAV is only %d bytes", len(b))
	}
	t.Logf("WAV: %d bytes", len(b))
}

// Say returns while a long speech is still running (it never blocks the caller); Stop kills it, and the process
// ended by a signal rather than by reaching the end.
func TestStopKillsLongSpeech(t *testing.T) {
	s, _ := speaker(t)
	long := strings.Repeat("Dette er ein lang tekst som blir lesen opp for å prøve at opplesinga kan stoppast. ", 400)
	if err := s.Say(context.Background(), "nb", long); err != nil {
		t.Fatal(err)
	}
	if !s.Speaking() {
		t.Fatal("Say waited for the speech to end")
	}
	u := s.last
	stopped := make(chan struct{})
	go func() { s.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return")
	}
	if s.Speaking() {
		t.Fatal("still speaking after Stop")
	}
	st := u.cmd.ProcessState
	if st == nil {
		t.Fatal("the process has not ended")
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("espeak-ng was not killed: %v", st)
	}
	s.Stop() // nothing running: no-op
}

// A new Say stops the speech before it; cancelling the caller's context stops speech too.
func TestSayReplacesAndContextStops(t *testing.T) {
	s, _ := speaker(t)
	long := strings.Repeat("Kva kan eg hjelpe deg med i dag? ", 500)
	if err := s.Say(context.Background(), "nn", long); err != nil {
		t.Fatal(err)
	}
	first := s.last
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Say(ctx, "en", long); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.done:
	default:
		t.Fatal("the first speech still runs after a second Say")
	}
	cancel()
	waitDone(t, s)
	if s.Speaking() {
		t.Fatal("speaking after the context was cancelled")
	}
	if i := slices.Index(s.last.cmd.Args, "-v"); s.last.cmd.Args[i+1] != "en-gb" {
		t.Fatalf("English voice: %q", s.last.cmd.Args)
	}
}

// Without espeak-ng in PATH the speaker says it is unavailable and Say does nothing.
func TestUnavailable(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	s := New()
	if s.Available() {
		t.Fatal("available without espeak-ng")
	}
	if err := s.Say(context.Background(), "nb", "hei"); err != ErrUnavailable {
		t.Fatalf("Say = %v, want ErrUnavailable", err)
	}
	s.Stop()
	if s.Speaking() {
		t.Fatal("speaking")
	}
	var nilSpeaker *Speaker
	if nilSpeaker.Available() {
		t.Fatal("nil speaker available")
	}
}

func TestVoice(t *testing.T) {
	for lang, want := range map[string]string{"nn": "nb", "nb": "nb", "NB": "nb", "en": "en-gb", "": "en-gb"} {
		if got := Voice(lang); got != want {
			t.Errorf("Voice(%q) = %q, want %q", lang, got, want)
		}
	}
}
