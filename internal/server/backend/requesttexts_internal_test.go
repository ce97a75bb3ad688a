package backend

import (
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// TestRequestTextsInTheCitizensLanguage: what a cancellation or a change request writes into the thread is
// in the request's language (Accept-Language, as the labels), with the kiosk's words (avlyse, besøk).
func TestRequestTextsInTheCitizensLanguage(t *testing.T) {
	visit := api.Appointment{Start: time.Date(2026, 11, 24, 8, 0, 0, 0, workdays.Oslo), End: time.Date(2026, 11, 24, 10, 0, 0, 0, workdays.Oslo)}
	for _, c := range []struct {
		lang           Lang
		cancel, change string
	}{
		{LangNN, "Eg vil avlyse besøket tysdag 24. november kl. 08:00–10:00.\nÅrsak: Eg er sjuk.\nKommentar: Feber",
			"Eg vil be om å endre besøket tysdag 24. november kl. 08:00–10:00.\nForslag til nye tider:\n– tysdag 24. november kl. 08:00–10:00"},
		{LangNB, "Jeg vil avlyse besøket tirsdag 24. november kl. 08:00–10:00.\nÅrsak: Jeg er syk.\nKommentar: Feber",
			"Jeg vil be om å endre besøket tirsdag 24. november kl. 08:00–10:00.\nForslag til nye tider:\n– tirsdag 24. november kl. 08:00–10:00"},
		{LangEN, "I would like to cancel the visit on Tuesday 24 November, 08:00–10:00.\nReason: I am ill.\nComment: Feber",
			"I would like to change the visit on Tuesday 24 November, 08:00–10:00.\nProposed new times:\n– Tuesday 24 November, 08:00–10:00"},
	} {
		tx := textsFor(c.lang)
		if got := tx.cancellationText(visit, api.Ill, "Feber"); got != c.cancel {
			t.Errorf("%s cancellation:\n%s\nwant\n%s", c.lang, got, c.cancel)
		}
		if got := tx.changeText(visit, []api.TimeWindow{{Start: visit.Start, End: visit.End}}, ""); got != c.change {
			t.Errorf("%s change:\n%s\nwant\n%s", c.lang, got, c.change)
		}
		for _, s := range []string{tx.cancelSubject, tx.changeSubject, tx.cancellationText(visit, api.Other, "")} {
			if strings.Contains(s, "avbestill") || c.lang != LangEN && strings.Contains(strings.ToLower(s), "time") {
				t.Errorf("%s: %q uses avbestille or time", c.lang, s)
			}
		}
	}
}
