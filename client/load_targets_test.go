package client_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/pgtest"
)

// loadTarget is the backend TestLoad's kiosks talk to.
type loadTarget struct {
	desc      string
	url       string                            // the backend's public URL, as the kiosks are configured
	transport func(kiosk int) http.RoundTripper // each kiosk's own connections
	stored    func(t *testing.T, threadID string) map[string]int
	kill      func()       // SIGKILL one replica, returning when it is dead (nil: not this run)
	failovers atomic.Int64 // attempts that found their replica dead
	inFlight  atomic.Bool  // the kill came while a reply was being answered
}

// sqliteTarget is one in-process backend on SQLite in memory (make load as before).
func sqliteTarget(t *testing.T) *loadTarget {
	hs := httptest.NewUnstartedServer(nil)
	srv, err := backend.New(backend.Config{Demo: true, PollInterval: time.Nanosecond, KioskName: "Lasttest",
		PublicURL: "http://" + hs.Listener.Addr().String()}) // the discovery document's URLs
	if err != nil {
		hs.Close()
		t.Fatal(err)
	}
	hs.Config.Handler = srv.Handler()
	hs.Start()
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &loadTarget{
		desc:      "SQLite (one in-process backend)",
		url:       hs.URL,
		transport: func(int) http.RoundTripper { return &http.Transport{MaxIdleConnsPerHost: 4} },
		stored: func(t *testing.T, tid string) map[string]int {
			return storedBodies(t, srv.DB(), `SELECT body, COUNT(*) FROM messages WHERE thread_id = ? GROUP BY body`, tid)
		},
	}
}

func storedBodies(t *testing.T, db *sql.DB, q, tid string) map[string]int {
	t.Helper()
	rows, err := db.Query(q, tid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var body string
		var n int
		if err := rows.Scan(&body, &n); err != nil {
			t.Fatal(err)
		}
		out[body] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// replicaTarget is two helsekiosk-backend processes (built from cmd/helsekiosk-backend) on one PostgreSQL
// database (pgtest), with one public URL and signing key, as behind a load balancer. Kiosk i is sent to
// replica i%2; an attempt that cannot reach its replica marks it down for a while (as a load balancer's
// health check would) and fails, so the client's retry, with its Idempotency-Key, goes to the other one.
// With kill, kill SIGKILLs replica B: right after the next reply sent to it has been sent whole (so it dies
// with a write in flight: committed or not, the kiosk's retry on A must store it once), or after 2 s.
func replicaTarget(t *testing.T, kill bool) *loadTarget {
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "helsekiosk-backend")
	build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, "../cmd/helsekiosk-backend")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build helsekiosk-backend: %v\n%s", err, out)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "signing-key.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	public := "http://" + freeAddr(t) // the load balancer's address: never listened on, each request goes to a replica
	type replica struct {
		name, addr string
		cmd        *exec.Cmd
		log        bytes.Buffer
		mu         sync.Mutex
		downUntil  time.Time
	}
	reps := []*replica{{name: "A"}, {name: "B"}}
	for _, r := range reps { // started together: goose's advisory lock lets one migrate, the seed runs once
		r.addr = freeAddr(t)
		r.cmd = exec.Command(bin, "--addr", r.addr, "--db", dsn, "--demo", "--public-url", public, "--signing-key", keyFile,
			"--poll-interval", "1ms", "--kiosk-name", "Lasttest", "--metrics-addr", freeAddr(t))
		r.cmd.Stdout, r.cmd.Stderr = &r.log, &r.log
		r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = r.cmd.Process.Signal(syscall.SIGTERM)
			_ = r.cmd.Wait()
			if t.Failed() {
				t.Logf("replica %s log (tail):\n%s", r.name, tail(r.log.String(), 2000))
			}
		})
	}
	for _, r := range reps {
		deadline := time.Now().Add(30 * time.Second)
		for {
			res, err := http.Get("http://" + r.addr + "/v1/health")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s not healthy: %v\n%s", r.name, err, r.log.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tg := &loadTarget{
		desc: "PostgreSQL (two helsekiosk-backend replicas)",
		url:  public,
		stored: func(t *testing.T, tid string) map[string]int {
			return storedBodies(t, db, `SELECT body, COUNT(*) FROM messages WHERE thread_id = $1 GROUP BY body`, tid)
		},
	}
	var armed atomic.Bool
	var once sync.Once
	killed := make(chan struct{})
	killB := func() { once.Do(func() { _ = reps[1].cmd.Process.Kill(); close(killed) }) }
	if kill {
		tg.desc = "PostgreSQL (two replicas, B killed mid-run)"
		tg.kill = func() {
			armed.Store(true)
			select {
			case <-killed:
			case <-time.After(2 * time.Second):
				killB()
			}
		}
	}
	tg.transport = func(kiosk int) http.RoundTripper {
		base := &http.Transport{MaxIdleConnsPerHost: 4}
		order := []*replica{reps[kiosk%2], reps[(kiosk+1)%2]}
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			now := time.Now()
			r := order[0]
			r.mu.Lock()
			down := now.Before(r.downUntil)
			r.mu.Unlock()
			if down {
				r = order[1]
			}
			out := req.Clone(req.Context())
			out.URL.Host, out.Host = r.addr, ""
			if r == reps[1] && out.Body != nil && req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/messages") &&
				armed.CompareAndSwap(true, false) {
				out.Body = &afterBody{ReadCloser: out.Body, done: func() {
					time.Sleep(2 * time.Millisecond) // the backend has the request and is at work on it
					tg.inFlight.Store(true)
					killB()
				}}
			}
			res, err := base.RoundTrip(out)
			if err != nil && req.Context().Err() == nil {
				r.mu.Lock()
				r.downUntil = now.Add(5 * time.Second)
				r.mu.Unlock()
				tg.failovers.Add(1)
			}
			return res, err
		})
	}
	return tg
}

// afterBody calls done (once, in a goroutine) when the request body has been read to its end.
type afterBody struct {
	io.ReadCloser
	done func()
	once sync.Once
}

func (b *afterBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(func() { go b.done() })
	}
	return n, err
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
