package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// login runs the real device flow against env: start, approve as the phone, wait.
func login(t *testing.T, env *backendtest.Env, c *client.Client, personID string) *client.Session {
	t.Helper()
	l, err := c.StartLogin(ctx(t), "Servicetorget")
	if err != nil {
		t.Fatalf("StartLogin: %v", err)
	}
	env.Approve(t, l.UserCode, personID)
	s, err := l.Wait(ctx(t))
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return s
}

func newClient(t *testing.T, env *backendtest.Env, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(env.URL, append([]client.Option{client.WithRetries(2, time.Millisecond, 10*time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pendingSpy closes pending when the token endpoint first answers authorization_pending.
type pendingSpy struct {
	once    sync.Once
	pending chan struct{}
}

func (p *pendingSpy) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.Method != http.MethodPost {
		return resp, err
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if rerr == nil && bytes.Contains(b, []byte("authorization_pending")) {
		p.once.Do(func() { close(p.pending) })
	}
	return resp, err
}

func TestDeviceLogin(t *testing.T) {
	env := backendtest.New(t)
	spy := &pendingSpy{pending: make(chan struct{})}
	c := newClient(t, env, client.WithHTTPClient(&http.Client{Transport: spy}))
	l, err := c.StartLogin(ctx(t), "Servicetorget")
	if err != nil {
		t.Fatal(err)
	}
	if l.UserCode == "" || !strings.Contains(l.VerificationURIComplete, "user_code=") || l.Interval <= 0 ||
		time.Until(l.Expiry) <= 0 {
		t.Fatalf("login = %+v", l)
	}
	done := make(chan struct{})
	var s *client.Session
	go func() {
		defer close(done)
		s, err = l.Wait(ctx(t))
	}()
	select { // it polls while pending at least once, and goes on polling after
	case <-spy.pending:
	case <-time.After(30 * time.Second):
		t.Fatal("the client was never answered authorization_pending: it did not poll before the approval")
	}
	env.Approve(t, l.UserCode, "p-ingrid")
	<-done
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	me, err := s.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if me.Citizen.Id != "p-ingrid" || me.Citizen.Name != "Ingrid Haugen" {
		t.Fatalf("me = %+v", me.Citizen)
	}
	if len(me.Persons) == 0 || me.Persons[0].Relation != api.PersonAccessRelationSelf {
		t.Fatalf("persons = %+v", me.Persons)
	}
}

func TestDeviceLoginDenied(t *testing.T) {
	env := backendtest.New(t)
	c := newClient(t, env)
	l, err := c.StartLogin(ctx(t), "Servicetorget")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DemoApprove(ctx(t), l.UserCode, "p-ingrid", false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Wait(ctx(t)); !errors.Is(err, client.ErrLoginDenied) {
		t.Fatalf("Wait err = %v, want ErrLoginDenied", err)
	}
}

func TestDeviceLoginCancelled(t *testing.T) {
	env := backendtest.New(t)
	c := newClient(t, env)
	l, err := c.StartLogin(ctx(t), "Servicetorget")
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	if _, err := l.Wait(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait err = %v, want context.Canceled", err)
	}
}

func TestUnreachableIssuer(t *testing.T) {
	c, err := client.New("http://127.0.0.1:1", client.WithRetries(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.StartLogin(ctx(t), "k")
	if !client.IsUnavailable(err) {
		t.Fatalf("err = %v, want unavailable", err)
	}
}

func TestLogoutRevokes(t *testing.T) {
	env := backendtest.New(t)
	c := newClient(t, env)
	tok := env.Token(t, "p-ingrid")
	s := c.NewSession(&oauth2.Token{AccessToken: tok, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)})
	if _, err := s.Me(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.Logout(ctx(t)); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if _, err := s.Me(ctx(t)); !errors.Is(err, client.ErrLoggedOut) {
		t.Fatalf("after logout err = %v, want ErrLoggedOut", err)
	}
	again := c.NewSession(&oauth2.Token{AccessToken: tok, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)})
	if _, err := again.Me(ctx(t)); !client.IsUnauthorized(err) || !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("revoked token err = %v, want 401", err)
	}
}

func TestExpiredTokenNeverSent(t *testing.T) {
	env := backendtest.New(t)
	c := newClient(t, env)
	s := c.NewSession(&oauth2.Token{AccessToken: env.Token(t, "p-ingrid"), Expiry: time.Now().Add(-time.Minute)})
	if _, err := s.Me(ctx(t)); !client.IsUnauthorized(err) {
		t.Fatalf("err = %v, want unauthorized", err)
	}
}

func session(t *testing.T, env *backendtest.Env, c *client.Client, personID string) *client.Session {
	return c.NewSession(&oauth2.Token{AccessToken: env.Token(t, personID), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)})
}

func TestIdempotentCreateThread(t *testing.T) {
	env := backendtest.New(t)
	c := newClient(t, env)
	s := session(t, env, c, "p-ingrid")
	before, err := s.Threads(ctx(t), "p-ingrid", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	svcs, err := s.Services(ctx(t), "p-ingrid")
	if err != nil || len(svcs) == 0 {
		t.Fatalf("services = %v, %v", svcs, err)
	}
	key := client.NewIdempotencyKey()
	nt := api.NewThread{ServiceId: svcs[0].Id, Subject: "Nøkkel til døra", Body: "Kan de leggje nøkkelen i postkassa?"}
	first, err := s.CreateThread(ctx(t), "p-ingrid", key, nt)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.CreateThread(ctx(t), "p-ingrid", key, nt)
	if err != nil {
		t.Fatal(err)
	}
	if first.Id != second.Id {
		t.Fatalf("same key gave two threads: %s, %s", first.Id, second.Id)
	}
	after, err := s.Threads(ctx(t), "p-ingrid", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Items) != len(before.Items)+1 {
		t.Fatalf("threads %d → %d, want one more", len(before.Items), len(after.Items))
	}
	if after.Items[0].Id != first.Id || after.Items[0].Subject != nt.Subject {
		t.Fatalf("newest thread = %+v", after.Items[0])
	}
	// The same key with another body is refused, and stores nothing.
	nt.Body = "Noko anna"
	if _, err := s.CreateThread(ctx(t), "p-ingrid", key, nt); !client.IsInvalid(err) || client.CodeOf(err) != "idempotency_key_reused" {
		t.Fatalf("reused key err = %v (code %q)", err, client.CodeOf(err))
	}
}

func TestBadInputKeepsNothing(t *testing.T) {
	env := backendtest.New(t, backendtest.AllowInvalidRequests())
	c := newClient(t, env)
	s := session(t, env, c, "p-ingrid")
	svcs, err := s.Services(ctx(t), "p-ingrid")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.Threads(ctx(t), "p-ingrid", "", 100)
	tests := []struct {
		name  string
		nt    api.NewThread
		field string
	}{
		{"subject too long", api.NewThread{ServiceId: svcs[0].Id, Subject: strings.Repeat("å", 101), Body: "x"}, "subject"},
		{"empty body", api.NewThread{ServiceId: svcs[0].Id, Subject: "Hei", Body: ""}, "body"},
		{"body too long", api.NewThread{ServiceId: svcs[0].Id, Subject: "Hei", Body: strings.Repeat("a", 4001)}, "body"},
		{"unknown service", api.NewThread{ServiceId: "no-such-service", Subject: "Hei", Body: "x"}, "serviceId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateThread(ctx(t), "p-ingrid", client.NewIdempotencyKey(), tt.nt)
			if !client.IsInvalid(err) && !client.IsNotFound(err) {
				t.Fatalf("err = %v, want 4xx", err)
			}
			if client.FieldOf(err) != tt.field {
				t.Errorf("field = %q, want %q (err %v)", client.FieldOf(err), tt.field, err)
			}
		})
	}
	after, _ := s.Threads(ctx(t), "p-ingrid", "", 100)
	if len(after.Items) != len(before.Items) {
		t.Fatalf("bad input stored something: %d → %d threads", len(before.Items), len(after.Items))
	}
}

func TestAccessControl(t *testing.T) {
	env := backendtest.New(t)
	c := newClient(t, env)
	ingrid := session(t, env, c, "p-ingrid")
	kari := session(t, env, c, "p-kari")
	ola := session(t, env, c, "p-ola")
	from, to := time.Now().AddDate(0, 0, -7), time.Now().AddDate(0, 0, 7)
	calls := map[string]func(*client.Session, string) error{
		"threads":      func(s *client.Session, p string) error { _, err := s.Threads(ctx(t), p, "", 10); return err },
		"services":     func(s *client.Session, p string) error { _, err := s.Services(ctx(t), p); return err },
		"appointments": func(s *client.Session, p string) error { _, err := s.Appointments(ctx(t), p, from, to); return err },
		"settings":     func(s *client.Session, p string) error { _, err := s.NotificationSettings(ctx(t), p); return err },
		"fullmakt":     func(s *client.Session, p string) error { _, err := s.Fullmakt(ctx(t), p); return err },
	}
	type want int
	const (
		ok want = iota
		denied
		scopeMissing
	)
	tests := []struct {
		who    string
		s      *client.Session
		person string
		want   map[string]want
	}{
		{"ingrid for ola", ingrid, "p-ola", map[string]want{"threads": denied, "services": denied, "appointments": denied, "settings": denied, "fullmakt": denied}},
		{"ingrid for emma", ingrid, "p-emma", map[string]want{"threads": denied, "services": denied, "appointments": denied, "settings": denied, "fullmakt": denied}},
		{"kari for ingrid", kari, "p-ingrid", map[string]want{"threads": ok, "services": ok, "appointments": ok, "settings": scopeMissing, "fullmakt": scopeMissing}},
		{"ola for emma", ola, "p-emma", map[string]want{"threads": ok, "services": ok, "appointments": ok, "settings": ok, "fullmakt": ok}},
		{"ola for ingrid", ola, "p-ingrid", map[string]want{"threads": denied, "services": denied, "appointments": denied, "settings": denied, "fullmakt": denied}},
	}
	for _, tt := range tests {
		for name, call := range calls {
			err := call(tt.s, tt.person)
			switch tt.want[name] {
			case ok:
				if err != nil {
					t.Errorf("%s %s: %v", tt.who, name, err)
				}
			case denied:
				if !client.IsForbidden(err) && !client.IsNotFound(err) {
					t.Errorf("%s %s: err = %v, want 403/404", tt.who, name, err)
				}
			case scopeMissing:
				if !client.IsForbidden(err) || client.CodeOf(err) != "scope_missing" {
					t.Errorf("%s %s: err = %v (code %q), want 403 scope_missing", tt.who, name, err, client.CodeOf(err))
				}
			}
		}
	}
}

// TestEveryCall walks the whole client against the real backend; backendtest validates each request and
// response against api/openapi.yaml.
func TestEveryCall(t *testing.T) {
	env := backendtest.New(t)
	c := newClient(t, env)
	s := session(t, env, c, "p-ingrid")
	x := ctx(t)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	if h, err := c.Health(x); err != nil || h.Status != api.Ok {
		t.Fatalf("health = %+v, %v", h, err)
	}
	cons, err := s.Consent(x)
	must("consent", err)
	if !cons.Given {
		t.Fatal("Ingrid has consented in the demo data")
	}
	// Paging: small pages add up to the whole list, with no thread twice.
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		p, err := s.Threads(x, "p-ingrid", cursor, 2)
		must("threads", err)
		pages++
		for _, it := range p.Items {
			if seen[it.Id] {
				t.Fatalf("thread %s on two pages", it.Id)
			}
			seen[it.Id] = true
		}
		if p.NextCursor == nil || *p.NextCursor == "" {
			break
		}
		cursor = *p.NextCursor
	}
	all, err := s.Threads(x, "p-ingrid", "", 100)
	must("threads", err)
	if len(seen) != len(all.Items) || pages < 2 {
		t.Fatalf("paged %d threads in %d pages, all = %d", len(seen), pages, len(all.Items))
	}
	th, err := s.Thread(x, "p-ingrid", all.Items[0].Id)
	must("thread", err)
	if len(th.Messages) == 0 {
		t.Fatal("thread without messages")
	}
	must("mark read", s.MarkRead(x, "p-ingrid", th.Id))
	body := "Takk for besøket i dag.\nEg treng ikkje hjelp på laurdag."
	msg, err := s.Reply(x, "p-ingrid", th.Id, client.NewIdempotencyKey(), body)
	must("reply", err)
	th2, err := s.Thread(x, "p-ingrid", th.Id)
	must("thread", err)
	if last := th2.Messages[len(th2.Messages)-1]; last.Id != msg.Id || last.Body != body || last.Author != api.AuthorKindCitizen {
		t.Fatalf("last message = %+v", last)
	}
	apps, err := s.Appointments(x, "p-ingrid", time.Now().AddDate(0, 0, -21), time.Now().AddDate(0, 0, 22))
	must("appointments", err)
	if len(apps) == 0 {
		t.Fatal("no appointments in the demo data")
	}
	var future *api.Appointment
	for i := range apps {
		if apps[i].Status == api.Booked && apps[i].Start.After(time.Now().AddDate(0, 0, 5)) {
			future = &apps[i]
			break
		}
	}
	if future == nil {
		t.Fatal("no booked appointment five days ahead")
	}
	one, err := s.Appointment(x, "p-ingrid", future.Id)
	must("appointment", err)
	if one.Id != future.Id {
		t.Fatalf("appointment = %+v", one)
	}
	_, err = s.CancellationRule(x)
	must("rule", err)
	start := future.Start.Add(24 * time.Hour)
	chg, err := s.RequestChange(x, "p-ingrid", future.Id, client.NewIdempotencyKey(), api.ChangeRequest{
		ProposedTimes: &[]api.TimeWindow{{Start: start, End: start.Add(2 * time.Hour)}},
	})
	must("change", err)
	if chg.Kind != api.AppointmentRequestKindChange {
		t.Fatalf("change = %+v", chg)
	}
	reason := api.CancellationRequest{Reason: api.Ill}
	can, err := s.RequestCancellation(x, "p-ingrid", future.Id, client.NewIdempotencyKey(), reason)
	must("cancel", err)
	if can.Kind != api.AppointmentRequestKindCancellation {
		t.Fatalf("cancel = %+v", can)
	}
	ns, err := s.SetNotificationChannel(x, "p-ingrid", client.NewIdempotencyKey(), api.Both)
	must("settings", err)
	if ns.Channel != api.Both {
		t.Fatalf("settings = %+v", ns)
	}
	ns, err = s.NotificationSettings(x, "p-ingrid")
	must("settings", err)
	if ns.Channel != api.Both {
		t.Fatalf("saved channel = %v", ns.Channel)
	}
	var ola backend.DemoPerson
	for _, p := range backend.DemoPersons() {
		if p.ID == "p-ola" {
			ola = p
		}
	}
	f, err := s.GrantFullmakt(x, "p-ingrid", client.NewIdempotencyKey(), api.NewFullmakt{
		ReceiverName: ola.Name, ReceiverNationalId: ola.NationalID, Scopes: []api.Scope{api.Messages},
	})
	must("grant", err)
	lists, err := s.Fullmakt(x, "p-ingrid")
	must("fullmakt", err)
	found := false
	for _, g := range lists.GrantedByMe {
		found = found || g.Id == f.Id
	}
	if !found {
		t.Fatalf("granted fullmakt %s not listed: %+v", f.Id, lists.GrantedByMe)
	}
	must("revoke", s.RevokeFullmakt(x, "p-ingrid", f.Id, client.NewIdempotencyKey()))
	// Help requests need the kiosk's own token (client credentials); here an HTTP client that carries it.
	kc, err := client.New(env.URL, client.WithHTTPClient((&clientcredentials.Config{ClientID: backendtest.KioskID,
		ClientSecret: backendtest.KioskSecret, TokenURL: env.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}).Client(x)))
	must("kiosk client", err)
	c = kc
	hr, err := c.CreateHelpRequest(x, client.NewIdempotencyKey(), api.NewHelpRequest{KioskName: "Servicetorget", Screen: "inbox"})
	must("help", err)
	hr2, err := c.HelpRequest(x, hr.Id)
	must("help get", err)
	if hr2.Status != api.Open {
		t.Fatalf("help = %+v", hr2)
	}
	hr3, err := c.WithdrawHelpRequest(x, hr.Id, client.NewIdempotencyKey())
	must("help withdraw", err)
	if hr3.Status != api.Withdrawn {
		t.Fatalf("help = %+v", hr3)
	}
}

// TestLogsHoldNothingPersonal runs a whole session with debug logging on and searches the log.
func TestLogsHoldNothingPersonal(t *testing.T) {
	env := backendtest.New(t)
	var buf bytes.Buffer
	c := newClient(t, env, client.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	tok := env.Token(t, "p-ingrid")
	s := c.NewSession(&oauth2.Token{AccessToken: tok, Expiry: time.Now().Add(time.Hour)})
	me, err := s.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.Threads(ctx(t), "p-ingrid", "", 5)
	if err != nil {
		t.Fatal(err)
	}
	secret := "Hemmeleg helseopplysning 4711"
	if _, err := s.Reply(ctx(t), "p-ingrid", page.Items[0].Id, client.NewIdempotencyKey(), secret); err != nil {
		t.Fatal(err)
	}
	if err := s.Logout(ctx(t)); err != nil {
		t.Fatal(err)
	}
	log := buf.String()
	if !strings.Contains(log, "/v1/me") {
		t.Fatalf("expected request lines in the log, got %q", log)
	}
	for _, bad := range []string{tok, me.Citizen.Name, secret, page.Items[0].Subject, "Bearer"} {
		if strings.Contains(log, bad) {
			t.Errorf("log holds %q", bad)
		}
	}
}

// TestLanguage: the client sends the citizen's language, and the backend's labels follow it.
func TestLanguage(t *testing.T) {
	env := backendtest.New(t)
	c, err := client.New(env.URL, client.WithHTTPClient(env.Client), client.WithLanguage("en"))
	if err != nil {
		t.Fatal(err)
	}
	s := session(t, env, c, "p-ingrid")
	for _, tc := range []struct{ client, session, want string }{
		{"en", "", "Home nursing"},
		{"nb", "", "Hjemmesykepleie"},
		{"nb", "nn", "Heimesjukepleie"},
	} {
		c.SetLanguage(tc.client)
		s.SetLanguage(tc.session)
		svcs, err := s.Services(ctx(t), "p-ingrid")
		if err != nil {
			t.Fatal(err)
		}
		if svcs[0].Name != tc.want {
			t.Errorf("client %q, session %q: %q, want %q", tc.client, tc.session, svcs[0].Name, tc.want)
		}
	}
}
