package backend

import (
	"fmt"
	"strings"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// requestTexts are what the backend writes into a citizen's thread when she cancels a visit or asks to
// change it, in her language (the request's Accept-Language, as the labels) and in the kiosk's own words
// (avlyse, besøk – not avbestille, time): the thread's subject when the request starts one, the message's
// lines, the reasons, the dates.
type requestTexts struct {
	cancelSubject, changeSubject string
	cancel, change               string // "%s" is the visit (visitText)
	reason, comment, proposals   string
	reasons                      map[api.CancellationRequestReason]string
	weekdays                     [7]string
	months                       [12]string
	visit                        func(t requestTexts, start, end time.Time) string
}

var requestTextsOf = map[Lang]requestTexts{
	LangNN: {
		cancelSubject: "Avlysing av besøk", changeSubject: "Endring av besøk",
		cancel: "Eg vil avlyse besøket %s.", change: "Eg vil be om å endre besøket %s.",
		reason: "Årsak", comment: "Kommentar", proposals: "Forslag til nye tider:",
		reasons: map[api.CancellationRequestReason]string{
			api.Ill: "Eg er sjuk", api.Hospital: "Eg er på sjukehus", api.Visitors: "Eg har besøk", api.Other: "Anna",
		},
		weekdays: [7]string{"søndag", "måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag"},
		months:   monthsNB,
		visit:    norwegianVisit,
	},
	LangNB: {
		cancelSubject: "Avlysning av besøk", changeSubject: "Endring av besøk",
		cancel: "Jeg vil avlyse besøket %s.", change: "Jeg vil be om å endre besøket %s.",
		reason: "Årsak", comment: "Kommentar", proposals: "Forslag til nye tider:",
		reasons: map[api.CancellationRequestReason]string{
			api.Ill: "Jeg er syk", api.Hospital: "Jeg er på sykehus", api.Visitors: "Jeg har besøk", api.Other: "Annet",
		},
		weekdays: weekdaysNB,
		months:   monthsNB,
		visit:    norwegianVisit,
	},
	LangEN: {
		cancelSubject: "Cancelling a visit", changeSubject: "Changing a visit",
		cancel: "I would like to cancel the visit on %s.", change: "I would like to change the visit on %s.",
		reason: "Reason", comment: "Comment", proposals: "Proposed new times:",
		reasons: map[api.CancellationRequestReason]string{
			api.Ill: "I am ill", api.Hospital: "I am in hospital", api.Visitors: "I have visitors", api.Other: "Other",
		},
		weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
			"October", "November", "December"},
		visit: func(t requestTexts, start, end time.Time) string {
			return fmt.Sprintf("%s %d %s, %s–%s", t.weekdays[start.Weekday()], start.Day(), t.months[start.Month()-1],
				start.Format("15:04"), end.Format("15:04"))
		},
	},
}

// norwegianVisit is e.g. "tysdag 10. mars kl. 08:00–10:00".
func norwegianVisit(t requestTexts, start, end time.Time) string {
	return fmt.Sprintf("%s %d. %s kl. %s–%s", t.weekdays[start.Weekday()], start.Day(), t.months[start.Month()-1],
		start.Format("15:04"), end.Format("15:04"))
}

// textsFor are the request texts in l (bokmål for a language it does not know).
func textsFor(l Lang) requestTexts {
	if t, ok := requestTextsOf[l]; ok {
		return t
	}
	return requestTextsOf[LangNB]
}

// visitText is the visit from start to end in Europe/Oslo, in t's language.
func (t requestTexts) visitText(start, end time.Time) string {
	return t.visit(t, start.In(workdays.Oslo), end.In(workdays.Oslo))
}

// cancellationText is the message a cancellation writes into the thread.
func (t requestTexts) cancellationText(a api.Appointment, reason api.CancellationRequestReason, comment string) string {
	text := fmt.Sprintf(t.cancel, t.visitText(a.Start, a.End)) + "\n" + t.reason + ": " + t.reasons[reason] + "."
	if comment != "" {
		text += "\n" + t.comment + ": " + comment
	}
	return text
}

// changeText is the message a change request writes into the thread.
func (t requestTexts) changeText(a api.Appointment, proposed []api.TimeWindow, comment string) string {
	var b strings.Builder
	b.WriteString(fmt.Sprintf(t.change, t.visitText(a.Start, a.End)))
	if len(proposed) > 0 {
		b.WriteString("\n" + t.proposals)
		for _, tw := range proposed {
			b.WriteString("\n– " + t.visitText(tw.Start, tw.End))
		}
	}
	if comment != "" {
		b.WriteString("\n" + t.comment + ": " + comment)
	}
	return b.String()
}
