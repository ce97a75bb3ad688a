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
	first := s.screenshot("sup-00-start")
	if ok, why := kioskShown(first); !ok {
		t.Fatalf("the first screenshot does not show the kiosk (%s)", why)
	}
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
	// waitShot takes screenshots (cage's own, with grim) until done holds for one, failing after a
	// deadline that only bounds a failure.
	waitShot := func(what string, done func(image.Image) bool) image.Image {
		t.Helper()
		for i, deadline := 0, time.Now().Add(90*time.Second); ; i++ {
			img := s.screenshot(fmt.Sprintf("wait-%02d", i%10))
			if img != nil && done(img) {
				return img
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s on the screen within 90 s", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// click clicks the control what at x, y once a screenshot shows it drawn there (a button's or tile's
	// fill around the point).
	click := func(what string, x, y int) {
		t.Helper()
		waitShot(what, func(img image.Image) bool { return controlIn(img, x, y) })
		cmd := exec.Command(xdotool, "mousemove", "--sync", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
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
	_ = click

	// A crash: cage stays, the supervisor starts the next kiosk.
	if err := syscall.Kill(k1, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	var k2 int
	kiosk, black, other := shots("sup-kill", 30*time.Second, func() bool {
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
	waitShot("the restarted kiosk", func(img image.Image) bool { ok, _ := kioskShown(img); return ok })
	// A visit, and the handover at its end; each click waits for its control to be drawn.
	click("Logg inn", 512, 433)
	click("Logg inn som testperson: Ingrid Haugen", 270, 564)
	// The visit has begun (the kiosk logs it), and home's «Logg ut» is drawn.
	waitOps(t, filepath.Join(s.dir, "home", "helsekiosk"), store.SessionStarted, 1, 90*time.Second)
	s.screenshot("sup-home")
	click("Logg ut", 932, 97)
	out := time.Now()
	var k3 int
	kiosk, black, other = shots("sup-handover", 30*time.Second, func() bool {
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
	case <-time.After(20 * time.Second):
		t.Errorf("cage still runs 20 s after the supervisor was stopped")
	}
	_ = h
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

// controlIn reports whether at least a quarter of the 21×21 pixels of img around x, y have the fill of
// one of the kiosk's buttons or tiles (controlColours, ±8 a channel).
func controlIn(img image.Image, x, y int) bool {
	colours := controlColours()
	n := 0
	for py := y - 10; py <= y+10; py++ {
		for px := x - 10; px <= x+10; px++ {
			r, g, b, _ := img.At(px, py).RGBA()
			p := []byte{byte(r >> 8), byte(g >> 8), byte(b >> 8)}
			for _, c := range colours {
				if near3(p, c) {
					n++
					break
				}
			}
		}
	}
	return n*4 >= 21*21
}
