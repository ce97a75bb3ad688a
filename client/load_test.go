package client_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// loadKiosk is one simulated kiosk: its own HTTP connections, a logged-in citizen and a thread of its own.
type loadKiosk struct {
	sess     *client.Session
	pid, tid string
	sent     int
	acked    map[string]bool // replies answered with success
	failed   []string        // replies that ended in an error
	lat      map[string][]time.Duration
	errs     map[string][]string
}

func (k *loadKiosk) measure(op string, f func() error) {
	start := time.Now()
	err := f()
	k.lat[op] = append(k.lat[op], time.Since(start))
	if err != nil {
		k.errs[op] = append(k.errs[op], err.Error())
	}
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(p*float64(len(d))+0.5) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// TestLoad runs 200 simulated kiosks (HELSEKIOSK_LOAD_KIOSKS) for 60 s (HELSEKIOSK_LOAD_DURATION) against the
// reference backend over HTTP: each polls the home overview, reads its thread and every third round sends a
// reply, with a think time of 0.5–1.5 s (HELSEKIOSK_LOAD_THINK=1s) between calls. It prints p50/p95/p99
// latency and the errors per call, and fails on any error, any answered reply stored other than exactly
// once, or an unanswered one stored more than once. It runs only with HELSEKIOSK_LOAD=1 (make load).
//
// HELSEKIOSK_LOAD_DB picks the backend: sqlite (default) is one in-process backend on SQLite in memory;
// postgres is two helsekiosk-backend processes on one PostgreSQL database (pgtest), kiosks alternating
// between them (load_targets_test.go). With HELSEKIOSK_LOAD_KILL=1 replica B is killed with SIGKILL halfway
// through, and the kiosks' retries (same Idempotency-Key) go to the survivor.
func TestLoad(t *testing.T) {
	if os.Getenv("HELSEKIOSK_LOAD") == "" {
		t.Skip("set HELSEKIOSK_LOAD=1 (make load)")
	}
	kiosks := envInt("HELSEKIOSK_LOAD_KIOSKS", 200)
	dur := envDuration("HELSEKIOSK_LOAD_DURATION", time.Minute)
	think := envDuration("HELSEKIOSK_LOAD_THINK", time.Second)

	var tg *loadTarget
	switch db := os.Getenv("HELSEKIOSK_LOAD_DB"); db {
	case "", "sqlite":
		tg = sqliteTarget(t)
	case "postgres":
		tg = replicaTarget(t, os.Getenv("HELSEKIOSK_LOAD_KILL") != "")
	default:
		t.Fatalf("HELSEKIOSK_LOAD_DB=%q: sqlite or postgres", db)
	}

	// Log every kiosk in through the device flow, 20 at a time.
	who := []struct{ citizen, person string }{
		{backend.DemoIngrid, backend.DemoIngrid}, {backend.DemoKari, backend.DemoIngrid}, {backend.DemoOla, backend.DemoEmma},
	}
	ks := make([]*loadKiosk, kiosks)
	sem := make(chan struct{}, 20)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var setupErr []string
	loginStart := time.Now()
	for i := range ks {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			fail := func(err error) {
				mu.Lock()
				setupErr = append(setupErr, fmt.Sprintf("kiosk %d: %v", i, err))
				mu.Unlock()
			}
			c, err := client.New(tg.url, client.WithHTTPClient(&http.Client{Transport: tg.transport(i)}))
			if err != nil {
				fail(err)
				return
			}
			w := who[i%len(who)]
			l, err := c.StartLogin(ctx, fmt.Sprintf("Kiosk %d", i))
			if err != nil {
				fail(err)
				return
			}
			if err := c.DemoApprove(ctx, l.UserCode, w.citizen, true); err != nil {
				fail(err)
				return
			}
			sess, err := l.Wait(ctx)
			if err != nil {
				fail(err)
				return
			}
			svcs, err := sess.Services(ctx, w.person)
			if err != nil || len(svcs) == 0 {
				fail(fmt.Errorf("services: %v", err))
				return
			}
			th, err := sess.CreateThread(ctx, w.person, client.NewIdempotencyKey(),
				api.NewThread{ServiceId: svcs[0].Id, Subject: fmt.Sprintf("Lasttest %d", i), Body: "Start"})
			if err != nil {
				fail(err)
				return
			}
			ks[i] = &loadKiosk{sess: sess, pid: w.person, tid: th.Id, lat: map[string][]time.Duration{}, errs: map[string][]string{}, acked: map[string]bool{}}
		})
	}
	wg.Wait()
	if len(setupErr) > 0 {
		t.Fatalf("%d kiosks could not start: %s", len(setupErr), strings.Join(setupErr[:min(5, len(setupErr))], "; "))
	}
	t.Logf("load: %d kiosks logged in in %v", kiosks, time.Since(loginStart).Round(time.Millisecond))

	deadline := time.Now().Add(dur)
	nap := func() {
		time.Sleep(time.Duration(float64(think) * (0.5 + rand.Float64())))
	}
	start := time.Now()
	var killedAt time.Duration
	if tg.kill != nil {
		wg.Go(func() {
			time.Sleep(dur / 2)
			tg.kill()
			killedAt = time.Since(start)
		})
	}
	for i, k := range ks {
		wg.Go(func() {
			ctx := context.Background()
			time.Sleep(time.Duration(i) * think / time.Duration(kiosks)) // spread the start
			for round := 0; time.Now().Before(deadline); round++ {
				k.measure("poll (overview)", func() error { _, err := k.sess.Overview(ctx, k.pid); return err })
				nap()
				k.measure("read (thread)", func() error { _, err := k.sess.Thread(ctx, k.pid, k.tid); return err })
				nap()
				if round%3 == 2 {
					body := fmt.Sprintf("Melding %d frå kiosk %d", round, i)
					k.measure("send (reply)", func() error {
						_, err := k.sess.Reply(ctx, k.pid, k.tid, client.NewIdempotencyKey(), body)
						if err == nil {
							k.sent++
							k.acked[body] = true
						} else {
							k.failed = append(k.failed, body)
						}
						return err
					})
					nap()
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)

	ops := []string{"poll (overview)", "read (thread)", "send (reply)"}
	all := map[string][]time.Duration{}
	errs := map[string][]string{}
	var total []time.Duration
	for _, k := range ks {
		for _, op := range ops {
			all[op] = append(all[op], k.lat[op]...)
			total = append(total, k.lat[op]...)
			errs[op] = append(errs[op], k.errs[op]...)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "load on %s: %d kiosks for %v, think time %v ±50%%: %d calls, %.0f calls/s\n", tg.desc, kiosks, took.Round(time.Second), think,
		len(total), float64(len(total))/took.Seconds())
	if tg.kill != nil {
		fmt.Fprintf(&b, "replica B killed with SIGKILL at %v (a reply in flight: %v); %d attempts failed over to the survivor\n",
			killedAt.Round(100*time.Millisecond), tg.inFlight.Load(), tg.failovers.Load())
	}
	fmt.Fprintf(&b, "| call | count | p50 | p95 | p99 | max | errors |\n|---|---:|---:|---:|---:|---:|---:|\n")
	row := func(name string, d []time.Duration, nerr int) {
		slices.Sort(d)
		ms := func(x time.Duration) string { return fmt.Sprintf("%.1f ms", float64(x.Microseconds())/1000) }
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %d |\n", name, len(d), ms(pct(d, .5)), ms(pct(d, .95)), ms(pct(d, .99)), ms(pct(d, 1)), nerr)
	}
	nerr := 0
	for _, op := range ops {
		row(op, all[op], len(errs[op]))
		nerr += len(errs[op])
	}
	row("all", total, nerr)
	fmt.Println(b.String())
	for _, op := range ops {
		if len(errs[op]) > 0 {
			t.Errorf("%s: %d errors, e.g. %s", op, len(errs[op]), errs[op][0])
		}
	}
	// Every reply that was answered is stored exactly once (plus the thread's first message), and one that
	// was not at most once.
	storedUnacked := 0
	for i, k := range ks {
		stored := tg.stored(t, k.tid)
		n := 0
		for body, c := range stored {
			n += c
			switch {
			case body == "Start" || k.acked[body]:
				if c != 1 {
					t.Errorf("kiosk %d: %q stored %d times", i, body, c)
				}
			case slices.Contains(k.failed, body):
				storedUnacked++
				if c != 1 {
					t.Errorf("kiosk %d: unanswered %q stored %d times", i, body, c)
				}
			default:
				t.Errorf("kiosk %d: %q stored, never sent", i, body)
			}
		}
		for body := range k.acked {
			if stored[body] != 1 {
				t.Errorf("kiosk %d: answered reply %q stored %d times", i, body, stored[body])
			}
		}
		if stored["Start"] != 1 {
			t.Errorf("kiosk %d: the thread's first message stored %d times", i, stored["Start"])
		}
	}
	sent := 0
	for _, k := range ks {
		sent += k.sent
	}
	t.Logf("load: %d replies answered, each stored exactly once; %d unanswered replies stored once", sent, storedUnacked)
}
