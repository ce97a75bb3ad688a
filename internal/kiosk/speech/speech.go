// Package speech reads text aloud with espeak-ng (Debian package espeak-ng).
//
// The text goes to espeak-ng on its standard input, never on the command line (where any user of the machine
// could read it in the process list), and it is never logged. Norwegian is spoken with espeak-ng's bokmål voice
// "nb", which has no nynorsk sibling; English with "en-gb".
package speech

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Program is the name of the speech program looked up in PATH.
const Program = "espeak-ng"

// ErrUnavailable is Say's error when espeak-ng is not installed.
var ErrUnavailable = errors.New("speech: espeak-ng is not installed")

// Speaker speaks one text at a time. Its methods may be called from any goroutine.
type Speaker struct {
	path  string // espeak-ng's path; "" when it is not installed
	wav   string // when set, speech is written to this WAV file instead of the sound card
	speed int    // words per minute

	mu     sync.Mutex
	volume int      // espeak-ng amplitude, 0–200 (100 is espeak-ng's default)
	queue  []queued // what Queue asked to speak after the current utterance
	cur    *utterance
	last   *utterance // the most recent utterance, running or ended (tests read its exit state)
}

// queued is text waiting for the current utterance to end.
type queued struct {
	ctx        context.Context
	lang, text string
}

type utterance struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	done   chan struct{} // closed when the process has ended
	err    error         // Wait's error, set before done is closed
}

// Option changes a Speaker.
type Option func(*Speaker)

// ToWAV writes speech to a WAV file instead of playing it (espeak-ng -w FILE).
func ToWAV(path string) Option { return func(s *Speaker) { s.wav = path } }

// Speed sets the speed in words per minute (espeak-ng's default is 175; the kiosk speaks a little slower).
func Speed(wpm int) Option { return func(s *Speaker) { s.speed = wpm } }

// New returns a Speaker; Available says whether it can speak.
func New(opts ...Option) *Speaker {
	s := &Speaker{speed: 150, volume: 100}
	if p, err := exec.LookPath(Program); err == nil {
		s.path = p
	}
	for _, o := range opts {
		o(s)
	}
	if s.speed <= 0 {
		s.speed = 150
	}
	return s
}

// Available says whether espeak-ng is installed; when it is not, the UI hides its read-aloud buttons.
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
// it never blocks the caller (the UI goroutine). Speech already running is stopped first. Speech ends by
// itself, at Stop, or when ctx is cancelled.
func (s *Speaker) Say(ctx context.Context, lang, text string) error {
	if !s.Available() {
		return ErrUnavailable
	}
	s.Stop()
	return s.start(ctx, lang, text)
}

// Queue speaks text after what is being spoken now (and what was queued before it); at once when nothing
// is. Like Say it returns at once. Stop and Say drop what is queued.
func (s *Speaker) Queue(ctx context.Context, lang, text string) error {
	if !s.Available() {
		return ErrUnavailable
	}
	s.mu.Lock()
	if s.cur != nil {
		s.queue = append(s.queue, queued{ctx, lang, text})
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	return s.start(ctx, lang, text)
}

// Tone sounds a short tone (the idle warning's), stopping what is spoken; text queued after it follows it.
// TODO(speech): a real tone through the same output as the speech.
func (s *Speaker) Tone(ctx context.Context) error {
	if !s.Available() {
		return ErrUnavailable
	}
	s.Stop()
	return nil
}

// SetRate sets the speed in words per minute for what is spoken next (clamped to 80–450).
func (s *Speaker) SetRate(wpm int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.speed = min(max(wpm, 80), 450)
}

// Rate is the speed in words per minute.
func (s *Speaker) Rate() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.speed
}

// SetVolume sets the volume in percent of espeak-ng's default for what is spoken next (clamped to 10–200).
func (s *Speaker) SetVolume(pct int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.volume = min(max(pct, 10), 200)
}

// Volume is the volume in percent of espeak-ng's default.
func (s *Speaker) Volume() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.volume
}

// start runs espeak-ng for text; the caller has stopped what ran before.
func (s *Speaker) start(ctx context.Context, lang, text string) error {
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	speed, volume := s.speed, s.volume
	s.mu.Unlock()
	args := []string{"-v", Voice(lang), "-s", strconv.Itoa(speed), "-a", strconv.Itoa(volume), "-b", "1", "--stdin"}
	if s.wav != "" {
		args = append(args, "-w", s.wav)
	}
	cmd := exec.CommandContext(ctx, s.path, args...)
	cmd.Stdin = strings.NewReader(text) // copied by exec's own goroutine: Start does not wait for it
	cmd.Stdout, cmd.Stderr = nil, nil   // discarded: nothing from the process is logged
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		return err
	}
	u := &utterance{cmd: cmd, cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	s.cur, s.last = u, u
	s.mu.Unlock()
	go func() {
		u.err = cmd.Wait()
		cancel()
		s.mu.Lock()
		var next *queued
		if s.cur == u {
			s.cur = nil
			if len(s.queue) > 0 {
				q := s.queue[0]
				s.queue = s.queue[1:]
				next = &q
			}
		}
		s.mu.Unlock()
		close(u.done)
		if next != nil && next.ctx.Err() == nil {
			_ = s.start(next.ctx, next.lang, next.text)
		}
	}()
	return nil
}

// Speaking says whether speech is running.
func (s *Speaker) Speaking() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur != nil
}

// Done returns a channel closed when the current speech has ended (closed already when nothing is spoken).
func (s *Speaker) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return s.cur.done
}

// Stop kills running speech (the kiosk calls it at logout) and returns when the process has ended. It does
// nothing when nothing is spoken.
func (s *Speaker) Stop() {
	s.mu.Lock()
	s.queue = nil
	u := s.cur
	s.mu.Unlock()
	if u == nil {
		return
	}
	u.cancel() // exec.CommandContext kills the process
	<-u.done
}
