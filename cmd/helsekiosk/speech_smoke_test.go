package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	"github.com/helsekiosk/helsekiosk/locales"
)

// TestSpeechGuidanceSmoke is issue 13's proof: speech guidance in the real binary, driven by the keyboard
// alone. On a private Xvfb the demo kiosk (--lang nn) runs with --speech-to-wav DIR, so espeak-ng writes each
// utterance to its own numbered WAV file (0001-speech.wav, ...) instead of playing it. xdotool presses F1
// (speech guidance on), Tab and Return to «Logg inn», Tab Tab Return to the demo person Ingrid Haugen, Tab ×4
// and Return to the tile «Meldingar». The test waits on the WAV files (each key's utterance is written before
// the next key is pressed, so no speech is cut off) and then checks that every step spoke: each file is a
// complete WAV that sox reads, longer than 0.2 s and not silent (RMS amplitude above 0.01). It fails when
// F1's own message («Talerettleiinga er på …») is not among them, when the session did not start or ended
// (a Tab order that has moved makes Return hit another control), and when anything spoken shows up in the
// kiosk's output or its configuration directory (the store): speech is never logged.
//
// The Tab order used (speech guidance on, 1280x800, nothing focused when a screen opens): welcome: Logg inn;
// login: Avbryt, then the demo persons (Ingrid Haugen first); home: Be om hjelp, Aa · Språk, Logg ut,
// Meldingar. ui/taborder_test.go keeps it in reading order.
//
// Without Xvfb, xdotool, espeak-ng or sox the test is skipped, except when CI=true (scripts/deps.sh --test
// installs them): there it fails.
func TestSpeechGuidanceSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test builds and starts the kiosk; skipped with -short")
	}
	need := needTool(t)
	xvfb, xdotool, sox, imp := need("Xvfb"), need("xdotool"), need("sox"), need("import")
	need("espeak-ng") // the kiosk finds it in PATH
	windowFound := windowProbe(t, need)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bin := buildKiosk(ctx, t)
	display := startXvfb(t, xvfb)

	var out lockedBuffer
	dir, wavDir := t.TempDir(), t.TempDir()
	began := time.Now()
	kiosk := exec.Command(bin, "--lang", "nn", "--config-dir", dir, "--speech-to-wav", wavDir,
		"--guide-hint-every", "0") // no spoken hint on the welcome screen: only the steps' speech is numbered
	kiosk.Env = kioskEnv(t, display)
	kiosk.Stdout, kiosk.Stderr = &out, &out
	if err := kiosk.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- kiosk.Wait() }()
	t.Cleanup(func() { _ = kiosk.Process.Kill(); <-exited })

	// poll calls done every 100 ms until it reports true; the kiosk dying or 30 s passing fails the test.
	poll := func(what string, done func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !done() {
			select {
			case err := <-exited:
				exited <- err
				t.Fatalf("helsekiosk died waiting for %s (%v); output:\n%s", what, err, out.String())
			case <-ctx.Done():
				t.Fatalf("test deadline reached waiting for %s; output:\n%s", what, out.String())
			case <-time.After(100 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s after 30 s; WAV files: %v; output:\n%s", what, wavNames(wavDir), out.String())
			}
		}
	}
	poll("window named Helsekiosk", func() bool { return windowFound(display) })
	// The window exists before the kiosk draws into it and reads keys: wait for the first frame, the DEMO
	// banner's orange at the top of the screen (a key pressed before it is lost).
	poll("first frame (the DEMO banner)", func() bool { return demoBannerShown(imp, display) })
	t.Logf("window drawn after %v", time.Since(began).Round(100*time.Millisecond))

	// A step presses keys, one at a time, each followed by the speech it causes: after key i the file
	// numbered want[i] (counted from the last number before the step) must be complete.
	type step struct {
		name        string
		first, last int // the file numbers that appeared during the step
	}
	var steps []step
	seq := 0
	press := func(name string, keys []string, want []int) {
		t.Helper()
		st := step{name: name, first: seq + 1}
		base := seq
		for i, k := range keys {
			cmd := exec.Command(xdotool, "key", k)
			cmd.Env = append(os.Environ(), "DISPLAY="+display)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("xdotool key %s: %v: %s", k, err, b)
			}
			n := base + want[i]
			poll(fmt.Sprintf("speech %04d (%s, after key %s)", n, name, k), func() bool { return wavComplete(wavDir, n) })
			seq = n
		}
		st.last = seq
		steps = append(steps, st)
		t.Logf("%-36s %-20s files %04d–%04d at %v", name, strings.Join(keys, " "), st.first, st.last,
			time.Since(began).Round(100*time.Millisecond))
	}
	// F1: «Talerettleiinga er på …», then the welcome screen's announcement (two utterances).
	press("guidance on + welcome screen", []string{"F1"}, []int{2})
	press("focus: Logg inn", []string{"Tab"}, []int{1})
	// Return: the login screen's announcement, then the login code (queued when the code has come, with the
	// demo buttons).
	press("login screen + code", []string{"Return"}, []int{2})
	press("focus: Avbryt, Ingrid Haugen", []string{"Tab", "Tab"}, []int{1, 2})
	// Return: the demo approves the code, the phone's poll sees it (a few seconds), "Lastar …", then home.
	press("log in: loading + home", []string{"Return"}, []int{2})
	press("focus: 3 top-bar buttons, Meldingar", []string{"Tab", "Tab", "Tab", "Tab"}, []int{1, 2, 3, 4})
	press("inbox", []string{"Return"}, []int{1})
	t.Logf("the visit took %v from start", time.Since(began).Round(100*time.Millisecond))

	// F1's own message must have been spoken: it is the first utterance, before the welcome announcement.
	if !wavComplete(wavDir, 1) {
		t.Errorf("F1's message «Talerettleiinga er på …» (utterance 0001) was not spoken: no complete 0001-*.wav "+
			"(files: %v); the welcome screen's announcement (0002) stopped it before espeak-ng wrote it "+
			"(ui/guide.go startGuide: speak(GuideStarted), then announceScreen's speak stops it)", wavNames(wavDir))
	}

	// Every file written: valid, long enough, not silent.
	stepOf := func(n int) string {
		for _, s := range steps {
			if n >= s.first && n <= s.last {
				return s.name
			}
		}
		return "after the steps"
	}
	heard := map[string]bool{}
	var table strings.Builder
	fmt.Fprintf(&table, "%-16s %-36s %8s %8s %8s\n", "file", "step", "length", "RMS", "max")
	for _, name := range wavNames(wavDir) {
		path := filepath.Join(wavDir, name)
		n, _ := strconv.Atoi(name[:4])
		if !wavComplete(wavDir, n) {
			// Only speech that a newer utterance stopped is cut off; every step's last one was awaited.
			fmt.Fprintf(&table, "%-16s %-36s cut off (header not finalised)\n", name, stepOf(n))
			if n == steps[len(steps)-1].last {
				t.Errorf("%s: the inbox's announcement is not a complete WAV", name)
			}
			continue
		}
		length, rms, peak, err := soxStat(sox, path)
		fmt.Fprintf(&table, "%-16s %-36s %7.2fs %8.4f %8.4f\n", name, stepOf(n), length, rms, peak)
		switch {
		case err != nil:
			t.Errorf("%s: sox cannot read it: %v", name, err)
		case length <= 0.2 || rms <= 0.01:
			t.Errorf("%s (%s): silent or too short: %.2f s, RMS amplitude %.4f", name, stepOf(n), length, rms)
		default:
			heard[stepOf(n)] = true
		}
	}
	t.Logf("speech written by the kiosk:\n%s", table.String())
	for _, s := range steps {
		if !heard[s.name] {
			t.Errorf("step %q: no audible speech among its files %04d–%04d", s.name, s.first, s.last)
		}
	}

	// The session started and is still on: Return hit Ingrid Haugen's button and then Meldingar, not Logg ut.
	if err := kiosk.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("helsekiosk after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("helsekiosk still runs 20 s after SIGTERM; output:\n%s", out.String())
	}
	entries := opsLog(t, dir, 50)
	var started bool
	var kinds []string
	for _, e := range slices.Backward(entries) {
		kinds = append(kinds, strings.TrimSuffix(string(e.Kind)+" "+e.Detail, " "))
	}
	t.Logf("operations log: %s", strings.Join(kinds, ", "))
	for _, e := range entries {
		started = started || e.Kind == store.SessionStarted
		if e.Kind == store.SessionEnded && e.Detail != "exit" { // "exit": SIGTERM ended the visit with the kiosk
			t.Errorf("the session ended (%q) during the visit: a Return hit another control than meant; log: %+v", e.Detail, entries)
		}
	}
	if !started {
		t.Errorf("the operations log shows no session: the demo login did not happen; log: %+v", entries)
	}

	// Nothing spoken is logged: no guidance message in the kiosk's output or in its configuration directory.
	spoken := guideTexts(t)
	var logged [][]byte
	logged = append(logged, []byte(out.String()))
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if b, err := os.ReadFile(path); err == nil {
				logged = append(logged, b)
			}
		}
		return nil
	})
	for _, text := range spoken {
		for i, b := range logged {
			if bytes.Contains(b, []byte(text)) {
				where := "the kiosk's output"
				if i > 0 {
					where = "a file in its configuration directory"
				}
				t.Errorf("spoken text %q found in %s", text, where)
			}
		}
	}
	t.Logf("checked %d spoken texts against the output (%d bytes) and %d files of the configuration directory; whole test %v",
		len(spoken), len(logged[0]), len(logged)-1, time.Since(began).Round(100*time.Millisecond))
	if t.Failed() {
		t.Logf("helsekiosk output:\n%s", out.String())
	}
}

// demoBannerShown reports whether the top of the screen shows the DEMO banner's orange: one pixel of the root
// window read with ImageMagick's import.
func demoBannerShown(imp, display string) bool {
	cmd := exec.Command(imp, "-window", "root", "-crop", "1x1+640+8", "-depth", "8", "rgb:-")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	px, err := cmd.Output()
	if err != nil || len(px) < 3 {
		return false
	}
	r, g, b := int(px[0]), int(px[1]), int(px[2])
	return r > 200 && g > 100 && g < 220 && b < 100 // kt.Colors().Demo is an amber
}

// wavNames lists the WAV files in dir, sorted ("0001-speech.wav", ...).
func wavNames(dir string) []string {
	names, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9][0-9]-*.wav"))
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	slices.Sort(names)
	return names
}

// wavComplete reports whether utterance n's file (speech or tone) is in dir and complete: a RIFF/WAVE file
// whose sizes are final. espeak-ng -w writes placeholder sizes first and the real ones when it closes the
// file, so a file it is still writing, or was stopped while writing, is not complete.
func wavComplete(dir string, n int) bool {
	matches, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("%04d-*.wav", n)))
	if len(matches) != 1 {
		return false
	}
	b, err := os.ReadFile(matches[0])
	if err != nil || len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return false
	}
	return int(binary.LittleEndian.Uint32(b[4:8])) == len(b)-8
}

var soxField = regexp.MustCompile(`(?m)^(Length \(seconds\)|RMS\s+amplitude|Maximum amplitude):\s+([0-9.eE+-]+)`)

// soxStat reads a WAV file with sox (sox FILE -n stat, which reports on stderr): its length in seconds and
// its RMS and maximum amplitude (full scale 1).
func soxStat(sox, path string) (length, rms, peak float64, err error) {
	var stderr bytes.Buffer
	cmd := exec.Command(sox, path, "-n", "stat")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, 0, fmt.Errorf("%v: %s", err, stderr.String())
	}
	found := map[string]float64{}
	for _, m := range soxField.FindAllStringSubmatch(stderr.String(), -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("sox stat %s: %q: %v", path, m[0], err)
		}
		found[strings.Join(strings.Fields(m[1]), " ")] = v
	}
	if len(found) != 3 {
		return 0, 0, 0, fmt.Errorf("sox stat %s: no length, RMS or maximum amplitude in:\n%s", path, stderr.String())
	}
	return found["Length (seconds)"], found["RMS amplitude"], found["Maximum amplitude"], nil
}

// guideTexts are the nynorsk speech guidance messages (Guide*, plural forms too), each up to its first
// template field and only when at least 15 characters long: texts the kiosk speaks and must never log.
func guideTexts(t *testing.T) []string {
	t.Helper()
	b, err := locales.File("nn")
	if err != nil {
		t.Fatal(err)
	}
	var msgs map[string]any
	if err := toml.Unmarshal(b, &msgs); err != nil {
		t.Fatal(err)
	}
	var out []string
	add := func(s string) {
		s, _, _ = strings.Cut(s, "{{")
		if s = strings.TrimSpace(s); len([]rune(s)) >= 15 {
			out = append(out, s)
		}
	}
	for id, v := range msgs {
		if !strings.HasPrefix(id, "Guide") {
			continue
		}
		switch v := v.(type) {
		case string:
			add(v)
		case map[string]any:
			for _, p := range v {
				if s, ok := p.(string); ok {
					add(s)
				}
			}
		}
	}
	slices.Sort(out)
	if len(out) < 10 {
		t.Fatalf("only %d guidance messages found in active.nn.toml", len(out))
	}
	return out
}
