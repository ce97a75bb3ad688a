package main

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
)

// TestSupervisorUnderCage runs the session as helsekiosk.service does, `cage -d -- helsekiosk --supervise
// --kiosk`, on wlroots' x11 backend on a private Xvfb (see the escape test), as a non-root user:
//
//   - a visit (Ingrid, demo login, clicks through cage's own pointer) ended with "Logg ut" hands over to a
//     fresh kiosk process while cage keeps running: grim screenshots taken during the handover show only the
//     kiosk, never anything else;
//   - the kiosk killed with SIGKILL: cage stays up (its client is the supervisor), screenshots taken until
//     the next kiosk is up show the kiosk or cage's plain black, and the operations log gets kiosk_exited
//     "killed:9";
//   - the supervisor stopped: cage exits with it (so the supervisor, not the kiosk, must be cage's client).
func TestSupervisorUnderCage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the kiosk under cage; skipped with -short")
	}
	need := needTool(t)
	cage, xvfb, xdotool, grim := need("cage"), need("Xvfb"), need("xdotool"), need("grim")
	need("Xwayland")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bin := buildKiosk(ctx, t)
	s := startCageSession(t, cage, xvfb, bin, "x11", "--supervise", "--kiosk", "--lang", "nn")
	s.grim = grim
	// Every wait below ends as soon as what it waits for is there; its limit only bounds a failure, and
	// is generous for a loaded machine.
	const limit = 3 * time.Minute
	first := s.waitShot("sup-00-start", limit, "the kiosk on the screen", func(img image.Image) bool { ok, _ := kioskShown(img); return ok })
	w, h := first.Bounds().Dx(), first.Bounds().Dy()
	kioskPID := func() int {
		for _, p := range children(s.supervisor) {
			if strings.HasSuffix(readLink(p, "exe"), "/helsekiosk") {
				return p
			}
		}
		return 0
	}
	k1 := kioskPID()
	if s.supervisor == 0 || k1 == 0 || k1 != s.kiosk {
		t.Fatalf("no kiosk under a supervisor: supervisor %d, kiosk %d (%d)", s.supervisor, k1, s.kiosk)
	}
	t.Logf("cage %d, supervisor %d, kiosk %d, output %dx%d", s.cage, s.supervisor, k1, w, h)
	click := func(x, y int) {
		t.Helper()
		cmd := exec.Command(xdotool, "mousemove", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
		cmd.Env = append(os.Environ(), "DISPLAY="+s.hostDisplay)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool: %v: %s", err, b)
		}
	}
	// shots takes screenshots until done says so (at most limit), and reports how many showed the kiosk,
	// how many only black, and the first that showed anything else.
	shots := func(name string, limit time.Duration, done func() bool) (kiosk, black int, other string) {
		for i, start := 0, time.Now(); time.Since(start) < limit; i++ {
			img := s.screenshot(fmt.Sprintf("%s-%02d", name, i))
			switch ok, why := kioskShown(img); {
			case ok, demoBanner(img): // the kiosk (its very first frame is laid out before it is full screen)
				kiosk++
			case allBlack(img):
				black++
			case other == "":
				other = fmt.Sprintf("shot %d: %s", i, why)
			}
			if done() {
				break
			}
		}
		return
	}

	// A crash: cage stays, the supervisor starts the next kiosk.
	if err := syscall.Kill(k1, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	var k2 int
	kiosk, black, other := shots("sup-kill", limit, func() bool {
		if k2 == 0 {
			if p := kioskPID(); p != 0 && p != k1 {
				k2 = p
			}
		}
		return k2 != 0 && time.Since(killed) > 3*time.Second
	})
	t.Logf("after SIGKILL of kiosk %d: kiosk %d; screenshots: %d show the kiosk, %d black, other: %q", k1, k2, kiosk, black, other)
	if other != "" {
		t.Errorf("a screenshot after the kill shows neither the kiosk nor black: %s", other)
	}
	select {
	case <-s.exited:
		t.Fatalf("cage exited when the kiosk was killed; output:\n%s", s.out.String())
	default:
	}
	if k2 == 0 {
		t.Fatalf("no new kiosk after the kill; output:\n%s", s.out.String())
	}
	welcome := s.waitShot("sup-after-kill", limit, "the restarted kiosk on the screen", func(img image.Image) bool { ok, _ := kioskShown(img); return ok })
	// A visit, and the handover at its end. Each click waits for the screen it needs: the welcome screen's
	// button, the login screen (changed from the welcome and settled at the persona's button), the visit
	// (session_started in the operations log, the home screen settled at "Logg ut").
	cfg := filepath.Join(s.dir, "home", "helsekiosk")
	s.waitStill("sup-welcome", limit, nil, around(512, 433))
	click(512, 433) // Logg inn
	s.waitStill("sup-login", limit, welcome, around(270, 564))
	started := func() bool { // (a read that fails, the kiosk writing just then, is tried again)
		st, err := store.Open(cfg)
		if err != nil {
			return false
		}
		defer st.Close()
		entries, _ := st.Recent(context.Background(), 30)
		for _, e := range entries {
			if e.Kind == store.SessionStarted {
				return true
			}
		}
		return false
	}
	click(270, 564) // Logg inn som testperson: Ingrid Haugen
	for deadline := time.Now().Add(limit); !started(); time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no session_started in the operations log %v after the demo login was clicked; output:\n%s", limit, s.out.String())
		}
	}
	s.waitStill("sup-home", limit, nil, first.Bounds()) // the whole screen: the home screen drawn
	click(932, 97)                                      // Logg ut
	out := time.Now()
	var k3 int
	kiosk, black, other = shots("sup-handover", limit, func() bool {
		if k3 == 0 {
			if p := kioskPID(); p != 0 && p != k2 {
				k3 = p
			}
		}
		return k3 != 0 && !alive(strconv.Itoa(k2)) && time.Since(out) > 2*time.Second
	})
	t.Logf("the handover from kiosk %d to %d under cage: screenshots: %d show the kiosk, %d black, other: %q", k2, k3, kiosk, black, other)
	if other != "" || black > 0 {
		t.Errorf("a screenshot during the handover shows something other than the kiosk: %d black, %s", black, other)
	}
	if k3 == 0 || alive(strconv.Itoa(k2)) {
		t.Fatalf("no handover: kiosk %d, next %d; output:\n%s", k2, k3, s.out.String())
	}
	select {
	case <-s.exited:
		t.Fatalf("cage exited at the handover")
	default:
	}
	entries := opsLog(t, filepath.Join(s.dir, "home", "helsekiosk"), 30)
	var got []string
	for i := len(entries) - 1; i >= 0; i-- {
		got = append(got, string(entries[i].Kind)+" "+entries[i].Detail)
	}
	log := strings.Join(got, "|")
	for _, want := range []string{"input_idle kiosk_events", "kiosk_exited killed:9", "session_ended logout|kiosk_exited handover"} {
		if !strings.Contains(log, want) {
			t.Errorf("the operations log has no %q: %q", want, got)
		}
	}
	// cage's client is the supervisor: when it ends (SIGTERM, as systemctl stop sends), cage ends too.
	_ = syscall.Kill(s.supervisor, syscall.SIGTERM)
	select {
	case <-s.exited:
		t.Logf("cage exited after its client, the supervisor, did")
	case <-time.After(time.Minute):
		t.Errorf("cage still runs a minute after the supervisor was stopped")
	}
	_ = h
}

// waitShot takes screenshots until one satisfies ok and returns it; the test fails (naming what) when
// none does within limit, or cage ends first.
func (s *cageSession) waitShot(name string, limit time.Duration, what string, ok func(image.Image) bool) image.Image {
	s.t.Helper()
	for i, deadline := 0, time.Now().Add(limit); ; i++ {
		img := s.screenshot(fmt.Sprintf("%s-%02d", name, i%100))
		if img != nil && ok(img) {
			return img
		}
		select {
		case <-s.exited:
			s.t.Fatalf("waiting for %s: cage exited; output:\n%s", what, s.out.String())
		default:
		}
		if time.Now().After(deadline) {
			_, why := kioskShown(img)
			s.t.Fatalf("no screenshot shows %s within %v (the last: %s); output:\n%s", what, limit, why, s.out.String())
		}
		time.Sleep(200 * time.Millisecond) // the pace of polling, not a wait for anything
	}
}

// waitStill waits until the screen differs from before (unless before is nil) and two screenshots in a
// row agree in r: the screen the next click in r needs has been drawn.
func (s *cageSession) waitStill(name string, limit time.Duration, before image.Image, r image.Rectangle) {
	s.t.Helper()
	var last image.Image
	s.waitShot(name, limit, fmt.Sprintf("a new screen, settled in %v", r), func(img image.Image) bool {
		prev := last
		last = img
		if before != nil && sameIn(img, before, img.Bounds()) {
			return false
		}
		return prev != nil && sameIn(img, prev, r)
	})
}

// around is the 160×80 box centred on (x, y).
func around(x, y int) image.Rectangle { return image.Rect(x-80, y-40, x+80, y+40) }

// sameIn reports whether a and b agree in r.
func sameIn(a, b image.Image, r image.Rectangle) bool {
	if a == nil || b == nil || a.Bounds() != b.Bounds() {
		return false
	}
	r = r.Intersect(a.Bounds())
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			r1, g1, b1, _ := a.At(px, py).RGBA()
			r2, g2, b2, _ := b.At(px, py).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return false
			}
		}
	}
	return true
}

// demoBanner reports whether the DEMO banner runs across the top of img.
func demoBanner(img image.Image) bool {
	if img == nil {
		return false
	}
	b := img.Bounds()
	orange := 0
	for x := b.Min.X; x < b.Max.X; x++ {
		r, g, bl, _ := img.At(x, b.Min.Y+10).RGBA()
		if r>>8 > 200 && g>>8 > 120 && g>>8 < 200 && bl>>8 < 90 {
			orange++
		}
	}
	return orange*4 >= b.Dx()*3
}

// allBlack reports whether every sampled pixel of img is black (cage's empty output).
func allBlack(img image.Image) bool {
	if img == nil {
		return false
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 37 {
		for x := b.Min.X; x < b.Max.X; x += 41 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 16 || g>>8 > 16 || bl>>8 > 16 {
				return false
			}
		}
	}
	return true
}
