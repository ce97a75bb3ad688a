package backend

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/nin"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// The demo persons' ids.
const (
	DemoIngrid = "p-ingrid" // Ingrid Haugen, 1941: home nursing and practical help, many threads, consented
	DemoKari   = "p-kari"   // Kari Haugen, 1968: Ingrid's daughter, fullmakt from Ingrid (messages, appointments)
	DemoOla    = "p-ola"    // Ola Berg, 1985: father of Emma
	DemoEmma   = "p-emma"   // Emma Berg, 2016: physiotherapy
	DemoPer    = "p-per"    // Per Olsen, 1950: has NOT consented
)

// The demo services' ids.
const (
	ServiceHomeNursing   = "svc-home-nursing"
	ServicePracticalHelp = "svc-practical-help"
	ServicePhysiotherapy = "svc-physiotherapy"
)

// DemoPhysioAddress is where Emma's and Kari's physiotherapy takes place.
const DemoPhysioAddress = "Fysioterapien, Storgata 12"

// DemoPerson is a synthetic test person of the demo data.
type DemoPerson struct {
	ID          string
	Name        string
	BirthDate   time.Time // midnight UTC
	NationalID  string    // synthetic (month + 80), valid mod 11
	Phone       string
	Email       string
	Description string // one line, shown on the verification page
	Consented   bool
}

func birth(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// DemoPersons lists the demo persons in the order the verification page shows them.
func DemoPersons() []DemoPerson {
	mk := func(id, name string, b time.Time, individual int, phone, email, desc string, consented bool) DemoPerson {
		return DemoPerson{ID: id, Name: name, BirthDate: b, NationalID: nin.MustSynthetic(b, individual),
			Phone: phone, Email: email, Description: desc, Consented: consented}
	}
	return []DemoPerson{
		mk(DemoIngrid, "Ingrid Haugen", birth(1941, time.May, 3), 120, "900 00 234", "ingrid.haugen@example.no",
			"84 år, heimesjukepleie og praktisk bistand, mange meldingar / mange meldinger", true),
		mk(DemoKari, "Kari Haugen", birth(1968, time.September, 14), 230, "900 00 567", "kari.haugen@example.no",
			"Dotter til Ingrid, har fullmakt frå henne / Datter av Ingrid, har fullmakt fra henne", true),
		mk(DemoOla, "Ola Berg", birth(1985, time.February, 11), 340, "900 00 891", "ola.berg@example.no",
			"Far til Emma (10 år, fysioterapi) / Far til Emma (10 år, fysioterapi)", true),
		mk(DemoPer, "Per Olsen", birth(1950, time.November, 30), 450, "900 00 345", "per.olsen@example.no",
			"Har ikkje samtykt enno / Har ikke samtykket ennå", false),
		mk(DemoEmma, "Emma Berg", birth(2016, time.August, 20), 560, "", "",
			"Barn, 10 år – for å teste aldersreglar / for å teste aldersregler", false),
	}
}

type seeder struct {
	ctx context.Context
	tx  *sql.Tx
	now time.Time
	err error
}

func (sd *seeder) exec(q string, args ...any) {
	if sd.err != nil {
		return
	}
	if _, err := sd.tx.ExecContext(sd.ctx, q, args...); err != nil {
		sd.err = fmt.Errorf("%w (in %.60s)", err, q)
	}
}

// day is local Oslo time on the day offset days from today.
func (sd *seeder) day(offset, hour, min int) time.Time {
	t := sd.now.In(workdays.Oslo)
	return time.Date(t.Year(), t.Month(), t.Day()+offset, hour, min, 0, 0, workdays.Oslo)
}

type demoMsg struct {
	ago    time.Duration
	author api.AuthorKind
	name   string
	role   string
	body   string
}

// thread inserts a thread with its messages (ago: how long before now each was sent); unread marks
// the last service message unread.
func (sd *seeder) thread(id, personID, serviceID, subject string, unread bool, msgs ...demoMsg) {
	if sd.err != nil {
		return
	}
	first := sd.now.Add(-msgs[0].ago)
	if sd.err = insertThread(sd.ctx, sd.tx, id, personID, serviceID, subject, first); sd.err != nil {
		return
	}
	for _, m := range msgs {
		if _, sd.err = addMessage(sd.ctx, sd.tx, id, newMessage{Author: m.author, AuthorName: m.name, StaffRole: m.role, Body: m.body, SentAt: sd.now.Add(-m.ago)}); sd.err != nil {
			return
		}
	}
	u := 0
	if unread {
		u = 1
	}
	sd.exec(`UPDATE threads SET unread = ? WHERE id = ?`, u, id)
}

type demoAppt struct {
	id, personID, serviceID string
	start, end              time.Time
	homeVisit               bool
	address, role, desc     string
	staff                   string                // the assigned employee ("" = not assigned)
	status                  api.AppointmentStatus // "" = by time: booked in the future, fulfilled in the past
}

func (sd *seeder) appt(a demoAppt) {
	status := a.status
	var completed any
	if status == "" {
		status = api.Booked
		if a.end.Before(sd.now) {
			status = api.Fulfilled
		}
	}
	if status == api.Fulfilled {
		c := a.start.Add(40 * time.Minute)
		if c.After(sd.now) {
			c = sd.now
		}
		completed = ms(c)
	}
	hv := 0
	if a.homeVisit {
		hv = 1
	}
	sd.exec(`INSERT INTO appointments (id, person_id, service_id, status, start_at, end_at, home_visit, address, staff_role, description, completed_at, staff_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.id, a.personID, a.serviceID, string(status), ms(a.start), ms(a.end), hv, a.address, a.role, a.desc, completed, a.staff)
}

func citizenMsg(ago time.Duration, name, body string) demoMsg {
	return demoMsg{ago: ago, author: api.AuthorKindCitizen, name: name, body: body}
}

func staffMsg(ago time.Duration, name, role, body string) demoMsg {
	return demoMsg{ago: ago, author: api.AuthorKindService, name: name, role: role, body: body}
}

const (
	hour = time.Hour
	dayD = 24 * time.Hour
)

func (s *Server) seedDemo(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Replicas starting together on one PostgreSQL database seed it once.
	if err := s.dialect.lockXact(ctx, tx, lockSeed); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE id = ?`, DemoIngrid).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil // a file database seeded before
	}
	sd := &seeder{ctx: ctx, tx: tx, now: s.now()}

	for i, p := range DemoPersons() {
		var cv, ca any
		if p.Consented {
			cv, ca = TermsVersion, ms(sd.now.Add(-30*dayD))
		}
		// Ingrid has chosen notices of completed visits too (the leaflet's «varsel om utført oppfølging»).
		visitDone := 0
		if p.ID == DemoIngrid {
			visitDone = 1
		}
		sd.exec(`INSERT INTO persons (id, name, birth_date, national_id, phone, email, description, notification_channel, consent_version, consent_given_at, sort_order, notify_visit_done)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'sms', ?, ?, ?, ?)`, p.ID, p.Name, p.BirthDate.Format(time.DateOnly), p.NationalID, p.Phone, p.Email, p.Description, cv, ca, i, visitDone)
	}
	sd.exec(`INSERT INTO services (id, code, name) VALUES (?, 'home_nursing', 'Heimesjukepleie'), (?, 'practical_help', 'Praktisk bistand'), (?, 'physiotherapy', 'Fysioterapi')`,
		ServiceHomeNursing, ServicePracticalHelp, ServicePhysiotherapy)
	for _, ps := range [][2]string{
		{DemoIngrid, ServiceHomeNursing}, {DemoIngrid, ServicePracticalHelp},
		{DemoKari, ServicePhysiotherapy}, {DemoEmma, ServicePhysiotherapy}, {DemoPer, ServiceHomeNursing},
	} {
		sd.exec(`INSERT INTO person_services (person_id, service_id) VALUES (?, ?)`, ps[0], ps[1])
	}
	sd.exec(`INSERT INTO guardianships (parent_id, child_id) VALUES (?, ?)`, DemoOla, DemoEmma)
	sd.exec(`INSERT INTO fullmakter (id, giver_id, receiver_id, scopes, valid_from, valid_until, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)`,
		"f-ingrid-kari", DemoIngrid, DemoKari, "messages,appointments", osloDate(sd.now.Add(-200*dayD)), ms(sd.now.Add(-200*dayD)))

	const (
		sjukepleiar = "sjukepleiar"
		sykepleier  = "sykepleier"
		helsefagarb = "helsefagarbeidar"
		assistent   = "assistent"
		fysio       = "fysioterapeut"
	)
	// Ingrid: six threads, staff writing nynorsk and bokmål, some unread.
	sd.thread("t-ingrid-1", DemoIngrid, ServiceHomeNursing, "Ny dosett frå apoteket", true,
		staffMsg(2*dayD+3*hour, "Marit Lie", sjukepleiar, "Hei Ingrid! Apoteket har sendt ny dosett med den nye blodtrykksmedisinen. Vi tek han med på morgonbesøket i morgon og går gjennom han saman med deg.\n\nHelsing Marit, heimesjukepleia"),
	)
	sd.thread("t-ingrid-2", DemoIngrid, ServiceHomeNursing, "Besøk fredag", false,
		citizenMsg(4*dayD+5*hour, "Ingrid Haugen", "Kan dere komme litt senere på fredag? Jeg skal til frisøren klokka 8."),
		staffMsg(4*dayD+2*hour, "Jonas Berg", sykepleier, "Hei Ingrid! Det går fint. Vi kommer mellom 10:00 og 12:00 på fredag.\nHilsen Jonas, hjemmesykepleien"),
		citizenMsg(4*dayD+1*hour, "Ingrid Haugen", "Tusen takk!"),
	)
	sd.thread("t-ingrid-3", DemoIngrid, ServicePracticalHelp, "Vask av badet", true,
		staffMsg(26*hour, "Sofie Dahl", assistent, "Hei! Vi har byttet vaskedag. Fra neste uke kommer vi på torsdager i stedet for onsdager. Si fra om det ikke passer.\n\nMvh Sofie, praktisk bistand"),
	)
	sd.thread("t-ingrid-4", DemoIngrid, ServicePracticalHelp, "Handleliste", false,
		citizenMsg(9*dayD, "Kari Haugen", "Hei, dette er Kari, dotter til Ingrid. Kan de kjøpe mjølk, brød, kaffi og appelsinar til mor på torsdag?"),
		staffMsg(8*dayD+20*hour, "Sofie Dahl", assistent, "Hei Kari! Det skal vi ordne. Vi legger kvitteringen på kjøkkenbenken som vanlig."),
	)
	sd.thread("t-ingrid-5", DemoIngrid, ServiceHomeNursing, "Sårstell på leggen", false,
		staffMsg(15*dayD, "Marit Lie", sjukepleiar, "Såret på venstre legg gror fint. Vi held fram med sårstell to gonger i veka til det er heilt grodd."),
		citizenMsg(14*dayD+22*hour, "Ingrid Haugen", "Så bra. Det klør litt om kvelden, er det normalt?"),
		staffMsg(14*dayD+20*hour, "Marit Lie", sjukepleiar, "Ja, det er vanleg når såret gror. Ikkje klø på det, og sei frå om det blir raudt eller varmt."),
	)
	sd.thread("t-ingrid-6", DemoIngrid, ServiceHomeNursing, "Influensavaksine", true,
		staffMsg(10*dayD, "Aina Strand", helsefagarb, "Hei! Kommunen tilbyr influensavaksine til alle over 65 år. Vi kan setje vaksinen under eit vanleg besøk. Svar her om du ønskjer det."),
	)
	// Kari: her own physiotherapy threads.
	sd.thread("t-kari-1", DemoKari, ServicePhysiotherapy, "Øvingar for kneet", false,
		citizenMsg(6*dayD, "Kari Haugen", "Hei! Kneet er betre, men det gjer vondt når eg går i trapper. Skal eg halde fram med dei same øvingane?"),
		staffMsg(5*dayD+21*hour, "Lars Holm", fysio, "Hei Kari! Ja, hald fram, men ta knebøyane litt grunnare ei stund. Vi ser på det neste gong."),
	)
	sd.thread("t-kari-2", DemoKari, ServicePhysiotherapy, "Treningsprogram", true,
		staffMsg(30*hour, "Lars Holm", fysio, "Her er det nye treningsprogrammet ditt: 3 x 12 beinhev, 3 x 10 knebøy og 10 minutt sykkel. Lukke til!"),
	)
	// Emma (written by her father Ola).
	sd.thread("t-emma-1", DemoEmma, ServicePhysiotherapy, "Spørsmål om timen", false,
		citizenMsg(3*dayD, "Ola Berg", "Hei! Skal Emma ha med seg treningstøy til timen på tirsdag?"),
		staffMsg(2*dayD+22*hour, "Lars Holm", fysio, "Hei Ola! Ja, gjerne treningstøy og innesko. Vel møtt!"),
	)
	// Per: a few threads, but he has not consented yet.
	sd.thread("t-per-1", DemoPer, ServiceHomeNursing, "Velkommen til hjemmesykepleien", true,
		staffMsg(7*dayD, "Jonas Berg", sykepleier, "Hei Per! Velkommen. Vi kommer første gang på mandag mellom 08:00 og 10:00."),
	)
	sd.thread("t-per-2", DemoPer, ServiceHomeNursing, "Nøkkelboks", false,
		staffMsg(6*dayD, "Marit Lie", sjukepleiar, "Har du ein nøkkelboks vi kan bruke når vi kjem?"),
		citizenMsg(5*dayD+20*hour, "Per Olsen", "Ja, koden er den same som før."),
	)

	// Ingrid: home nursing every morning three weeks back and forth, practical help on Thursdays.
	for off := -21; off <= 21; off++ {
		a := demoAppt{
			personID: DemoIngrid, serviceID: ServiceHomeNursing,
			start: sd.day(off, 8, 0), end: sd.day(off, 10, 0), homeVisit: true, role: sjukepleiar,
			desc: "Morgonstell og medisinar",
		}
		if off <= 0 { // today's visit is assigned; past ones say who came
			a.staff = "Marit Lie"
		}
		a.id = fmt.Sprintf("a-ingrid-hn-%s%d", map[bool]string{true: "m", false: "p"}[off < 0], abs(off))
		switch off {
		case -5:
			a.status = api.Cancelled
		case -12:
			a.status = api.Noshow
		}
		sd.appt(a)
		if sd.day(off, 12, 0).Weekday() == time.Thursday {
			sd.appt(demoAppt{
				id: fmt.Sprintf("a-ingrid-pb-%s%d", map[bool]string{true: "m", false: "p"}[off < 0], abs(off)), personID: DemoIngrid, serviceID: ServicePracticalHelp,
				start: sd.day(off, 12, 0), end: sd.day(off, 14, 0), homeVisit: true, role: assistent,
				desc: "Handling og rengjøring", staff: map[bool]string{true: "Sofie Dahl"}[off < 0],
			})
		}
	}
	// Emma: physiotherapy on Tuesdays at the clinic.
	for off := -21; off <= 21; off++ {
		if sd.day(off, 14, 0).Weekday() != time.Tuesday {
			continue
		}
		sd.appt(demoAppt{
			id: fmt.Sprintf("a-emma-fy-%s%d", map[bool]string{true: "m", false: "p"}[off < 0], abs(off)), personID: DemoEmma, serviceID: ServicePhysiotherapy,
			start: sd.day(off, 14, 0), end: sd.day(off, 14, 45), address: DemoPhysioAddress, role: fysio,
			desc: "Trening for motorikk og balanse",
		})
	}
	// Kari: two physiotherapy visits.
	sd.appt(demoAppt{id: "a-kari-fy-1", personID: DemoKari, serviceID: ServicePhysiotherapy, start: sd.day(-7, 16, 0), end: sd.day(-7, 16, 45),
		address: DemoPhysioAddress, role: fysio, desc: "Opptrening etter kneoperasjon"})
	sd.appt(demoAppt{id: "a-kari-fy-2", personID: DemoKari, serviceID: ServicePhysiotherapy, start: sd.day(9, 16, 0), end: sd.day(9, 16, 45),
		address: DemoPhysioAddress, role: fysio, desc: "Opptrening etter kneoperasjon"})
	// Per: a few home nursing visits.
	for _, off := range []int{-2, 1, 3, 5} {
		sd.appt(demoAppt{id: fmt.Sprintf("a-per-hn-%s%d", map[bool]string{true: "m", false: "p"}[off < 0], abs(off)), personID: DemoPer, serviceID: ServiceHomeNursing,
			start: sd.day(off, 8, 0), end: sd.day(off, 10, 0), homeVisit: true, role: sykepleier, desc: "Medisiner og blodtrykk"})
	}
	if sd.err != nil {
		return sd.err
	}
	return tx.Commit()
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// SeedBulk adds threads threads with messagesPerThread messages each (alternating citizen and service)
// to a person, in one transaction, for benchmarks. The person must exist; they are given home nursing
// if they have no service.
func (s *Server) SeedBulk(ctx context.Context, personID string, threads, messagesPerThread int) error {
	if threads < 0 || messagesPerThread < 1 {
		return fmt.Errorf("backend: SeedBulk: bad counts %d, %d", threads, messagesPerThread)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	p, err := getPerson(ctx, tx, personID)
	if err != nil {
		return fmt.Errorf("backend: SeedBulk: person %q: %w", personID, err)
	}
	svcs, err := listServices(ctx, tx, personID)
	if err != nil {
		return err
	}
	if len(svcs) == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO services (id, code, name) VALUES (?, 'home_nursing', 'Heimesjukepleie') ON CONFLICT DO NOTHING`, ServiceHomeNursing); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_services (person_id, service_id) VALUES (?, ?)`, personID, ServiceHomeNursing); err != nil {
			return err
		}
		svcs = []api.Service{{Id: ServiceHomeNursing}}
	}
	insThread, err := tx.PrepareContext(ctx, `INSERT INTO threads (id, person_id, service_id, subject, created_at, last_message_at, last_preview, last_author, message_count, unread)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insThread.Close()
	insMsg, err := tx.PrepareContext(ctx, `INSERT INTO messages (id, thread_id, seq, author, author_name, staff_role, body, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insMsg.Close()
	updThread, err := tx.PrepareContext(ctx, `UPDATE threads SET last_message_at = ?, last_preview = ?, last_author = ?, message_count = ?, unread = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer updThread.Close()
	now := s.now()
	for t := 0; t < threads; t++ {
		tid := newID("t")
		start := now.Add(-time.Duration(threads-t) * time.Hour)
		if _, err := insThread.ExecContext(ctx, tid, personID, svcs[t%len(svcs)].Id, fmt.Sprintf("Tråd %d", t+1), ms(start), ms(start),
			"", string(api.AuthorKindCitizen), 0, 0); err != nil {
			return err
		}
		var lastBody string
		var lastAuthor api.AuthorKind
		var lastAt time.Time
		for m := 0; m < messagesPerThread; m++ {
			at := start.Add(time.Duration(m) * time.Second)
			author, name, role := api.AuthorKindCitizen, p.Name, ""
			if m%2 == 1 {
				author, name, role = api.AuthorKindService, "Marit Lie", "sjukepleiar"
			}
			body := fmt.Sprintf("Melding %d i tråd %d. Dette er ein lengre tekst for å likne ei ekte melding om besøk, medisinar og avtalar.", m+1, t+1)
			if _, err := insMsg.ExecContext(ctx, newID("m"), tid, m+1, string(author), name, role, body, ms(at)); err != nil {
				return err
			}
			lastBody, lastAuthor, lastAt = body, author, at
		}
		unread := 0
		if lastAuthor == api.AuthorKindService {
			unread = 1
		}
		if _, err := updThread.ExecContext(ctx, ms(lastAt), preview(lastBody), string(lastAuthor), messagesPerThread, unread, tid); err != nil {
			return err
		}
	}
	return tx.Commit()
}
