package ui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/crypto/argon2"

	"github.com/helsekiosk/helsekiosk/internal/store"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// The staff PIN: 6 to 12 digits, kept in the local store only as an argon2id hash. pinMaxTries wrong tries
// in a row lock it for pinLockout; the count and the lock are stored, so a restart does not reset them.
const (
	pinMinLen   = 6
	pinMaxLen   = 12
	pinMaxTries = 5
	pinLockout  = 5 * time.Minute

	keyPINHash     = "staff_pin_hash"
	keyPINFailures = "staff_pin_failures"
	keyPINLocked   = "staff_pin_locked_until" // Unix ms
)

// argon2id parameters (OWASP's minimum: 19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

var (
	errPINFormat = errors.New("ui: the PIN must be 6 to 12 digits")
	errNoStore   = errors.New("ui: no local store")
)

// pinGuard checks and sets the staff PIN against the local store, with a clock for the lockout. Its
// methods do disk and hashing work: call them off the UI goroutine.
type pinGuard struct {
	mu  sync.Mutex // one check at a time, so concurrent tries cannot get round the count
	st  *store.Store
	now func() time.Time
}

// pinResult is what a check found.
type pinResult struct {
	ok     bool
	left   int           // tries left before the lock, after a wrong PIN
	locked time.Duration // > 0: locked for this long; the PIN was not even compared
}

func validPIN(pin string) bool {
	if len(pin) < pinMinLen || len(pin) > pinMaxLen {
		return false
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func hashPIN(pin string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func verifyPIN(encoded, pin string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// isSet reports whether a staff PIN has been chosen.
func (g *pinGuard) isSet(ctx context.Context) (bool, error) {
	if g.st == nil {
		return false, errNoStore
	}
	_, ok, err := g.st.Get(ctx, keyPINHash)
	return ok, err
}

// set stores a new PIN and clears the failure count and the lock.
func (g *pinGuard) set(ctx context.Context, pin string) error {
	if g.st == nil {
		return errNoStore
	}
	if !validPIN(pin) {
		return errPINFormat
	}
	h, err := hashPIN(pin)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.st.Put(ctx, map[string]string{keyPINHash: h, keyPINFailures: "0", keyPINLocked: "0"})
}

// check compares pin with the stored hash, counting wrong tries and locking after pinMaxTries.
func (g *pinGuard) check(ctx context.Context, pin string) (pinResult, error) {
	if g.st == nil {
		return pinResult{}, errNoStore
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	all, err := g.st.Settings(ctx)
	if err != nil {
		return pinResult{}, err
	}
	now := g.now()
	if until, _ := strconv.ParseInt(all[keyPINLocked], 10, 64); until > now.UnixMilli() {
		return pinResult{locked: time.UnixMilli(until).Sub(now)}, nil
	}
	if verifyPIN(all[keyPINHash], pin) {
		return pinResult{ok: true}, g.st.Put(ctx, map[string]string{keyPINFailures: "0", keyPINLocked: "0"})
	}
	fails, _ := strconv.Atoi(all[keyPINFailures])
	fails++
	_ = g.st.Log(ctx, store.StaffPINWrong, "")
	if fails >= pinMaxTries {
		_ = g.st.Log(ctx, store.StaffLocked, "")
		until := now.Add(pinLockout)
		return pinResult{locked: pinLockout},
			g.st.Put(ctx, map[string]string{keyPINFailures: "0", keyPINLocked: strconv.FormatInt(until.UnixMilli(), 10)})
	}
	return pinResult{left: pinMaxTries - fails}, g.st.Put(ctx, map[string]string{keyPINFailures: strconv.Itoa(fails)})
}

// pinMode is what the PIN screen asks for.
type pinMode int

const (
	pinEnter     pinMode = iota // the staff PIN, to open the staff panel
	pinChoose                   // a new PIN (first start, or a change)
	pinRepeat                   // the new PIN once more
	pinFirstOnly                // a new PIN at first start: no way back to the welcome screen without it
)

// pinScreen asks for the staff PIN on a large number pad (a keyboard works too). After the right PIN, or a
// new one chosen twice, it calls next.
type pinScreen struct {
	k     *Kiosk
	mode  pinMode
	first string // the new PIN as typed the first time
	next  func()
	busy  bool

	entry *widgets.Entry
	info  *widget.Label
	err   *widget.Label
}

func newPINScreen(k *Kiosk, mode pinMode, next func()) *pinScreen {
	return &pinScreen{k: k, mode: mode, next: next}
}

// showPIN shows the PIN screen and puts the keyboard focus in its field.
func (k *Kiosk) showPIN(s *pinScreen) {
	k.show(s)
	k.win.Canvas().Focus(s.entry)
}

func (s *pinScreen) buildUI() fyne.CanvasObject {
	k := s.k
	s.entry = widgets.NewPasswordEntry()
	s.entry.Validator = nil
	s.entry.OnSubmitted = func(string) { s.submit() }
	s.err = errorLabel()
	title := heading(k.tr("StaffPinTitle"))
	title.Alignment = fyne.TextAlignCenter
	s.info = para("")
	s.info.Alignment = fyne.TextAlignCenter
	switch s.mode {
	case pinEnter:
		s.info.SetText(k.tr("StaffPinEnter"))
	case pinChoose, pinFirstOnly:
		s.info.SetText(k.trd("StaffPinChoose", map[string]any{"Min": pinMinLen}))
	case pinRepeat:
		s.info.SetText(k.tr("StaffPinRepeat"))
	}
	pad := container.NewGridWithColumns(3)
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"} {
		pad.Add(widgets.NewButton(d, func() { s.digit(d) }))
	}
	pad.Add(widgets.NewButton(k.tr("StaffPinClear"), func() { s.entry.SetText("") }))
	pad.Add(widgets.NewButton("0", func() { s.digit("0") }))
	pad.Add(widgets.NewPrimaryButton(k.tr("StaffPinOK"), s.submit))
	box := container.NewVBox(title, s.info, s.entry, s.err, pad)
	if !k.ops.firstStart {
		box.Add(widgets.NewButton(k.tr("Cancel"), func() { k.logout("") }))
	}
	return container.NewVBox(layout.NewSpacer(), container.NewCenter(container.NewGridWrap(fyne.NewSize(420, box.MinSize().Height), box)), layout.NewSpacer())
}

func (s *pinScreen) digit(d string) {
	if len(s.entry.Text) < pinMaxLen {
		s.entry.SetText(s.entry.Text + d)
	}
}

func (s *pinScreen) submit() {
	k := s.k
	if s.busy {
		return
	}
	pin := strings.TrimSpace(s.entry.Text)
	s.entry.SetText("")
	switch s.mode {
	case pinChoose, pinFirstOnly:
		if !validPIN(pin) {
			showError(s.err, k.trd("StaffPinFormat", map[string]any{"Min": pinMinLen, "Max": pinMaxLen}))
			return
		}
		r := newPINScreen(k, pinRepeat, s.next)
		r.first = pin
		k.showPIN(r)
	case pinRepeat:
		if pin != s.first {
			back := pinChoose
			if k.ops.firstStart {
				back = pinFirstOnly
			}
			n := newPINScreen(k, back, s.next)
			k.showPIN(n)
			showError(n.err, k.tr("StaffPinMismatch"))
			return
		}
		s.busy = true
		k.async(s, func(ctx context.Context) func() {
			err := k.ops.pin.set(ctx, pin)
			return func() {
				s.busy = false
				if err != nil {
					showError(s.err, k.tr("StaffPinSaveFailed"))
					return
				}
				k.ops.firstStart = false
				s.next()
			}
		})
	case pinEnter:
		if pin == "" {
			return
		}
		s.busy = true
		k.async(s, func(ctx context.Context) func() {
			res, err := k.ops.pin.check(ctx, pin)
			return func() {
				s.busy = false
				switch {
				case err != nil:
					showError(s.err, k.tr("StaffPinSaveFailed"))
				case res.ok:
					s.next()
				case res.locked > 0:
					showError(s.err, k.trn("StaffPinLocked", int((res.locked+time.Minute-1)/time.Minute)))
				default:
					showError(s.err, k.trn("StaffPinWrong", res.left))
				}
			}
		})
	}
}

func (s *pinScreen) stop() {}

// staffEntry is the discreet way in for staff (a long press on the logo, or Ctrl+Alt+S): only when no citizen
// is logged in, and only with a local store to keep the PIN in. The first time it asks to choose the PIN.
func (k *Kiosk) staffEntry() {
	if k.sess != nil || k.ops.pin.st == nil {
		return
	}
	switch k.cur.(type) {
	case *pinScreen, *staffPanel:
		return
	}
	open := func() { k.show(newStaffPanel(k)) }
	k.async(nil, func(ctx context.Context) func() {
		set, err := k.ops.pin.isSet(ctx)
		return func() {
			if k.sess != nil || err != nil {
				return
			}
			if set {
				k.showPIN(newPINScreen(k, pinEnter, func() { k.opLog(store.StaffOpened, ""); open() }))
			} else {
				k.showPIN(newPINScreen(k, pinChoose, func() { k.opLog(store.StaffOpened, ""); open() }))
			}
		}
	})
}

// longPressDelay is how long the logo must be held for the staff entry.
var longPressDelay = 2 * time.Second

// longPress wraps an object (the logo) and calls onLong on the UI goroutine when it is held down for
// longPressDelay. A short tap does nothing, so citizens do not stumble into it.
type longPress struct {
	widget.BaseWidget
	content fyne.CanvasObject
	do      func() func(func()) // the kiosk's do, read at the press
	onLong  func()
	mu      sync.Mutex
	timer   *time.Timer
}

func newLongPress(content fyne.CanvasObject, do func() func(func()), onLong func()) *longPress {
	l := &longPress{content: content, do: do, onLong: onLong}
	l.ExtendBaseWidget(l)
	return l
}

func (l *longPress) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(l.content) }

// MouseDown implements desktop.Mouseable (a touch screen's press arrives as a mouse press).
func (l *longPress) MouseDown(*desktop.MouseEvent) {
	do, onLong := l.do(), l.onLong
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
	}
	l.timer = time.AfterFunc(longPressDelay, func() { do(onLong) })
}

// MouseUp implements desktop.Mouseable.
func (l *longPress) MouseUp(*desktop.MouseEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}

// staffLogo wraps the welcome screen's logo in the long press that opens the staff entry.
func (k *Kiosk) staffLogo(logo fyne.CanvasObject) fyne.CanvasObject {
	return newLongPress(logo, func() func(func()) { return k.do }, k.staffEntry)
}
