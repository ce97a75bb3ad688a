package ui

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// benchKiosk is a kiosk on the test app, logged in as Ola with 10,000 threads, whose background results
// are queued and applied by drain (as the test harness does, for a testing.B).
type benchKiosk struct {
	k  *Kiosk
	mu sync.Mutex
	q  []func()
}

func newBenchKiosk(b *testing.B, threads int) *benchKiosk {
	b.Helper()
	env := backendtest.New(b)
	if err := env.Server.SeedBulk(b.Context(), backend.DemoOla, threads, 1); err != nil {
		b.Fatal(err)
	}
	a := test.NewTempApp(b)
	k, err := New(a, config.Config{API: env.URL, Lang: "nn"})
	if err != nil {
		b.Fatal(err)
	}
	bk := &benchKiosk{k: k}
	k.do = func(f func()) { bk.mu.Lock(); bk.q = append(bk.q, f); bk.mu.Unlock() }
	k.win.Resize(fyne.NewSize(1280, 800))
	sess := k.client.NewSession(&oauth2.Token{AccessToken: env.Token(b, backend.DemoOla), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)})
	me, err := sess.Me(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	k.sess = newSession(k.ctx, sess)
	k.sess.me = me
	k.sess.actFor(me.Persons[0])
	b.Cleanup(func() { k.logout(logoutCitizen); k.cancel() })
	return bk
}

// drainUntil applies queued results until cond holds.
func (bk *benchKiosk) drainUntil(b *testing.B, what string, cond func() bool) {
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		bk.mu.Lock()
		q := bk.q
		bk.q = nil
		bk.mu.Unlock()
		for _, f := range q {
			f()
		}
		if len(q) == 0 {
			if time.Now().After(deadline) {
				b.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// firstRowShown reports whether the list has laid out a row showing the first thread's subject.
func firstRowShown(in *inbox) bool {
	if len(in.threads) == 0 {
		return false
	}
	want := in.threads[0].Subject
	if in.threads[0].Unread {
		want = in.k.tr("UnreadMarker") + " " + want
	}
	found := false
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found || o == nil || !o.Visible() {
			return
		}
		switch o := o.(type) {
		case *widget.Label:
			found = o.Text == want
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	walk(in.list)
	return found
}

// BenchmarkInboxFirstPage10k is the time from opening the inbox of a person with 10,000 threads to its
// first page laid out in the list on the test canvas (the page request to the in-process reference backend
// included).
func BenchmarkInboxFirstPage10k(b *testing.B) {
	bk := newBenchKiosk(b, 10_000)
	k := bk.k
	b.ResetTimer()
	for b.Loop() {
		in := newInbox(k, k.sess)
		k.show(in)
		bk.drainUntil(b, "the first page", func() bool { return firstRowShown(in) })
	}
}

// BenchmarkInboxScrollAll10k opens the inbox of 10,000 threads and scrolls to the end, page by page
// (20 a page, as the kiosk asks), until every thread is loaded. It reports the live heap after a GC with
// the whole list loaded (heap-MB) and how much of it the inbox added (inbox-heap-MB: against the heap
// before opening it), besides the time the whole scroll takes.
func BenchmarkInboxScrollAll10k(b *testing.B) {
	bk := newBenchKiosk(b, 10_000)
	k := bk.k
	var before, after runtime.MemStats
	var in *inbox
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		k.show(newHome(k, k.sess))
		in = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		in = newInbox(k, k.sess)
		k.show(in)
		bk.drainUntil(b, "every page", func() bool {
			in.list.ScrollToBottom()
			return !in.more && !in.loading
		})
	}
	b.StopTimer()
	if len(in.threads) != 10_000 {
		b.Fatalf("%d threads loaded", len(in.threads))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(in)
	b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MB")
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/(1<<20), "inbox-heap-MB")
}
