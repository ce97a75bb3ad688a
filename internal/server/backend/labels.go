package backend

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"github.com/helsekiosk/helsekiosk/api"
)

// Texts in the citizen's language: the labels the backend provides (service names, staff roles) come in
// nynorsk, bokmål and English, chosen by the request's Accept-Language (default bokmål) and named in the
// answer's Content-Language. The database keeps the service's own name and the role as written; known
// codes and roles are translated on the way out, unknown ones pass as stored.

// Lang is a language of the backend's labels.
type Lang string

// The languages of the labels.
const (
	LangNN Lang = "nn"
	LangNB Lang = "nb"
	LangEN Lang = "en"
)

// The first is the default: a request without (or with no matching) Accept-Language gets bokmål.
var langMatcher = language.NewMatcher([]language.Tag{language.MustParse("nb"), language.MustParse("nn"), language.English})

// matchLang picks the label language for an Accept-Language header value.
func matchLang(accept string) Lang {
	tags, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(tags) == 0 {
		return LangNB
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return LangNB
	}
	return []Lang{LangNB, LangNN, LangEN}[i]
}

const langKey ctxKey = 3

func withLang(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), langKey, matchLang(r.Header.Get("Accept-Language"))))
}

func langOf(r *http.Request) Lang {
	if l, ok := r.Context().Value(langKey).(Lang); ok {
		return l
	}
	return LangNB
}

// serviceNames by service code.
var serviceNames = map[string]map[Lang]string{
	"home_nursing":   {LangNN: "Heimesjukepleie", LangNB: "Hjemmesykepleie", LangEN: "Home nursing"},
	"practical_help": {LangNN: "Praktisk bistand", LangNB: "Praktisk bistand", LangEN: "Practical help"},
	"physiotherapy":  {LangNN: "Fysioterapi", LangNB: "Fysioterapi", LangEN: "Physiotherapy"},
}

// staffRoles by role as stored (nynorsk or bokmål, any case).
var staffRoles = func() map[string]map[Lang]string {
	nurse := map[Lang]string{LangNN: "sjukepleiar", LangNB: "sykepleier", LangEN: "nurse"}
	healthWorker := map[Lang]string{LangNN: "helsefagarbeidar", LangNB: "helsefagarbeider", LangEN: "healthcare worker"}
	assistant := map[Lang]string{LangNN: "assistent", LangNB: "assistent", LangEN: "care assistant"}
	physio := map[Lang]string{LangNN: "fysioterapeut", LangNB: "fysioterapeut", LangEN: "physiotherapist"}
	planner := map[Lang]string{LangNN: "planleggar", LangNB: "planlegger", LangEN: "planner"}
	return map[string]map[Lang]string{
		"sjukepleiar": nurse, "sykepleier": nurse, "nurse": nurse,
		"helsefagarbeidar": healthWorker, "helsefagarbeider": healthWorker, "healthcare worker": healthWorker,
		"assistent": assistant, "care assistant": assistant,
		"fysioterapeut": physio, "physiotherapist": physio,
		"planleggar": planner, "planlegger": planner, "planner": planner,
	}
}()

func localService(l Lang, sv *api.Service) {
	if names, ok := serviceNames[sv.Code]; ok {
		sv.Name = names[l]
	}
}

func localRole(l Lang, role *string) {
	if role == nil {
		return
	}
	if names, ok := staffRoles[strings.ToLower(strings.TrimSpace(*role))]; ok {
		*role = names[l]
	}
}

func localAppointment(l Lang, a *api.Appointment) {
	localService(l, &a.Service)
	localRole(l, a.StaffRole)
}

// localize translates the labels in an answer in place (v is what the handler is about to encode) and sets
// Content-Language.
func localize(w http.ResponseWriter, r *http.Request, v any) {
	l := langOf(r)
	switch x := v.(type) {
	case []api.Service:
		for i := range x {
			localService(l, &x[i])
		}
	case *api.ThreadPage:
		for i := range x.Items {
			localService(l, &x.Items[i].Service)
		}
	case *api.Thread:
		localService(l, &x.Service)
		for i := range x.Messages {
			localRole(l, x.Messages[i].StaffRole)
		}
	case *api.MessagePage:
		for i := range x.Items {
			localRole(l, x.Items[i].StaffRole)
		}
	case []api.Appointment:
		for i := range x {
			localAppointment(l, &x[i])
		}
	case *api.Appointment:
		localAppointment(l, x)
	case *api.Overview:
		if x.NextAppointment != nil {
			localAppointment(l, x.NextAppointment)
		}
	}
	w.Header().Set("Content-Language", string(l))
}
