package browser

import (
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// ErrHung is the error on Ended when the browser stopped answering (the guard's pings went unanswered for
// Options.HangAfter): the kiosk ends it as it ends a crashed one.
var ErrHung = errors.New("browser: not responding")

// ErrNoGuard is Start's error when the guard cannot hold the keyboard (no X display, or another program
// holds a key the guard needs): the login window is then not opened at all.
var ErrNoGuard = errors.New("browser: cannot guard the login window")

// A guard is the kiosk's hold on the keyboard and pointer while the login window is open, on the X display
// the kiosk and Chromium share (Xorg, or XWayland under cage; Chromium is started with
// --ozone-platform=x11 so that it is on that display too). Chromium has no policy that turns its keyboard
// shortcuts off, and several of them open something over the login page: a new tab (Ctrl+T, Ctrl+J,
// Alt+Home), another window (Ctrl+Shift+N, Ctrl+H), the task manager (Shift+Esc), developer tools or the
// page source (F12, Ctrl+Shift+I/J, Ctrl+U). So before Chromium starts, the guard takes passive grabs on
// the root window (XGrabKey, XGrabButton) of
//
//   - every key pressed with Ctrl, Alt or Super (alone or with Shift), so that no Chromium shortcut reaches
//     Chromium; AltGr (Mod5), with which a Norwegian keyboard types @, is left alone, as is Shift;
//   - Escape, Menu and F1–F12 with any modifier, and the browser keys some keyboards have (Back, Home,
//     Search, …);
//   - the middle, right, back and forward mouse buttons (open in a new tab, the context menu, history),
//     and the left button with Shift, Ctrl, Alt or Super (a link in a new window or tab);
//
// each in every state of Caps Lock, Num Lock and Mod3; X delivers those to the guard instead of the focused
// window. Escape must be among them, or there is no guard. The plain keys a login page needs (letters,
// digits, Shift, AltGr, Tab, Enter, Backspace, arrows) and plain clicks still reach the page. A grabbed key
// is reported to OnKey: the kiosk closes the login on Escape (and on the close keys people know: Ctrl+W,
// Alt+F4), F1 starts speech guidance, F2–F12 do what they do on the kiosk's own screens.
//
// The guard also watches the display's top-level windows (SubstructureNotify on the root): the first window
// of the browser's process (_NET_WM_PID) that is not override-redirect is the login window; any other such
// window it maps is asked to close (WM_DELETE_WINDOW). (Under a reparenting window manager the root sees
// only frames: then neither this nor the ping works, which is logged; the kiosk runs under cage or on a
// bare X server.) And it pings the login window every PingEvery with _NET_WM_PING, which Chromium's browser
// process answers from its UI thread: no answer for HangAfter and the browser is reported hung (ErrHung),
// so a frozen browser is ended by the kiosk in about half a minute, not by the ten-minute limit. (A page
// whose renderer hangs is not found this way: Chromium offers to end it itself, and Escape still works.)
//
// The grabs end with the guard (Close), or with the kiosk's X connection should the kiosk die.
type guard struct {
	conn *xgb.Conn
	root xproto.Window
	log  *slog.Logger

	atomProtocols, atomDelete, atomPing, atomPID xproto.Atom

	keysyms  []xproto.Keysym // keycode → keysyms (KeysymsPerKeycode each), from minKeycode
	perCode  int
	minCode  xproto.Keycode
	onKey    func(string)
	onHang   func()
	pid      int
	every    time.Duration
	hangAft  time.Duration
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}

	watched bool // watch ran: Close waits for its loop

	mu      sync.Mutex
	started time.Time     // when watch began
	main    xproto.Window // the login window, once mapped
	pingOK  bool          // it lists _NET_WM_PING in WM_PROTOCOLS (Chromium's windows do)
	seq     uint32        // the last ping's number
	acked   uint32        // the newest ping answered
	pongs   int           // answers received
	lastOK  time.Time     // when the login window last answered (or was mapped)
	hung    bool          // reported hung: no more pings
	unseen  bool          // logged that no login window was seen
	closed  []xproto.Window
}

// Modifier masks of the core protocol.
const (
	modShift   = xproto.ModMaskShift
	modLock    = xproto.ModMaskLock
	modControl = xproto.ModMaskControl
	modAlt     = xproto.ModMask1
	modNumLock = xproto.ModMask2
	modSuper   = xproto.ModMask4
	modMod3    = xproto.ModMask3
)

// guardMods are the modifier combinations of which every key is grabbed.
var guardMods = []uint16{
	modControl, modControl | modShift, modAlt, modAlt | modShift, modControl | modAlt,
	modControl | modAlt | modShift, modSuper, modSuper | modShift, modSuper | modControl, modSuper | modAlt,
}

// lockMods are the lock states each grab is taken in too (X matches modifiers exactly): every combination
// of Caps Lock, Num Lock (Mod2) and Mod3 (Scroll Lock or Hyper on some keymaps), the modifiers Chromium
// ignores when it matches a shortcut.
var lockMods = []uint16{0, modLock, modNumLock, modMod3, modLock | modNumLock, modLock | modMod3,
	modNumLock | modMod3, modLock | modNumLock | modMod3}

// Keysyms grabbed with any modifier.
var guardKeysyms = map[xproto.Keysym]string{
	0xff1b: "Escape", 0xff67: "Menu",
	0xffbe: "F1", 0xffbf: "F2", 0xffc0: "F3", 0xffc1: "F4", 0xffc2: "F5", 0xffc3: "F6",
	0xffc4: "F7", 0xffc5: "F8", 0xffc6: "F9", 0xffc7: "F10", 0xffc8: "F11", 0xffc9: "F12",
	0x1008ff26: "XF86Back", 0x1008ff27: "XF86Forward", 0x1008ff18: "XF86HomePage", 0x1008ff1b: "XF86Search",
	0x1008ff29: "XF86Refresh", 0x1008ff73: "XF86Reload", 0x1008ff30: "XF86Favorites", 0x1008ff19: "XF86Mail", 0x1008ff2e: "XF86WWW",
	0x1008ff33: "XF86MyComputer", 0x1008ff5d: "XF86Explorer", 0x1008ff81: "XF86Tools",
	0x1008ff1a: "XF86Start", 0x1008ff2f: "XF86Sleep",
}

// Named keysyms for OnKey's names (letters and digits are their own).
var keysymNames = map[xproto.Keysym]string{
	0xff09: "Tab", 0xff0d: "Return", 0xff08: "BackSpace", 0xffff: "Delete", 0xff50: "Home", 0xff57: "End",
	0xff51: "Left", 0xff52: "Up", 0xff53: "Right", 0xff54: "Down", 0xff55: "Prior", 0xff56: "Next",
	0xff63: "Insert", 0x0020: "space", 0xff8d: "KP_Enter",
}

// guardButtons are the pointer buttons grabbed with any modifier: middle (open in a new tab, paste), right
// (the context menu), back and forward. The left button is grabbed only with a modifier (guardButton1Mods):
// Shift, Ctrl or Alt with a click opens a link in a new window or tab; a plain click goes to the page.
var guardButtons = []byte{2, 3, 8, 9}

// guardButton1Mods are the modifiers of the left button's grabs (each with every lockMods state).
var guardButton1Mods = append([]uint16{modShift}, guardMods...)

// newGuard connects to display ("" = $DISPLAY) and takes the grabs. pingEvery and hangAfter set the hang
// check (0: 5 s and 30 s).
func newGuard(display string, log *slog.Logger, onKey func(string), pingEvery, hangAfter time.Duration) (*guard, error) {
	QuietXGB()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoGuard, err)
	}
	if pingEvery <= 0 {
		pingEvery = 5 * time.Second
	}
	if hangAfter <= 0 {
		hangAfter = 30 * time.Second
	}
	setup := xproto.Setup(conn)
	g := &guard{conn: conn, root: setup.DefaultScreen(conn).Root, log: log, onKey: onKey, every: pingEvery,
		hangAft: hangAfter, stop: make(chan struct{}), done: make(chan struct{}), minCode: setup.MinKeycode}
	fail := func(err error) (*guard, error) {
		conn.Close()
		return nil, fmt.Errorf("%w: %w", ErrNoGuard, err)
	}
	for name, a := range map[string]*xproto.Atom{"WM_PROTOCOLS": &g.atomProtocols, "WM_DELETE_WINDOW": &g.atomDelete,
		"_NET_WM_PING": &g.atomPing, "_NET_WM_PID": &g.atomPID} {
		r, err := xproto.InternAtom(conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			return fail(err)
		}
		*a = r.Atom
	}
	km, err := xproto.GetKeyboardMapping(conn, setup.MinKeycode, byte(setup.MaxKeycode-setup.MinKeycode+1)).Reply()
	if err != nil {
		return fail(err)
	}
	g.keysyms, g.perCode = km.Keysyms, int(km.KeysymsPerKeycode)
	// The windows the browser maps, and the answers to pings (sent to the root).
	if err := xproto.ChangeWindowAttributesChecked(conn, g.root, xproto.CwEventMask,
		[]uint32{xproto.EventMaskSubstructureNotify}).Check(); err != nil {
		return fail(err)
	}
	var errs []error
	grabKey := func(code xproto.Keycode, mods uint16) {
		if err := xproto.GrabKeyChecked(conn, false, g.root, mods, code, xproto.GrabModeAsync, xproto.GrabModeAsync).Check(); err != nil {
			errs = append(errs, fmt.Errorf("key %d mods %#x: %w", code, mods, err))
		}
	}
	for _, m := range guardMods {
		for _, l := range lockMods {
			grabKey(xproto.GrabAny, m|l)
		}
	}
	escape := false
	for code := range g.codes() {
		if name, ok := guardKeysyms[g.keysym(code)]; ok {
			grabKey(code, xproto.ModMaskAny)
			escape = escape || name == "Escape"
		}
	}
	if !escape { // the way out the kiosk names: without it no login window
		errs = append(errs, errors.New("no key of the keyboard is Escape"))
	}
	grabButton := func(b byte, mods uint16) {
		if err := xproto.GrabButtonChecked(conn, false, g.root, xproto.EventMaskButtonPress|xproto.EventMaskButtonRelease,
			xproto.GrabModeAsync, xproto.GrabModeAsync, xproto.WindowNone, xproto.CursorNone, b, mods).Check(); err != nil {
			errs = append(errs, fmt.Errorf("button %d mods %#x: %w", b, mods, err))
		}
	}
	for _, b := range guardButtons {
		grabButton(b, xproto.ModMaskAny)
	}
	for _, m := range guardButton1Mods {
		for _, l := range lockMods {
			grabButton(1, m|l)
		}
	}
	if len(errs) > 0 {
		return fail(errors.Join(errs...))
	}
	return g, nil
}

// QuietXGB stops xgb's own logging (it notes a missing ~/.Xauthority on stderr): the guard and the kiosk's
// display check report their errors themselves. xgb's logger is one for the process.
var QuietXGB = sync.OnceFunc(func() { xgb.Logger = log.New(io.Discard, "", 0) })

// codes yields every keycode of the keyboard.
func (g *guard) codes() func(func(xproto.Keycode) bool) {
	return func(yield func(xproto.Keycode) bool) {
		if g.perCode == 0 {
			return
		}
		for i := 0; i < len(g.keysyms)/g.perCode; i++ {
			if !yield(g.minCode + xproto.Keycode(i)) {
				return
			}
		}
	}
}

// keysym is the first (unshifted) keysym of code, lower case for a letter.
func (g *guard) keysym(code xproto.Keycode) xproto.Keysym {
	i := (int(code) - int(g.minCode)) * g.perCode
	if code < g.minCode || i >= len(g.keysyms) || g.perCode == 0 {
		return 0
	}
	return g.keysyms[i]
}

// keyName names a grabbed key press as "ctrl+shift+w", "alt+F4", "Escape", "shift+Escape".
func (g *guard) keyName(code xproto.Keycode, state uint16) string {
	ks := g.keysym(code)
	name, ok := guardKeysyms[ks]
	if !ok {
		name, ok = keysymNames[ks]
	}
	if !ok {
		switch {
		case ks >= 'A' && ks <= 'Z':
			name = string(rune(ks + 'a' - 'A'))
		case ks > 0x20 && ks < 0x7f:
			name = string(rune(ks))
		default:
			name = fmt.Sprintf("keycode%d", code)
		}
	}
	var b strings.Builder
	for _, m := range []struct {
		mask uint16
		name string
	}{{modControl, "ctrl+"}, {modAlt, "alt+"}, {modSuper, "super+"}, {modShift, "shift+"}} {
		if state&m.mask != 0 {
			b.WriteString(m.name)
		}
	}
	return b.String() + name
}

// watch starts the guard's work for the browser process pid: events (keys, windows, answers) and pings.
func (g *guard) watch(pid int, onHang func()) {
	g.mu.Lock()
	g.pid, g.onHang, g.lastOK, g.started = pid, onHang, time.Now(), time.Now()
	g.mu.Unlock()
	g.watched = true
	events := make(chan xgb.Event)
	go func() {
		defer close(events)
		for {
			ev, err := g.conn.WaitForEvent()
			if ev == nil && err == nil { // the connection is closed
				return
			}
			if ev != nil {
				select {
				case events <- ev:
				case <-g.stop:
					return
				}
			}
		}
	}()
	go func() {
		defer close(g.done)
		tick := time.NewTicker(g.every)
		defer tick.Stop()
		for {
			select {
			case <-g.stop:
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				g.event(ev)
			case <-tick.C:
				g.ping() // after a hang it pings no more, but the loop goes on reading events until Close
			}
		}
	}()
}

func (g *guard) event(ev xgb.Event) {
	switch e := ev.(type) {
	case xproto.KeyPressEvent:
		if ks := g.keysym(e.Detail); ks >= 0xffe1 && ks <= 0xffee || ks == 0xfe03 {
			return // a modifier pressed while another is held (Shift after Ctrl): not a key of its own
		}
		if g.onKey != nil {
			g.onKey(g.keyName(e.Detail, e.State))
		}
	case xproto.MapNotifyEvent:
		g.mu.Lock()
		again := e.Window == g.main
		if again { // the login window mapped again (not a second one)
			g.lastOK = time.Now()
		}
		g.mu.Unlock()
		if again || e.OverrideRedirect || !g.ofBrowser(e.Window) {
			return // menus, a select's list, tooltips; or another program's window
		}
		pingOK := g.listsPing(e.Window)
		g.mu.Lock()
		if g.main == 0 {
			g.main, g.lastOK, g.pingOK = e.Window, time.Now(), pingOK
			g.mu.Unlock()
			if !pingOK {
				g.log.Warn("browser_no_ping", "reason", "the login window does not answer _NET_WM_PING: no hang check")
			}
			return
		}
		g.closed = append(g.closed, e.Window)
		g.mu.Unlock()
		g.log.Warn("browser_window_closed", "reason", "a second window of the login browser")
		g.send(e.Window, g.atomProtocols, []uint32{uint32(g.atomDelete), 0, 0, 0, 0}, 0)
	case xproto.DestroyNotifyEvent:
		g.mu.Lock()
		if e.Window == g.main { // the login window is gone (the browser ends): nothing to ping
			g.main = 0
		}
		g.mu.Unlock()
	case xproto.ClientMessageEvent:
		if e.Type != g.atomProtocols || e.Format != 32 {
			return
		}
		d := e.Data.Data32
		g.mu.Lock()
		// An answer to any ping not yet answered counts: a slow browser answers ping n after ping n+1 went.
		if xproto.Atom(d[0]) == g.atomPing && g.main != 0 && xproto.Window(d[2]) == g.main && d[1] > g.acked && d[1] <= g.seq {
			g.acked = d[1]
			g.pongs++
			g.lastOK = time.Now()
		}
		g.mu.Unlock()
	}
}

// listsPing says whether window w lists _NET_WM_PING in its WM_PROTOCOLS.
func (g *guard) listsPing(w xproto.Window) bool {
	r, err := xproto.GetProperty(g.conn, false, w, g.atomProtocols, xproto.AtomAtom, 0, 32).Reply()
	if err != nil || r.Format != 32 {
		return false
	}
	for i := 0; i+4 <= len(r.Value); i += 4 {
		if xproto.Atom(xgb.Get32(r.Value[i:])) == g.atomPing {
			return true
		}
	}
	return false
}

// ping sends the next _NET_WM_PING to the login window, and reports the browser hung (once) when it has
// not answered for hangAfter. Before the window is mapped there is nothing to ping: a browser that never
// shows a window is logged (once, after hangAfter) and ended by the login's own limit, or by Escape.
func (g *guard) ping() {
	g.mu.Lock()
	main, late, hung, pingOK := g.main, time.Since(g.lastOK) > g.hangAft, g.hung, g.pingOK
	unseen := main == 0 && !g.unseen && time.Since(g.started) > g.hangAft
	g.unseen = g.unseen || unseen
	g.seq++
	seq := g.seq
	onHang := g.onHang
	if main != 0 && pingOK && late {
		g.hung = true
	}
	g.mu.Unlock()
	switch {
	case unseen:
		g.log.Warn("browser_window_unseen", "pid", g.pid, "after_ms", g.hangAft.Milliseconds())
	case hung || main == 0 || !pingOK:
	case late:
		g.log.Warn("browser_hung", "pid", g.pid, "after_ms", g.hangAft.Milliseconds())
		if onHang != nil {
			onHang()
		}
	default:
		g.send(main, g.atomProtocols, []uint32{uint32(g.atomPing), seq, uint32(main), 0, 0}, 0)
	}
}

// send sends a 32-bit client message of type typ to window w.
func (g *guard) send(w xproto.Window, typ xproto.Atom, data []uint32, mask uint32) {
	ev := xproto.ClientMessageEvent{Format: 32, Window: w, Type: typ, Data: xproto.ClientMessageDataUnionData32New(data)}
	xproto.SendEvent(g.conn, false, w, mask, string(ev.Bytes()))
}

// ofBrowser says whether window w belongs to the browser (its _NET_WM_PID is the browser's pid).
func (g *guard) ofBrowser(w xproto.Window) bool {
	r, err := xproto.GetProperty(g.conn, false, w, g.atomPID, xproto.AtomCardinal, 0, 1).Reply()
	if err != nil || r.Format != 32 || len(r.Value) < 4 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return int(xgb.Get32(r.Value)) == g.pid
}

// stats are the guard's counts: answered pings and windows it asked to close.
func (g *guard) stats() (pongs, closed int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pongs, len(g.closed)
}

// Close ends the guard: its goroutines, then the connection, which releases every grab; it returns when no
// key can reach OnKey any more.
func (g *guard) Close() {
	g.stopOnce.Do(func() {
		close(g.stop)
		g.conn.Close()
		if g.watched {
			<-g.done
		}
	})
}
