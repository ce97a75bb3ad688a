// Package speech reads text aloud with espeak-ng (Debian package espeak-ng), and sounds the guidance tone.
//
// The text goes to espeak-ng on its standard input, never on the command line (where any user of the machine
// could read it in the process list), and it is never logged nor written to disk (except to the WAV files a
// test asks for with ToWAV or ToWAVDir). Norwegian is spoken with espeak-ng's bokmål voice "nb", which has no
// nynorsk sibling; English with "en-gb".
//
// By default espeak-ng plays the speech itself, on the default output. With Device (a headset socket, for
// speech guidance of blind citizens) espeak-ng writes the sound to a pipe instead (--stdout) and aplay
// (Debian package alsa-utils) plays it on that ALSA device. The tone is a WAV made here in memory and played
// with aplay, on the device when one is set, else on the default one.
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
	"strconv"
	"strings"
	"sync"
	"time"
)

// Program is the name of the speech program looked up in PATH.
const Program = "espeak-ng"

// Player is the name of the program that plays the tone, and the speech on a configured device (alsa-utils).
const Player = "aplay"

// ErrUnavailable is Say's error when espeak-ng is not installed.
var ErrUnavailable = errors.New("speech: espeak-ng is not installed")

// ErrNoPlayer is the error when aplay is needed (for the tone, or for speech on a configured device) and is
// not installed.
var ErrNoPlayer = errors.New("speech: aplay is not installed (Debian package alsa-utils)")

// Rate and volume limits and defaults (words per minute; percent of espeak-ng's default amplitude).
const (
	DefaultRate   = 150
	MinRate       = 80
	MaxRate       = 450
	DefaultVolume = 100
	MinVolume     = 10
	MaxVolume     = 200
)

// The tone: 880 Hz for 250 ms, faded in and out over 10 ms, 16-bit mono PCM at espeak-ng's sample rate.
const (
	ToneHz         = 880
	ToneDuration   = 250 * time.Millisecond
	ToneFade       = 10 * time.Millisecond
	ToneSampleRate = 22050
)

// Speaker speaks one text at a time, and queues what should follow it. Its methods may be called from any
// goroutine; a nil *Speaker is a speaker that is not available.
type Speaker struct {
	path   string // espeak-ng's path; "" when it is not installed
	player string // aplay's path; "" when it is not installed
	device string // ALSA device for aplay (-D); "" = espeak-ng plays the speech itself, the tone goes to the default device
	wav    string // when set, speech and tones are written to this WAV file instead of being played
	wavDir string // when set, every utterance and tone is written to its own numbered WAV file here

	mu     sync.Mutex
	speed  int    // words per minute
	volume int    // espeak-ng amplitude, 10–200 (100 is espeak-ng's default)
	queue  []item // what Queue asked to speak after the current utterance
	cur    *utterance
	last   *utterance    // the most recent utterance, running or ended (tests read its exit state)
	idle   chan struct{} // closed when cur and queue are both empty again; nil while nothing is spoken
	seq    int           // the last file number in wavDir
}

// item is a tone or a text waiting for the current utterance to end.
type item struct {
	ctx        context.Context
	tone       bool
	lang, text string
}

// utterance is one text being spoken or one tone being sounded: its processes, or none for a tone written
// to a file.
type utterance struct {
	tone   bool
	file   string    // the WAV file written (ToWAV, ToWAVDir), else ""
	cmd    *exec.Cmd // espeak-ng (nil for a tone)
	play   *exec.Cmd // aplay (nil when espeak-ng plays itself or writes a file)
	cancel context.CancelFunc
	done   chan struct{} // closed when the processes have ended
	err    error         // the first Wait error, set before done is closed
}

// Option changes a Speaker.
type Option func(*Speaker)

// ToWAV writes speech (espeak-ng -w FILE) and tones to one WAV file instead of playing them; each utterance
// replaces the one before. For tests.
func ToWAV(path string) Option { return func(s *Speaker) { s.wav = path } }

// ToWAVDir writes every utterance and every tone to its own numbered file in dir (0001-speech.wav,
// 0002-tone.wav, ...) instead of playing them. For tests (the kiosk's --speech-to-wav); dir must exist.
func ToWAVDir(dir string) Option { return func(s *Speaker) { s.wavDir = dir } }

// Speed sets the speed in words per minute (espeak-ng's default is 175; the kiosk speaks a little slower):
// 0 or less is the default, 150; others are clamped to 80–450.
func Speed(wpm int) Option { return func(s *Speaker) { s.speed = wpm } }

// Device plays speech and tones with aplay on the ALSA device name (aplay -D NAME, e.g. a headset socket);
// "" keeps the default output (espeak-ng plays the speech itself).
func Device(name string) Option { return func(s *Speaker) { s.device = strings.TrimSpace(name) } }

// New returns a Speaker; Available says whether it can speak.
func New(opts ...Option) *Speaker {
	s := &Speaker{speed: DefaultRate, volume: DefaultVolume}
	if p, err := exec.LookPath(Program); err == nil {
		s.path = p
	}
	if p, err := exec.LookPath(Player); err == nil {
		s.player = p
	}
	for _, o := range opts {
		o(s)
	}
	if s.speed <= 0 {
		s.speed = DefaultRate
	}
	s.speed = clampRate(s.speed)
	return s
}

func clampRate(wpm int) int   { return min(max(wpm, MinRate), MaxRate) }
func clampVolume(pct int) int { return min(max(pct, MinVolume), MaxVolume) }

// Available says whether espeak-ng is installed; when it is not, the UI hides its read-aloud buttons. It does
// not depend on aplay.
func (s *Speaker) Available() bool { return s != nil && s.path != "" }

// Voice is the espeak-ng voice for a kiosk language: "nn" and "nb" are spoken with "nb", "en" with "en-gb".
func Voice(lang string) string {
	switch strings.ToLower(lang) {
	case "nb", "nn", "no", "nb-no", "nn-no":
		return "nb"
	}
	return "en-gb"
}

// Say starts speaking text in lang ("nn", "nb" or "en") and returns at once, without waiting for the speech:
// it never blocks the caller (the UI goroutine). Speech already running is stopped first, and what was queued
// is dropped. Speech ends by itself, at Stop, or when ctx is cancelled.
func (s *Speaker) Say(ctx context.Context, lang, text string) error {
	if !s.Available() {
		return ErrUnavailable
	}
	if s.device != "" && s.player == "" && !s.toFile() {
		return ErrNoPlayer
	}
	s.stopAndLock()
	defer s.mu.Unlock()
	return s.begin(item{ctx: ctx, lang: lang, text: text})
}

// Queue speaks text after what is being spoken now (and what was queued before it); at once when nothing
// is. Like Say it returns at once. Stop and Say drop what is queued.
func (s *Speaker) Queue(ctx context.Context, lang, text string) error {
	if !s.Available() {
		return ErrUnavailable
	}
	if s.device != "" && s.player == "" && !s.toFile() {
		return ErrNoPlayer
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		s.queue = append(s.queue, item{ctx: ctx, lang: lang, text: text})
		return nil
	}
	return s.begin(item{ctx: ctx, lang: lang, text: text})
}

// Tone sounds a short tone (880 Hz, 250 ms) through the same output as the speech, stopping what is spoken
// and dropping what was queued; text queued after it follows it. Like Say it returns at once. Without aplay
// it returns ErrNoPlayer (unless the tone goes to a WAV file).
func (s *Speaker) Tone(ctx context.Context) error {
	if !s.Available() {
		return ErrUnavailable
	}
	if s.player == "" && !s.toFile() {
		return ErrNoPlayer
	}
	s.stopAndLock()
	defer s.mu.Unlock()
	return s.begin(item{ctx: ctx, tone: true})
}

// SetRate sets the speed in words per minute for what is spoken next (clamped to 80–450).
func (s *Speaker) SetRate(wpm int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.speed = clampRate(wpm)
}

// Rate is the speed in words per minute.
func (s *Speaker) Rate() int {
	if s == nil {
		return DefaultRate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.speed
}

// SetVolume sets the volume in percent of espeak-ng's default for what is spoken next (clamped to 10–200);
// the tone follows it too.
func (s *Speaker) SetVolume(pct int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.volume = clampVolume(pct)
}

// Volume is the volume in percent of espeak-ng's default.
func (s *Speaker) Volume() int {
	if s == nil {
		return DefaultVolume
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.volume
}

func (s *Speaker) toFile() bool { return s.wav != "" || s.wavDir != "" }

// begin starts it as the current utterance, with s.mu held; nothing is current. Queued items start here
// too, from the goroutine that saw the one before end, so Stop (which empties the queue under s.mu first)
// never misses one.
func (s *Speaker) begin(it item) error {
	u, err := s.launch(it)
	if err != nil {
		if s.cur == nil && len(s.queue) == 0 && s.idle != nil {
			close(s.idle)
			s.idle = nil
		}
		return err
	}
	s.cur, s.last = u, u
	if s.idle == nil {
		s.idle = make(chan struct{})
	}
	go s.wait(u)
	return nil
}

// launch starts the processes for it (s.mu held).
func (s *Speaker) launch(it item) (*utterance, error) {
	ctx, cancel := context.WithCancel(it.ctx)
	u := &utterance{tone: it.tone, cancel: cancel, done: make(chan struct{})}
	u.file = s.wav
	if s.wavDir != "" {
		s.seq++
		kind := "speech"
		if it.tone {
			kind = "tone"
		}
		u.file = filepath.Join(s.wavDir, fmt.Sprintf("%04d-%s.wav", s.seq, kind))
	}
	var err error
	if it.tone {
		err = s.launchTone(ctx, u)
	} else {
		err = s.launchSpeech(ctx, u, it.lang, it.text)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return u, nil
}

// launchTone writes the tone to u.file, or starts aplay reading it from its standard input.
func (s *Speaker) launchTone(ctx context.Context, u *utterance) error {
	wav := ToneWAV(s.volume)
	if u.file != "" {
		return os.WriteFile(u.file, wav, 0o600)
	}
	if s.player == "" {
		return ErrNoPlayer
	}
	u.play = s.aplay(ctx)
	u.play.Stdin = bytes.NewReader(wav)
	return u.play.Start()
}

// launchSpeech starts espeak-ng for text, writing to u.file, playing itself, or piped into aplay.
func (s *Speaker) launchSpeech(ctx context.Context, u *utterance, lang, text string) error {
	args := []string{"-v", Voice(lang), "-s", strconv.Itoa(s.speed), "-a", strconv.Itoa(s.volume), "-b", "1", "--stdin"}
	piped := u.file == "" && s.device != ""
	switch {
	case u.file != "":
		args = append(args, "-w", u.file)
	case piped:
		if s.player == "" {
			return ErrNoPlayer
		}
		args = append(args, "--stdout")
	}
	u.cmd = exec.CommandContext(ctx, s.path, args...)
	u.cmd.Stdin = strings.NewReader(text) // copied by exec's own goroutine: Start does not wait for it
	u.cmd.Stdout, u.cmd.Stderr = nil, nil // discarded: nothing from the process is logged
	u.cmd.WaitDelay = time.Second
	if !piped {
		return u.cmd.Start()
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close() // the children hold their own copies
	defer w.Close()
	u.cmd.Stdout = w
	u.play = s.aplay(ctx)
	u.play.Stdin = r
	if err := u.play.Start(); err != nil {
		return err
	}
	if err := u.cmd.Start(); err != nil {
		u.cancel() // aplay ends
		_ = u.play.Wait()
		return err
	}
	return nil
}

// aplay is the aplay command reading a WAV from its standard input, on the device when one is set.
func (s *Speaker) aplay(ctx context.Context) *exec.Cmd {
	args := []string{"-q"}
	if s.device != "" {
		args = append(args, "-D", s.device)
	}
	cmd := exec.CommandContext(ctx, s.player, append(args, "-")...)
	cmd.Stdout, cmd.Stderr = nil, nil
	cmd.WaitDelay = time.Second
	return cmd
}

// wait waits for u's processes, then starts what is queued next, or marks the speaker idle.
func (s *Speaker) wait(u *utterance) {
	for _, c := range []*exec.Cmd{u.cmd, u.play} {
		if c != nil {
			if err := c.Wait(); err != nil && u.err == nil {
				u.err = err
			}
		}
	}
	u.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Closed last, when the next utterance has started or Done's channel is closed: Stop returns on it,
	// and then Done and Speaking already tell the state after it.
	defer close(u.done)
	if s.cur != u {
		return
	}
	s.cur = nil
	for len(s.queue) > 0 {
		next := s.queue[0]
		s.queue = s.queue[1:]
		if next.ctx.Err() == nil && s.begin(next) == nil {
			return
		}
	}
	if s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
}

// Speaking says whether speech (or the tone) is running.
func (s *Speaker) Speaking() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur != nil
}

// closed is an already closed channel: Done's answer when nothing is spoken.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Done returns a channel closed when nothing is spoken any more: the current utterance and everything
// queued after it have ended (or were stopped). It is closed already when nothing is spoken.
func (s *Speaker) Done() <-chan struct{} {
	if s == nil {
		return closed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idle == nil {
		return closed
	}
	return s.idle
}

// Stop kills running speech or tone and drops the queue (the kiosk calls it at logout), and returns when the
// processes have ended. It does nothing when nothing is spoken, or on a nil Speaker.
func (s *Speaker) Stop() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.queue = nil
	u := s.cur
	s.mu.Unlock()
	if u == nil {
		return
	}
	u.cancel() // exec.CommandContext kills the processes
	<-u.done
}

// stopAndLock stops what is spoken and returns with s.mu held and nothing current (again, if another
// goroutine's Queue started something in between).
func (s *Speaker) stopAndLock() {
	for {
		s.Stop()
		s.mu.Lock()
		if s.cur == nil {
			return
		}
		s.mu.Unlock()
	}
}

// ToneWAV is the tone as a WAV file: 16-bit mono PCM at 22050 Hz, 880 Hz for 250 ms with a 10 ms linear fade
// in and out, its amplitude following volume (percent, as SetVolume: 100 is 40 % of full scale).
func ToneWAV(volume int) []byte {
	n := int(ToneDuration * ToneSampleRate / time.Second)
	fade := int(ToneFade * ToneSampleRate / time.Second)
	amp := 0.4 * float64(clampVolume(volume)) / 100 * math.MaxInt16
	pcm := make([]byte, 2*n)
	for i := range n {
		env := 1.0
		if i < fade {
			env = float64(i) / float64(fade)
		} else if n-1-i < fade {
			env = float64(n-1-i) / float64(fade)
		}
		v := amp * env * math.Sin(2*math.Pi*ToneHz*float64(i)/ToneSampleRate)
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(math.Round(v))))
	}
	return wavFile(pcm, ToneSampleRate)
}

// wavFile wraps 16-bit mono PCM in a RIFF/WAVE header.
func wavFile(pcm []byte, rate int) []byte {
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + len(pcm)))
	b.WriteString("WAVEfmt ")
	w(uint32(16))       // fmt chunk size
	w(uint16(1))        // PCM
	w(uint16(1))        // mono
	w(uint32(rate))     // sample rate
	w(uint32(rate * 2)) // byte rate
	w(uint16(2))        // block align
	w(uint16(16))       // bits per sample
	b.WriteString("data")
	w(uint32(len(pcm)))
	b.Write(pcm)
	return b.Bytes()
}
