package launch

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestPrepareStartsTheDemoBackend: with no API the kiosk gets a loopback URL at once; a request sent
// before StartDemo waits in the listen queue and is answered by the demo backend once it has started.
func TestPrepareStartsTheDemoBackend(t *testing.T) {
	dir := t.TempDir()
	var log strings.Builder
	s, err := Prepare([]string{"--config-dir", dir}, env(nil), &log)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Config.Demo || !strings.HasPrefix(s.Config.API, "http://127.0.0.1:") || s.Store == nil {
		t.Fatalf("setup = %+v", s)
	}
	c, err := client.New(s.Config.API)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type answer struct {
		h   *api.Health
		err error
	}
	answered := make(chan answer, 1)
	go func() {
		h, err := c.Health(ctx)
		answered <- answer{h, err}
	}()
	s.StartDemo()
	s.StartDemo() // once only
	<-s.DemoReady()
	a := <-answered
	if a.err != nil || a.h.Demo == nil || !*a.h.Demo {
		t.Fatalf("health = %+v, %v", a.h, a.err)
	}
	s.Close()
	if _, err := http.Get(s.Config.API + "/v1/health"); err == nil {
		t.Error("the demo backend still answers after Close")
	}
}

// TestPrepareWithAPI: a configured API starts no backend; saved staff settings are a layer under flags.
func TestPrepareWithAPI(t *testing.T) {
	dir := t.TempDir()
	s, err := Prepare([]string{"--config-dir", dir, "--api", "https://helse.example.no"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Config.Demo || s.Config.API != "https://helse.example.no" {
		t.Fatalf("config = %+v", s.Config)
	}
	s.StartDemo() // no demo backend: DemoReady is closed at once
	<-s.DemoReady()
	if _, err := filepath.Glob(filepath.Join(dir, "*")); err != nil {
		t.Fatal(err)
	}
}

func TestPrepareRefusesBadFlags(t *testing.T) {
	if _, err := Prepare([]string{"--api", "http://helse.example.no"}, env(nil), io.Discard); err == nil {
		t.Fatal("an http:// URL off loopback was accepted")
	}
	if _, err := Prepare([]string{"--lang", "sv"}, env(nil), io.Discard); err == nil {
		t.Fatal("an unknown language was accepted")
	}
}

// TestDemoSecret: each demo start makes its own secret; until the backend takes kiosk clients the demo
// kiosk gets none (it would send a secret nobody checks), and a secret never shows in the setup's print.
func TestDemoSecret(t *testing.T) {
	a, b := newDemoSecret(), newDemoSecret()
	if len(a) < 26 || a == b {
		t.Fatalf("demo secrets %q, %q", a, b)
	}
	s, err := Prepare([]string{"--config-dir", t.TempDir()}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var cfg backend.Config
	registered := registerDemoKiosk(&cfg, s.Config.ClientID, a, "Helsekiosk", "")
	if got := s.Config.ClientSecret.Reveal(); (got != "") != registered {
		t.Errorf("registered %v but the kiosk's secret is %q", registered, got)
	}
	if s.Config.ClientID != client.ClientID {
		t.Errorf("demo client id = %q", s.Config.ClientID)
	}
}

// needEspeak skips without espeak-ng (in CI, where scripts/deps.sh installs it, it fails).
func needEspeak(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("espeak-ng is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("espeak-ng is not installed")
	}
}

// TestPrepareSpeaker: the speaker gets the configured rate and volume and plays on the configured ALSA
// device through aplay (a fake aplay records its arguments: no sound card needed).
func TestPrepareSpeaker(t *testing.T) {
	needEspeak(t)
	bin := t.TempDir()
	args := filepath.Join(bin, "aplay.args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + args + "\ncat >/dev/null\n"
	if err := os.WriteFile(filepath.Join(bin, "aplay"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	s, err := Prepare([]string{"--config-dir", t.TempDir(), "--api", "https://helse.example.no", "--speech-rate", "190",
		"--speech-device", "plughw:CARD=Headset,DEV=0"}, env(map[string]string{"HELSEKIOSK_SPEECH_VOLUME": "130"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sp := s.Speaker
	if !sp.Available() || sp.Rate() != 190 || sp.Volume() != 130 {
		t.Fatalf("speaker: available %v, rate %d, volume %d", sp.Available(), sp.Rate(), sp.Volume())
	}
	if err := sp.Say(context.Background(), "nn", "Hei."); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sp.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("speech did not end")
	}
	if b, err := os.ReadFile(args); err != nil || string(b) != "-q\n-D\nplughw:CARD=Headset,DEV=0\n-\n" {
		t.Fatalf("aplay args %q, %v", b, err)
	}
}

// TestPrepareSpeechToWAV: --speech-to-wav DIR (for tests) makes DIR and writes each utterance there as a
// numbered WAV file instead of playing it.
func TestPrepareSpeechToWAV(t *testing.T) {
	needEspeak(t)
	dir := filepath.Join(t.TempDir(), "wav")
	s, err := Prepare([]string{"--config-dir", t.TempDir(), "--api", "https://helse.example.no", "--speech-to-wav", dir,
		"--speech-device", "hw:7"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Speaker.Tone(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Speaker.Queue(ctx, "nb", "Velkommen."); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Speaker.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("speech did not end")
	}
	for _, f := range []string{"0001-tone.wav", "0002-speech.wav"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() <= 44 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
