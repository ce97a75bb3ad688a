package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func demoNIN(t *testing.T, id string) string {
	t.Helper()
	for _, p := range backend.DemoPersons() {
		if p.ID == id {
			return p.NationalID
		}
	}
	t.Fatalf("no demo person %s", id)
	return ""
}

// fullmaktSetup logs personID in (acting for themself) through a writeProxy and opens Fullmakt.
func fullmaktSetup(t *testing.T, lang, personID string) (*harness, *backendtest.Env, *writeProxy) {
	t.Helper()
	clk := backendtest.NewClock(apptNow(t))
	env := backendtest.New(t, backendtest.WithClock(clk))
	proxy := newWriteProxy(t, env.URL)
	h := newHarness(t, config.Config{API: proxy.URL, Lang: lang})
	h.k.clk = nowClock(clk.Now)
	logIn(t, h, env, personID)
	if personID == "p-kari" {
		h.waitForText(h.k.tr("ChoosePersonHeading"))
		h.tap("Kari Haugen – " + h.k.tr("RelationSelf"))
	}
	h.tapWhenReady(h.k.tr("TileFullmakt"))
	h.waitFor("the fullmakt lists", func() bool {
		s, ok := h.k.cur.(*fullmaktScreen)
		return ok && s.lists != nil
	})
	return h, env, proxy
}

func TestFullmaktNumberCheckedAtTheField(t *testing.T) {
	h, _, proxy := fullmaktSetup(t, "nn", "p-ingrid")
	s := h.k.cur.(*fullmaktScreen)
	h.tap("Gi fullmakt til nokon")
	h.waitForText("Fødselsnummer (11 siffer)")
	for _, c := range []struct{ in, want string }{
		{"1507650056", ""}, // not whole yet: no complaint while typing
		{"15076500565a", "Fødselsnummeret kan berre ha siffer."},
		{"1507x", "Fødselsnummeret kan berre ha siffer."},
		{"150765005655", "Fødselsnummeret må ha 11 siffer. Du har skrive 12."},
		{"32076500565", "Dei seks første siffera skal vere fødselsdatoen: dag, månad og år, til dømes 150765."},
		{"31046500565", "Dei seks første siffera skal vere fødselsdatoen: dag, månad og år, til dømes 150765."},
		{"15076500575", "Nummeret stemmer ikkje. Sjå etter at du har skrive alle dei 11 siffera rett."},
		{"15076500566", "Nummeret stemmer ikkje. Sjå etter at du har skrive alle dei 11 siffera rett."},
		{"150765 00565", ""}, // valid, with a space between the groups
		{"15876500520", ""},  // synthetic, valid
	} {
		s.nin.SetText("")
		test.Type(s.nin, c.in)
		got := ""
		if s.ninErr.Visible() {
			got = s.ninErr.Text
		}
		if got != c.want {
			t.Errorf("%q: field says %q, want %q", c.in, got, c.want)
		}
	}

	// Sending with a wrong number (and no scope) sends nothing and says what to fix, keeping the text.
	test.Type(s.name, "Ola Berg")
	s.nin.SetText("")
	test.Type(s.nin, "15076500566")
	h.tap("Gi fullmakt")
	h.waitForText("Sjå over felta som er merkte. Ingenting er sendt.")
	if !h.hasText("Vel minst éin ting personen kan gjere for deg.") || !s.ninErr.Visible() {
		t.Errorf("the fields are not marked: %q", h.texts(false))
	}
	s.nin.SetText("")
	h.tap("Gi fullmakt")
	h.waitForText("Skriv fødselsnummeret.")
	if w := proxy.writesTo("/fullmakt"); len(w) != 0 {
		t.Errorf("an invalid grant was sent: %q", w)
	}
	if s.name.Text != "Ola Berg" {
		t.Errorf("the name was lost: %q", s.name.Text)
	}
	// An end date that is not a date, or not in the future.
	test.Type(s.nin, demoNIN(t, "p-ola"))
	s.scopes[api.Messages].SetChecked(true)
	for _, c := range []struct{ in, want string }{
		{"31.13.2027", "Skriv datoen som dd.mm.åååå, til dømes 31.12.2027."},
		{"24.11.2026", "Sluttdatoen må vere etter i dag."},
	} {
		s.until.SetText(c.in)
		h.tap("Gi fullmakt")
		if !s.untilErr.Visible() || s.untilErr.Text != c.want {
			t.Errorf("end date %q: %q, want %q", c.in, s.untilErr.Text, c.want)
		}
	}
	if w := proxy.writesTo("/fullmakt"); len(w) != 0 {
		t.Errorf("an invalid grant was sent: %q", w)
	}
}

func TestGrantFullmakt(t *testing.T) {
	h, env, proxy := fullmaktSetup(t, "nn", "p-ingrid")
	s := h.k.cur.(*fullmaktScreen)
	if !h.hasText("Kven kan gjere noko på vegner av meg") || !h.hasText("Kven eg kan representere") || !h.hasText("Kari Haugen") ||
		!h.hasText("Gjeld: meldingar, avtalar  ·  Utan sluttdato") || !h.hasText("Du har ikkje fullmakt frå nokon.") {
		t.Errorf("the lists are not shown: %q", h.texts(false))
	}
	h.tap("Gi fullmakt til nokon")
	h.waitForText("Fødselsnummer (11 siffer)")

	// The backend's rules, each said at the field it concerns; what was typed stays.
	for _, c := range []struct {
		name, person, want string
	}{
		{"Ola Bergh", "p-ola", "Vi fann ingen med dette fødselsnummeret og namnet. Sjå etter at namnet er skrive som i folkeregisteret."},
		{"Emma Berg", "p-emma", "Den du gir fullmakt til, må vere minst 18 år."},
		{"Ingrid Haugen", "p-ingrid", "Du kan ikkje gi fullmakt til deg sjølv."},
		{"Kari Haugen", "p-kari", "Denne personen har alt fullmakt frå deg. Trekk ho tilbake først om du vil endre ho."},
	} {
		s.name.SetText(c.name)
		s.nin.SetText(demoNIN(t, c.person))
		s.scopes[api.Messages].SetChecked(true)
		h.tap("Gi fullmakt")
		h.waitFor(c.want, func() bool { return !s.busy && h.hasText(c.want) })
		if s.name.Text != c.name || s.nin.Text != demoNIN(t, c.person) || !s.scopes[api.Messages].Checked {
			t.Errorf("%s: the form lost what was typed", c.name)
		}
	}

	// The answer is lost once; the retry reuses the key and the fullmakt is stored once.
	s.name.SetText("Ola Berg")
	s.nin.SetText(demoNIN(t, "p-ola"))
	s.scopes[api.Appointments].SetChecked(true)
	s.until.SetText("31.12.2027")
	before := len(proxy.writesTo("/fullmakt"))
	proxy.setFailing(true)
	h.tap("Gi fullmakt")
	h.waitFor("the failure", func() bool { return !s.busy && h.containsText("Fullmakta vart ikkje gitt.") })
	proxy.setFailing(false)
	h.tap("Gi fullmakt")
	h.waitForText("Ola Berg har no fullmakt frå deg.")
	h.waitForText("Ola Berg")
	if !h.hasText("Gjeld: meldingar, avtalar  ·  Sluttdato: 31. desember 2027") {
		t.Errorf("the new fullmakt is not listed with its end date: %q", h.texts(false))
	}
	writes := proxy.writesTo("/fullmakt")[before:]
	if len(writes) < 2 || writes[0] != writes[len(writes)-1] {
		t.Errorf("the retry did not reuse the key: %q", writes)
	}
	l, err := backendSession(t, env, "p-ingrid").Fullmakt(context.Background(), "p-ingrid")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range l.GrantedByMe {
		if f.Receiver.Id == "p-ola" {
			n++
			if len(f.Scopes) != 2 || f.ValidUntil == nil || f.ValidUntil.Format(time.DateOnly) != "2027-12-31" {
				t.Errorf("stored %+v", f)
			}
		}
	}
	if n != 1 {
		t.Errorf("Ola has %d fullmakter from Ingrid, want 1", n)
	}
	// Ola sees it from his side.
	lo, err := backendSession(t, env, "p-ola").Fullmakt(context.Background(), "p-ola")
	if err != nil || len(lo.GrantedToMe) != 1 || lo.GrantedToMe[0].Giver.Id != "p-ingrid" {
		t.Errorf("Ola's list: %+v %v", lo, err)
	}
}

func TestRevokeFullmakt(t *testing.T) {
	h, env, proxy := fullmaktSetup(t, "nb", "p-ingrid")
	h.tap("Trekk tilbake")
	h.waitForText("Vil du trekke tilbake fullmakten til Kari Haugen?")
	h.tap("Nei, behold")
	h.waitForText("Hvem kan gjøre noe på vegne av meg")
	if !h.hasText("Kari Haugen") || len(proxy.writesTo("/fullmakt")) != 0 {
		t.Fatalf("«Nei» revoked or hid the fullmakt: %q", h.texts(false))
	}
	h.tap("Trekk tilbake")
	h.waitForText("Vil du trekke tilbake fullmakten til Kari Haugen?")
	h.tap("Ja, trekk tilbake")
	h.waitForText("Fullmakten til Kari Haugen er trukket tilbake.")
	h.waitForText("Ingen har fullmakt fra deg.")
	me, err := backendSession(t, env, "p-kari").Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range me.Persons {
		if p.Person.Id == "p-ingrid" {
			t.Error("Kari may still act for Ingrid after the revocation")
		}
	}
	if w := proxy.writesTo("/fullmakt/"); len(w) != 1 || !strings.HasPrefix(w[0], "DELETE ") {
		t.Errorf("writes: %q", w)
	}
}

func TestKariActingForIngridCannotGrant(t *testing.T) {
	env := backendtest.New(t)
	proxy := newWriteProxy(t, env.URL)
	h := newHarness(t, config.Config{API: proxy.URL, Lang: "nn"})
	logIn(t, h, env, "p-kari")
	h.waitForText("Kven gjeld det?")
	h.tap("Ingrid Haugen – fullmakt")
	h.tapWhenReady("Fullmakt")
	h.waitForText("Berre Ingrid Haugen sjølv kan gi eller trekkje tilbake fullmakt.")
	for _, b := range []string{"Gi fullmakt til nokon", "Trekk tilbake", "Gi fullmakt"} {
		if h.hasText(b) {
			t.Errorf("acting for Ingrid, Kari is offered %q", b)
		}
	}
	if len(proxy.writesTo("/fullmakt")) != 0 {
		t.Error("something was written")
	}
	// For herself, she sees whom she may act for, and may grant.
	h.tap("Byt person")
	h.waitForText("Kven gjeld det?")
	h.tap("Kari Haugen – deg sjølv")
	h.tapWhenReady("Fullmakt")
	h.waitForText("Kven eg kan representere")
	h.waitForText("Ingrid Haugen")
	if !h.hasText("Gi fullmakt til nokon") {
		t.Errorf("Kari cannot grant for herself: %q", h.texts(false))
	}
}
