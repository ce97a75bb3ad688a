package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// TestMemoryAfterHandover is the memory-dump proof of a fresh process per citizen, with the kiosk set up as
// at a municipality: the reference backend is a process of its own (`helsekiosk-backend --demo`, built by
// the test, on a loopback port, its database an SQLite file, the kiosk registered as a kiosk client with
// a secret in a file), and the real `helsekiosk --supervise` runs under Xvfb with `--api URL`. So the kiosk
// is not in demo mode (cfg.Demo is set only for the in-process demo backend, which starts only without an
// API): no DEMO banner, no demo login buttons, no demo data in the kiosk process. Two visits, Ingrid Haugen
// then Kari Haugen (as herself): "Logg inn", and the login approved as a phone would, with a POST of the
// user code and the person to the backend's /device page (the demo backend's stand-in for BankID). The
// user code is on the kiosk's screen and in its QR code; the test takes it from the backend's side
// instead, the newest pending row of device_codes in the backend's database file, read-only (no OCR or QR
// decoding of the screen, no endpoint added to the backend, and the kiosk logs no user code: the test
// checks its output and its configuration directory hold none). Then Meldingar, the first thread (its
// subject on the screen), an unsent reply with a unique marker typed with xdotool, and "Logg ut". gcore
// dumps every process of the kiosk session and the test counts, in UTF-8 and in UTF-32 (Fyne's text
// fields keep []rune): the draft markers, the subjects, the names, the identity numbers and the citizen's
// JWTs (those with a pid claim, found in the old process's dump).
//
//   - "pristine": the first kiosk at the welcome screen, before anyone logged in.
//   - "old": each visit's kiosk after its logout, while it waits for the supervisor's word to exit (the
//     test holds it with HELSEKIOSK_HANDOVER_HOLD).
//   - "fresh" and "supervisor": what runs after the second visit.
//
// (The earlier version ran the in-process demo backend, whose seeded data and demo login buttons put the
// demo names, numbers and subjects in every kiosk process from the start; a baseline subtracted from that
// would have hidden a copy left by a visit among the demo's own.) Every count in the pristine, fresh and
// supervisor columns must be 0: nothing of either visit, and nothing personal before. The counts are in
// the test's log. Skipped where gcore, Xvfb or xdotool is missing, except under CI=true.
func TestMemoryAfterHandover(t *testing.T) {
	if testing.Short() {
		t.Skip("memory test builds and starts the kiosk; skipped with -short")
	}
	need := needTool(t)
	xvfb, xdotool, gcore := need("Xvfb"), need("xdotool"), need("gcore")
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	bin := buildKiosk(ctx, t)
	be := startBackend(ctx, t)
	display := startXvfb(t, xvfb)
	dir := t.TempDir()

	var out lockedBuffer
	sup := exec.Command(bin, "--supervise", "--lang", "nn", "--config-dir", dir, "--api", be.url,
		"--client-id", be.clientID, "--client-secret-file", be.secretFile)
	sup.Env = append(kioskEnv(t, display), "HELSEKIOSK_HANDOVER_HOLD=90s")
	sup.Stdout, sup.Stderr = &out, &out
	sup.WaitDelay = 10 * time.Second // Wait returns even if something still holds the output open
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sup.Wait() }()
	t.Cleanup(func() {
		_ = sup.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = sup.Process.Kill()
			<-exited
		}
	})
	lines := &lineWaiter{t: t, out: &out}
	started := regexp.MustCompile(`kiosk (\d+) started`)
	first := lines.wait(started, 30*time.Second)[1]
	waitWindow(t, display, xdotool, 60*time.Second)
	if names := windowNames(display, xdotool); len(names) != 1 || names[0] != "Helsekiosk" {
		t.Fatalf("kiosk windows %q: want one, titled \"Helsekiosk\" (not the demo mode's \"Helsekiosk – DEMO\")", names)
	}

	x := func(args ...string) {
		t.Helper()
		cmd := exec.Command(xdotool, args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v: %s", args, err, b)
		}
	}
	// Each control is clicked once it is found drawn where the layout puts it (1280×800, no DEMO banner),
	// and each step waits for what it leads to be drawn or logged; the deadlines only bound a failure.
	click := func(what string, x0, y0 int) {
		t.Helper()
		clickControl(t, display, xdotool, what, x0, y0, 90*time.Second)
	}
	shot := func(r image.Rectangle) []byte { // the pixels of r on the screen
		b, _ := exec.Command("import", "-display", display, "-window", "root", "-crop",
			fmt.Sprintf("%dx%d+%d+%d", r.Dx(), r.Dy(), r.Min.X, r.Min.Y), "-depth", "8", "rgb:-").Output()
		return b
	}
	persons := map[string]backend.DemoPerson{}
	for _, p := range backend.DemoPersons() {
		persons[p.ID] = p
	}
	type visit struct {
		person  backend.DemoPerson
		choose  bool   // the choice of whom to act for follows (Kari has Ingrid's fullmakt)
		subject string // of the first thread
		marker  string
	}
	visits := []visit{
		{person: persons[backend.DemoIngrid], subject: "Vask av badet"},
		{person: persons[backend.DemoKari], choose: true, subject: "Treningsprogram"},
	}
	var needles []needle
	for i := range visits {
		v := &visits[i]
		v.marker = "Utkast" + strings.ToLower(rand.Text()[:12])
		needles = append(needles, needle{fmt.Sprintf("draft marker %d", i+1), v.marker, i + 1},
			needle{fmt.Sprintf("subject %d (%s)", i+1, v.subject), v.subject, i + 1},
			needle{fmt.Sprintf("name %d", i+1), v.person.Name, i + 1},
			needle{fmt.Sprintf("identity number %d", i+1), v.person.NationalID, i + 1})
	}

	// Each dump is scanned as it is made and then deleted (a kiosk's dump is over 2 GiB, mostly the Go
	// runtime's untouched reservations): counts of the needles so far, and the citizen JWTs it holds.
	coreDir := t.TempDir()
	columns := []string{"pristine", "old 1", "old 2", "fresh", "supervisor"}
	counts := map[string]map[string]int{} // column → needle → copies
	dump := func(column, pid string) {
		t.Helper()
		prefix := filepath.Join(coreDir, "core")
		start := time.Now()
		cmd := exec.CommandContext(ctx, gcore, "-o", prefix, pid)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcore %s: %v: %s", pid, err, b)
		}
		core := prefix + "." + pid
		defer os.Remove(core)
		c, tokens, size, err := scanCore(core, needles)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens { // a citizen's token seen for the first time: a needle from now on
			needles = append(needles, needle{fmt.Sprintf("citizen token %d (%s)", len(needles)-4*len(visits)+1, column), tok, 0})
		}
		if len(tokens) > 0 {
			c, _, _, err = scanCore(core, needles)
			if err != nil {
				t.Fatal(err)
			}
		}
		counts[column] = c
		t.Logf("gcore %s (%s): %d MiB, dumped and scanned in %v", pid, column, size>>20, time.Since(start).Round(100*time.Millisecond))
	}

	dump("pristine", first)
	handover := regexp.MustCompile(`handover: kiosk (\d+) on the screen (\d+)ms after kiosk (\d+)`)
	for i := range visits {
		v := &visits[i]
		click("Logg inn", 640, 422) // the kiosk asks the backend for a device code and shows it
		be.approve(t, be.pendingCode(t, 90*time.Second), v.person.ID)
		// The kiosk's next poll gets the tokens: the next screen's control is drawn, and clicked.
		if v.choose {
			click("... – deg sjølv", 640, 215)
		}
		click("Meldingar", 232, 316)
		// Home is gone (no tile where «Meldingar» was), and the inbox's rows (text on the background) are
		// drawn where the first thread is.
		waitArea(t, display, 232, 316, controlColours(), false, 90*time.Second)
		waitInk(t, display, image.Rect(100, 280, 1180, 360), 90*time.Second)
		x("mousemove", "--sync", "400", "320", "click", "1") // the first thread
		// The thread's reply field: an input field's white around the point.
		sf := kt.Light.Surface
		waitArea(t, display, 640, 650, [][3]int{{int(sf.R), int(sf.G), int(sf.B)}}, true, 90*time.Second)
		x("mousemove", "--sync", "640", "650", "click", "1")
		field := image.Rect(200, 590, 1080, 710)
		// The field with the focus drawn, before the typing: two shots alike, 200 ms apart.
		before := shot(field)
		for deadline := time.Now().Add(90 * time.Second); ; before = shot(field) {
			time.Sleep(200 * time.Millisecond)
			if bytes.Equal(shot(field), before) || time.Now().After(deadline) {
				break
			}
		}
		x("type", "--delay", "40", v.marker)
		// The typed text is drawn in the field (so the kiosk has it) before the visit ends.
		for deadline := time.Now().Add(90 * time.Second); bytes.Equal(shot(field), before); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("visit %d: the typed draft is not drawn in the reply field", i+1)
			}
		}
		click("Logg ut", 1188, 37)
		m := lines.wait(handover, 90*time.Second)
		t.Logf("visit %d (%s): the supervisor says kiosk %s was on the screen %s ms after kiosk %s's visit ended",
			i+1, v.person.Name, m[1], m[2], m[3])
		dump(fmt.Sprintf("old %d", i+1), m[3])
		_ = signalPID(m[3], syscall.SIGTERM) // done with it: let it go now (the hold would keep it 90 s)
		for deadline := time.Now().Add(60 * time.Second); alive(m[3]); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("kiosk %s still runs a minute after SIGTERM", m[3])
			}
		}
	}
	// The fresh kiosk is the one the last handover put on the screen (it said "ready": its first frame is
	// drawn).
	fresh := lines.last(handover)[1]
	dump("fresh", fresh)
	dump("supervisor", strconv.Itoa(sup.Process.Pid))

	if len(needles) == 4*len(visits) {
		t.Errorf("no citizen JWT (with a pid claim) found in the old processes' dumps: the token count proves nothing")
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-34s", "copies (UTF-8 + UTF-32)")
	for _, c := range columns {
		fmt.Fprintf(&table, " %10s", c)
	}
	table.WriteString("\n")
	for _, nd := range needles {
		fmt.Fprintf(&table, "%-34s", nd.what)
		for _, c := range columns {
			if n, ok := counts[c][nd.s]; ok {
				fmt.Fprintf(&table, " %10d", n)
			} else {
				fmt.Fprintf(&table, " %10s", "–")
			}
		}
		table.WriteString("\n")
		for _, c := range []string{"pristine", "fresh", "supervisor"} {
			if n := counts[c][nd.s]; n > 0 {
				t.Errorf("%s: %d copies in the %s process", nd.what, n, c)
			}
		}
		// The visit's own process must have held what it showed (draft, subject, name), or the needle is
		// wrong and its zeros prove nothing. Not the identity number: the API never sends it to the kiosk,
		// which has it only inside the citizen's JWTs (the pid claim, base64url), counted as tokens.
		if c := fmt.Sprintf("old %d", nd.visit); nd.visit > 0 && !strings.HasPrefix(nd.what, "identity number") && counts[c][nd.s] == 0 {
			t.Errorf("%s: no copy in the %s process, whose visit it was: the count proves nothing", nd.what, c)
		}
	}
	t.Logf("memory after two visits (the kiosk on its own backend process, not in demo mode):\n%s", table.String())
	s := out.String()
	if strings.Contains(s, "panic") {
		t.Fatalf("output:\n%s", s)
	}
	// The user codes came from the backend's database; the kiosk must not have logged them anywhere.
	for _, code := range be.codes {
		if strings.Contains(s, code) {
			t.Errorf("the kiosk's output holds the user code %s", code)
		}
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(code)) {
				t.Errorf("%s holds the user code %s", path, code)
			}
			return nil
		})
	}
}

// A needle is a string counted in the dumps; visit is the visit (1, 2) whose old process must hold it,
// 0 for a token.
type needle struct {
	what, s string
	visit   int
}

// A memBackend is the reference backend as its own process (`helsekiosk-backend --demo`), with the kiosk
// registered as a kiosk client: url, the client's id and the file with its secret. codes are the user
// codes approved so far.
type memBackend struct {
	url, clientID, secretFile string
	db                        *sql.DB // its SQLite file, read-only
	codes                     []string
}

// startBackend builds cmd/helsekiosk-backend and runs it with --demo on a free loopback port, its
// database an SQLite file, until the test ends.
func startBackend(ctx context.Context, t *testing.T) *memBackend {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "helsekiosk-backend")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.CommandContext(ctx, goTool, "build", "-o", bin, "../helsekiosk-backend")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ../helsekiosk-backend: %v\n%s", err, b)
	}
	be := &memBackend{clientID: "helsekiosk-memtest", secretFile: filepath.Join(dir, "client-secret")}
	secret := rand.Text()
	if err := os.WriteFile(be.secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clients := filepath.Join(dir, "kiosk-clients.toml")
	if err := os.WriteFile(clients, fmt.Appendf(nil, "[[kiosk]]\nclient_id = %q\nsecret_hash = %q\nname = \"Minnetesten\"\nlocation = \"Testbenken\"\n",
		be.clientID, backend.SHA256SecretHash(secret)), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port, given to the backend
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	be.url = "http://" + addr
	dbFile := filepath.Join(dir, "backend.db")
	var out lockedBuffer
	cmd := exec.Command(bin, "--demo", "--addr", addr, "--db", dbFile, "--kiosk-clients", clients,
		"--metrics-addr", "", "--poll-interval", "1s")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(be.url + "/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("helsekiosk-backend not up on %s within 30 s: %v\n%s", addr, err, out.String())
		}
	}
	be.db, err = sql.Open("sqlite", "file:"+dbFile+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.db.Close() })
	t.Logf("helsekiosk-backend --demo on %s (database %s)", be.url, dbFile)
	return be
}

// pendingCode waits for a pending device login not seen before (the one the kiosk just asked for) and
// returns its user code, read from the backend's database: what the citizen's phone reads from the QR
// code on the kiosk's screen.
func (be *memBackend) pendingCode(t *testing.T, timeout time.Duration) string {
	t.Helper()
	for start := time.Now(); time.Since(start) < timeout; time.Sleep(100 * time.Millisecond) {
		var code string
		err := be.db.QueryRow(`SELECT user_code FROM device_codes WHERE status = 'pending' ORDER BY created_at DESC LIMIT 1`).Scan(&code)
		if err == nil && !slices.Contains(be.codes, code) {
			be.codes = append(be.codes, code)
			return code
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Logf("device_codes: %v", err)
		}
	}
	t.Fatalf("no new pending device login in the backend within %v", timeout)
	return ""
}

// approve approves the device login with userCode as personID, as the citizen does on the phone: the
// demo /device page's form.
func (be *memBackend) approve(t *testing.T, userCode, personID string) {
	t.Helper()
	resp, err := http.PostForm(be.url+"/device", url.Values{"user_code": {userCode}, "person_id": {personID}, "action": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("approve %s as %s: %d %s", userCode, personID, resp.StatusCode, body)
	}
}

// windowNames are the titles of the visible kiosk windows.
func windowNames(display, xdotool string) []string {
	var names []string
	for _, id := range visibleWindows(display, xdotool) {
		cmd := exec.Command(xdotool, "getwindowname", id)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		b, _ := cmd.Output()
		names = append(names, strings.TrimSpace(string(b)))
	}
	return names
}

// scanCore counts each needle in the file at path (UTF-8 and UTF-32LE), and lists the JWTs with a pid
// claim (the citizen's access and ID tokens) it holds that are not needles yet; it reads the file in
// overlapping chunks.
func scanCore(path string, needles []needle) (counts map[string]int, tokens []string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	type pat struct {
		key string
		b   []byte
	}
	var pats []pat
	counts = map[string]int{}
	known := map[string]bool{}
	for _, nd := range needles {
		counts[nd.s] = 0
		known[nd.s] = true
		var u32 []byte
		for _, r := range nd.s {
			u32 = binary.LittleEndian.AppendUint32(u32, uint32(r))
		}
		pats = append(pats, pat{nd.s, []byte(nd.s)}, pat{nd.s, u32})
	}
	const chunk, overlap = 64 << 20, 8 << 10
	buf := make([]byte, chunk+overlap)
	keep := 0 // bytes carried over from the last chunk (already searched for matches starting there)
	seen := map[string]bool{}
	for {
		n, rerr := io.ReadFull(f, buf[keep:])
		size += int64(n)
		data := buf[:keep+n]
		last := rerr != nil
		limit := len(data) - overlap // matches starting at or after limit are counted with the next chunk
		if last {
			limit = len(data)
		}
		for _, p := range pats {
			for i := 0; ; {
				j := bytes.Index(data[i:], p.b)
				if j < 0 || i+j >= limit {
					break
				}
				counts[p.key]++
				i += j + 1
			}
		}
		for _, loc := range jwtRE.FindAllIndex(data, -1) {
			if loc[0] >= limit {
				continue
			}
			tok := string(data[loc[0]:loc[1]])
			parts := strings.Split(tok, ".")
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err == nil && bytes.Contains(payload, []byte(`"pid"`)) && !known[tok] && !seen[tok] {
				seen[tok] = true
				tokens = append(tokens, tok)
			}
		}
		if last {
			break
		}
		keep = copy(buf, data[limit:])
	}
	return counts, tokens, size, nil
}

var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}`)

func signalPID(pid string, sig syscall.Signal) error {
	p, err := strconv.Atoi(pid)
	if err != nil {
		return err
	}
	return syscall.Kill(p, sig)
}

// lineWaiter waits for lines of a child's output.
type lineWaiter struct {
	t   *testing.T
	out *lockedBuffer
	pos int
}

// wait returns the first match of re after the last one waited for.
func (w *lineWaiter) wait(re *regexp.Regexp, timeout time.Duration) []string {
	w.t.Helper()
	for start := time.Now(); time.Since(start) < timeout; time.Sleep(20 * time.Millisecond) {
		s := w.out.String()
		if loc := re.FindStringSubmatchIndex(s[w.pos:]); loc != nil {
			m := re.FindStringSubmatch(s[w.pos:])
			w.pos += loc[1]
			return m
		}
	}
	w.t.Fatalf("no %q within %v; output:\n%s", re, timeout, w.out.String())
	return nil
}

// last is the last match of re in the whole output.
func (w *lineWaiter) last(re *regexp.Regexp) []string {
	all := re.FindAllStringSubmatch(w.out.String(), -1)
	if len(all) == 0 {
		w.t.Fatalf("no %q; output:\n%s", re, w.out.String())
	}
	return all[len(all)-1]
}

func waitWindow(t *testing.T, display, xdotool string, timeout time.Duration) {
	t.Helper()
	for start := time.Now(); time.Since(start) < timeout; time.Sleep(200 * time.Millisecond) {
		if len(visibleWindows(display, xdotool)) > 0 {
			return
		}
	}
	t.Fatalf("no kiosk window on %s within %v", display, timeout)
}

func visibleWindows(display, xdotool string) []string {
	cmd := exec.Command(xdotool, "search", "--onlyvisible", "--name", "Helsekiosk")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	b, _ := cmd.Output()
	return strings.Fields(string(b))
}

// windowWatch samples the visible kiosk windows every 10 ms, to tell when the old window went and the new
// one came.
type windowWatch struct {
	samples chan windowSample
	stop    chan struct{}
}

type windowSample struct {
	at  time.Time
	ids []string
}

func watchWindows(display, xdotool string) *windowWatch {
	w := &windowWatch{samples: make(chan windowSample, 100000), stop: make(chan struct{})}
	go func() {
		for {
			select {
			case <-w.stop:
				close(w.samples)
				return
			default:
			}
			w.samples <- windowSample{time.Now(), visibleWindows(display, xdotool)}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return w
}

// report logs when, after the logout click at clicked, the new window was first seen and the old one last.
func (w *windowWatch) report(t *testing.T, clicked time.Time) {
	close(w.stop)
	var all []windowSample
	for s := range w.samples {
		all = append(all, s)
	}
	if len(all) == 0 || len(all[0].ids) == 0 {
		t.Logf("handover timing: no samples")
		return
	}
	old := all[0].ids[0]
	var newAt, oldGone time.Time
	var blank time.Duration
	for i, s := range all {
		hasOld, hasNew := false, false
		for _, id := range s.ids {
			hasOld = hasOld || id == old
			hasNew = hasNew || id != old
		}
		if hasNew && newAt.IsZero() {
			newAt = s.at
		}
		if !hasOld && oldGone.IsZero() {
			oldGone = s.at
		}
		if len(s.ids) == 0 && i+1 < len(all) {
			blank += all[i+1].at.Sub(s.at)
		}
	}
	ms := func(at time.Time) string {
		if at.IsZero() {
			return "not seen"
		}
		return fmt.Sprintf("%d ms", at.Sub(clicked).Milliseconds())
	}
	t.Logf("handover timing (xdotool every 10 ms, %d samples): after the logout click the new welcome window is mapped at %s, the old window gone at %s; no kiosk window mapped for %d ms in all",
		len(all), ms(newAt), ms(oldGone), blank.Milliseconds())
}
