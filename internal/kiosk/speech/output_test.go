package speech

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// pcm is a parsed 16-bit mono WAV.
type pcm struct {
	rate    int
	samples []int16
}

// parseWAV reads a RIFF/WAVE file of 16-bit mono PCM. A data chunk that claims more than the file holds (as
// espeak-ng --stdout writes, not knowing the length) is read to the end of the file.
func parseWAV(t *testing.T, b []byte) pcm {
	t.Helper()
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("not a RIFF/WAVE file: %d bytes, %q", len(b), b[:min(len(b), 12)])
	}
	var p pcm
	fmtSeen := false
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8:]
		if size < len(body) {
			body = body[:size]
		}
		switch id {
		case "fmt ":
			if len(body) < 16 {
				t.Fatalf("short fmt chunk")
			}
			format, ch := binary.LittleEndian.Uint16(body), binary.LittleEndian.Uint16(body[2:])
			bits := binary.LittleEndian.Uint16(body[14:])
			if format != 1 || ch != 1 || bits != 16 {
				t.Fatalf("not 16-bit mono PCM: format %d, %d channels, %d bits", format, ch, bits)
			}
			p.rate = int(binary.LittleEndian.Uint32(body[4:]))
			fmtSeen = true
		case "data":
			if !fmtSeen {
				t.Fatal("data before fmt")
			}
			p.samples = make([]int16, len(body)/2)
			for i := range p.samples {
				p.samples[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return p
		}
		off += 8 + size + size%2
	}
	t.Fatal("no data chunk")
	return p
}

// level is the RMS and the peak of the samples.
func (p pcm) level() (rms float64, peak int) {
	var sum float64
	for _, s := range p.samples {
		v := int(s)
		sum += float64(v * v)
		peak = max(peak, v, -v)
	}
	if len(p.samples) > 0 {
		rms = math.Sqrt(sum / float64(len(p.samples)))
	}
	return rms, peak
}

// notSilent fails unless the WAV file at path holds sound: an RMS of at least 300 and a peak of at least
// 2000 (of 32767); espeak-ng's speech at its default amplitude is far above that, silence is 0.
func notSilent(t *testing.T, path string) pcm {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p := parseWAV(t, b)
	rms, peak := p.level()
	if len(p.samples) == 0 || rms < 300 || peak < 2000 {
		t.Fatalf("%s is silent: %d samples, RMS %.0f, peak %d", filepath.Base(path), len(p.samples), rms, peak)
	}
	t.Logf("%s: %d samples at %d Hz, RMS %.0f, peak %d", filepath.Base(path), len(p.samples), p.rate, rms, peak)
	return p
}

// realEspeak is espeak-ng's path; the test skips without it (fails in CI, where scripts/deps.sh installs it).
func realEspeak(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath(Program)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("espeak-ng is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("espeak-ng is not installed")
	}
	return p
}

// fakeBin puts a shell script named name first in PATH.
func fakeBin(t *testing.T, name, script string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// blockingEspeak puts an espeak-ng first in PATH that speaks with the real one, except a text with BLOCK in
// it: then it blocks until it is killed (a speech that cannot end by itself during the test).
func blockingEspeak(t *testing.T) {
	real := realEspeak(t)
	fakeBin(t, Program, `text=$(cat)
case "$text" in *BLOCK*) exec sleep 600;; esac
printf '%s' "$text" | exec `+real+` "$@"`)
}

// fakeAplay puts an aplay first in PATH that writes its arguments (one a line) to dir/aplay.args and its
// standard input to dir/aplay.wav: the pipeline is tested without a sound card.
func fakeAplay(t *testing.T) string {
	dir := t.TempDir()
	fakeBin(t, Player, fmt.Sprintf(`printf '%%s\n' "$@" > %s/aplay.args
exec cat > %s/aplay.wav`, dir, dir))
	return dir
}

func wavFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	slices.Sort(m)
	return m
}

func closedNow(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// The tone is a valid 16-bit mono WAV of 250 ms at 880 Hz, faded in and out, loud enough and following the
// volume; nothing of it is measured in time, only in samples.
func TestToneWAV(t *testing.T) {
	p := parseWAV(t, ToneWAV(100))
	if p.rate != ToneSampleRate || len(p.samples) != ToneSampleRate/4 {
		t.Fatalf("%d samples at %d Hz, want %d at %d", len(p.samples), p.rate, ToneSampleRate/4, ToneSampleRate)
	}
	rms, peak := p.level()
	want := 0.4 * math.MaxInt16
	if math.Abs(float64(peak)-want) > want*0.01 {
		t.Fatalf("peak %d, want about %.0f", peak, want)
	}
	// A sine's RMS is its peak over √2; the 2 × 10 ms fades take a little off.
	if r := rms / (want / math.Sqrt2); r < 0.93 || r > 1.01 {
		t.Fatalf("RMS %.0f is %.2f of a full sine's", rms, r)
	}
	if p.samples[0] != 0 || p.samples[len(p.samples)-1] != 0 {
		t.Fatalf("no fade: first %d, last %d", p.samples[0], p.samples[len(p.samples)-1])
	}
	fade := ToneSampleRate / 100
	_, fadePeak := pcm{samples: p.samples[:fade/2]}.level()
	if fadePeak > peak/2+10 {
		t.Fatalf("the first 5 ms reach %d of %d: no fade in", fadePeak, peak)
	}
	crossings := 0
	for i := 1; i < len(p.samples); i++ {
		if (p.samples[i-1] < 0) != (p.samples[i] < 0) {
			crossings++
		}
	}
	if f := float64(crossings) / 2 / 0.25; math.Abs(f-ToneHz) > 8 {
		t.Fatalf("frequency %.0f Hz from %d zero crossings, want %d", f, crossings, ToneHz)
	}
	_, loud := parseWAV(t, ToneWAV(200)).level()
	_, soft := parseWAV(t, ToneWAV(10)).level()
	_, clamped := parseWAV(t, ToneWAV(1000)).level()
	if loud <= peak || soft >= peak || clamped != loud {
		t.Fatalf("volume: peak %d at 200 %%, %d at 100 %%, %d at 10 %%, %d at 1000 %%", loud, peak, soft, clamped)
	}
	t.Logf("tone: %d samples, RMS %.0f, peak %d, %d zero crossings", len(p.samples), rms, peak, crossings)
}

// With ToWAVDir a tone and three queued texts become four numbered files in the order asked, each with
// sound; Done closes only when the last of them has ended.
func TestQueueOrderToWAVDir(t *testing.T) {
	realEspeak(t)
	dir := t.TempDir()
	s := New(ToWAVDir(dir))
	ctx := context.Background()
	if err := s.Tone(ctx); err != nil {
		t.Fatal(err)
	}
	done := s.Done()
	for _, q := range []struct{ lang, text string }{
		{"nb", "Ja."},
		{"nn", "Trykk på F1 for å høyre kva som står på skjermen, og trykk ein gong til for å stoppe opplesinga."},
		{"en", "No."},
	} {
		if err := s.Queue(ctx, q.lang, q.text); err != nil {
			t.Fatal(err)
		}
	}
	waitDone(t, s)
	<-done
	if s.Speaking() {
		t.Fatal("Done closed while still speaking")
	}
	if st := s.last.cmd.ProcessState; st == nil || !st.Success() || s.last.file != filepath.Join(dir, "0004-speech.wav") {
		t.Fatalf("Done closed before the last queued utterance ended: %v, %s", st, s.last.file)
	}
	if args := s.last.cmd.Args; args[slices.Index(args, "-v")+1] != "en-gb" {
		t.Fatalf("the last utterance is not the English one: %q", args)
	}
	want := []string{"0001-tone.wav", "0002-speech.wav", "0003-speech.wav", "0004-speech.wav"}
	if got := wavFiles(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, want[0])); !bytes.Equal(b, ToneWAV(100)) {
		t.Fatal("0001-tone.wav is not the tone")
	}
	var n []int
	for _, f := range want {
		n = append(n, len(notSilent(t, filepath.Join(dir, f)).samples))
	}
	if n[2] <= n[1] || n[2] <= n[3] {
		t.Fatalf("the long sentence is not the second text: %v samples", n)
	}
}

// Stop kills what is spoken and drops the queue: nothing queued starts afterwards, and Done is closed when
// Stop returns. Say drops the queue too.
func TestStopAndSayDropTheQueue(t *testing.T) {
	blockingEspeak(t)
	dir := t.TempDir()
	s := New(ToWAVDir(dir))
	ctx := context.Background()
	if err := s.Say(ctx, "nb", "BLOCK"); err != nil {
		t.Fatal(err)
	}
	first := s.last
	for _, text := range []string{"Ein.", "To."} {
		if err := s.Queue(ctx, "nn", text); err != nil {
			t.Fatal(err)
		}
	}
	// Tone stops the speech and drops the queue too.
	if err := s.Tone(ctx); err != nil {
		t.Fatal(err)
	}
	if !closedNow(first.done) {
		t.Fatal("Tone did not stop the speech")
	}
	waitDone(t, s) // the tone (a file) ends by itself; nothing queued follows it
	if !s.last.tone {
		t.Fatal("something queued before the tone was spoken after it")
	}
	if err := s.Say(ctx, "nb", "BLOCK"); err != nil {
		t.Fatal(err)
	}
	first, done := s.last, s.Done()
	for _, text := range []string{"Ein.", "To."} {
		if err := s.Queue(ctx, "nn", text); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	queued := len(s.queue)
	s.mu.Unlock()
	if queued != 2 || closedNow(done) {
		t.Fatalf("queued %d, done %v", queued, closedNow(done))
	}
	s.Stop()
	if !closedNow(done) || !closedNow(s.Done()) || s.Speaking() {
		t.Fatal("Done not closed after Stop")
	}
	if s.last != first || len(s.queue) != 0 {
		t.Fatal("something queued started after Stop")
	}
	if ws, ok := first.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("not killed: %v", first.cmd.ProcessState)
	}
	// Say drops what was queued: only the new text is spoken.
	if err := s.Say(ctx, "nb", "BLOCK"); err != nil {
		t.Fatal(err)
	}
	blocked := s.last
	if err := s.Queue(ctx, "nn", "Dropped."); err != nil {
		t.Fatal(err)
	}
	if err := s.Say(ctx, "en", "Only this."); err != nil {
		t.Fatal(err)
	}
	if !closedNow(blocked.done) {
		t.Fatal("Say did not stop the speech before it")
	}
	s.mu.Lock()
	queued = len(s.queue)
	s.mu.Unlock()
	if queued != 0 {
		t.Fatalf("Say kept %d queued", queued)
	}
	waitDone(t, s)
	if got, want := wavFiles(t, dir), []string{"0002-tone.wav", "0005-speech.wav"}; !slices.Equal(got, want) {
		// Numbered as started: 1, 3 and 4 blocked (and write nothing), the dropped ones got no number.
		t.Fatalf("files %q, want %q", got, want)
	}
	notSilent(t, filepath.Join(dir, "0005-speech.wav"))
}

// Tone stops what is spoken; text queued after the tone is spoken after it.
func TestToneInterruptsAndQueueFollows(t *testing.T) {
	blockingEspeak(t)
	dir := t.TempDir()
	s := New(ToWAVDir(dir))
	ctx := context.Background()
	if err := s.Say(ctx, "nn", "BLOCK"); err != nil {
		t.Fatal(err)
	}
	first := s.last
	if err := s.Tone(ctx); err != nil {
		t.Fatal(err)
	}
	if ws, ok := first.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the speech was not stopped by Tone: %v", first.cmd.ProcessState)
	}
	if err := s.Queue(ctx, "nn", "Du blir logga ut om eit minutt."); err != nil {
		t.Fatal(err)
	}
	waitDone(t, s)
	if got, want := wavFiles(t, dir), []string{"0002-tone.wav", "0003-speech.wav"}; !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	notSilent(t, filepath.Join(dir, "0002-tone.wav"))
	notSilent(t, filepath.Join(dir, "0003-speech.wav"))
}

// Rate and volume reach espeak-ng as -s and -a, clamped to 80–450 words per minute and 10–200 %.
func TestRateAndVolumeArguments(t *testing.T) {
	realEspeak(t)
	arg := func(s *Speaker, flag string) string {
		t.Helper()
		if err := s.Say(context.Background(), "nb", "Hei."); err != nil {
			t.Fatal(err)
		}
		waitDone(t, s)
		if s.last.err != nil {
			t.Fatalf("espeak-ng failed: %v", s.last.err)
		}
		args := s.last.cmd.Args
		return args[slices.Index(args, flag)+1]
	}
	dir := t.TempDir()
	for _, c := range []struct {
		speed int
		want  string
	}{{0, "150"}, {-5, "150"}, {30, "80"}, {200, "200"}, {1000, "450"}} {
		s := New(ToWAVDir(dir), Speed(c.speed))
		if got := arg(s, "-s"); got != c.want || fmt.Sprint(s.Rate()) != c.want {
			t.Errorf("Speed(%d): -s %s, Rate %d, want %s", c.speed, got, s.Rate(), c.want)
		}
	}
	s := New(ToWAVDir(dir))
	if got := arg(s, "-a"); got != "100" || s.Volume() != 100 {
		t.Errorf("default volume -a %s", got)
	}
	for _, c := range []struct {
		set  int
		want string
	}{{10, "80"}, {80, "80"}, {175, "175"}, {450, "450"}, {9999, "450"}} {
		s.SetRate(c.set)
		if got := arg(s, "-s"); got != c.want {
			t.Errorf("SetRate(%d): -s %s, want %s", c.set, got, c.want)
		}
	}
	for _, c := range []struct {
		set  int
		want string
	}{{0, "10"}, {-3, "10"}, {10, "10"}, {150, "150"}, {200, "200"}, {500, "200"}} {
		s.SetVolume(c.set)
		if got := arg(s, "-a"); got != c.want || fmt.Sprint(s.Volume()) != c.want {
			t.Errorf("SetVolume(%d): -a %s, Volume %d, want %s", c.set, got, s.Volume(), c.want)
		}
	}
}

// With Device, espeak-ng writes to its standard output and aplay plays that on the device; the tone goes to
// aplay on the same device. A fake aplay records what it gets: no sound card is needed.
func TestDevicePipeline(t *testing.T) {
	realEspeak(t)
	out := fakeAplay(t)
	const dev = "plughw:CARD=Headset,DEV=0"
	s := New(Device(dev))
	text := "Velkommen til helsekiosken."
	if err := s.Say(context.Background(), "nb", text); err != nil {
		t.Fatal(err)
	}
	waitDone(t, s)
	u := s.last
	if u.err != nil || u.play == nil {
		t.Fatalf("pipeline: err %v, aplay %v", u.err, u.play)
	}
	if !slices.Contains(u.cmd.Args, "--stdout") || slices.Contains(u.cmd.Args, "-w") {
		t.Fatalf("espeak-ng args %q", u.cmd.Args)
	}
	for _, a := range append(slices.Clone(u.cmd.Args), u.play.Args...) {
		if strings.Contains(a, "Velkommen") {
			t.Fatalf("the text is on a command line: %q", a)
		}
	}
	wantArgs := "-q\n-D\n" + dev + "\n-\n"
	if b, _ := os.ReadFile(filepath.Join(out, "aplay.args")); string(b) != wantArgs {
		t.Fatalf("aplay args %q, want %q", b, wantArgs)
	}
	notSilent(t, filepath.Join(out, "aplay.wav"))

	s.SetVolume(150)
	if err := s.Tone(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, s)
	if b, _ := os.ReadFile(filepath.Join(out, "aplay.args")); string(b) != wantArgs {
		t.Fatalf("tone: aplay args %q, want %q", b, wantArgs)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "aplay.wav")); !bytes.Equal(b, ToneWAV(150)) {
		t.Fatalf("tone: aplay got %d bytes, not the tone", len(b))
	}

	// Without a device the tone goes to aplay's default output; espeak-ng would play the speech itself.
	d := New()
	if err := d.Tone(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, d)
	if b, _ := os.ReadFile(filepath.Join(out, "aplay.args")); string(b) != "-q\n-\n" {
		t.Fatalf("tone without device: aplay args %q", b)
	}
}

// Stop ends both processes of the pipeline.
func TestStopEndsPipeline(t *testing.T) {
	blockingEspeak(t)
	fakeAplay(t)
	s := New(Device("hw:1"))
	if err := s.Say(context.Background(), "nb", "BLOCK"); err != nil {
		t.Fatal(err)
	}
	u := s.last
	s.Stop()
	if u.cmd.ProcessState == nil || u.play.ProcessState == nil {
		t.Fatalf("Stop returned before the processes ended: %v, %v", u.cmd.ProcessState, u.play.ProcessState)
	}
	if ws, ok := u.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("espeak-ng not killed: %v", u.cmd.ProcessState)
	}
}

// Without aplay the tone (and speech on a device) fails, while espeak-ng alone still makes the speaker
// available.
func TestNoPlayer(t *testing.T) {
	real := realEspeak(t)
	dir := t.TempDir()
	if err := os.Symlink(real, filepath.Join(dir, Program)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	s := New()
	if !s.Available() {
		t.Fatal("not available with espeak-ng")
	}
	if err := s.Tone(context.Background()); !errors.Is(err, ErrNoPlayer) {
		t.Fatalf("Tone = %v, want ErrNoPlayer", err)
	}
	if err := New(Device("hw:1")).Say(context.Background(), "nb", "Hei."); !errors.Is(err, ErrNoPlayer) {
		t.Fatalf("Say on a device = %v, want ErrNoPlayer", err)
	}
	// A tone to a WAV file needs no player.
	w := New(ToWAVDir(t.TempDir()))
	if err := w.Tone(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, w)
}

// Say, Queue, Tone, Stop, Done and the setters from many goroutines at once (run with -race): afterwards
// Stop leaves nothing spoken and Done closed.
func TestConcurrentUse(t *testing.T) {
	fakeBin(t, Program, "exec cat >/dev/null")
	s := New(ToWAVDir(t.TempDir()))
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 15 {
				switch (g + i) % 6 {
				case 0:
					_ = s.Say(ctx, "nb", "a")
				case 1, 2:
					_ = s.Queue(ctx, "nn", "b")
				case 3:
					_ = s.Tone(ctx)
				case 4:
					s.Stop()
				case 5:
					s.SetRate(100 + i)
					s.SetVolume(50 + i)
					_, _ = s.Rate(), s.Volume()
					_ = s.Speaking()
					<-s.Done() // cannot hang: the fake ends at once
				}
			}
		})
	}
	wg.Wait()
	s.Stop()
	if s.Speaking() || !closedNow(s.Done()) {
		t.Fatal("speaking after Stop")
	}
	waitDone(t, s)
}

// A nil *Speaker is silent and safe to stop (the UI holds one when speech is off).
func TestNilSpeaker(t *testing.T) {
	var s *Speaker
	s.Stop()
	s.SetRate(200)
	s.SetVolume(50)
	if s.Available() || s.Speaking() || !closedNow(s.Done()) || s.Rate() != DefaultRate || s.Volume() != DefaultVolume {
		t.Fatal("nil speaker")
	}
	if err := s.Say(context.Background(), "nb", "x"); err != ErrUnavailable {
		t.Fatal(err)
	}
	if err := s.Tone(context.Background()); err != ErrUnavailable {
		t.Fatal(err)
	}
}
