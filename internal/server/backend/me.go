package backend

import (
	"database/sql"
	"net/http"

	"github.com/helsekiosk/helsekiosk/api"
)

func (h handler) GetMe(w http.ResponseWriter, r *http.Request) {
	s := h.s
	sess, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	me := api.Me{Citizen: sess.Citizen.api(), Consent: sess.Citizen.consent(), Persons: []api.PersonAccess{}}
	all, err := s.reachable(r.Context(), s.db, sess.Citizen)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	for _, a := range all {
		pa := api.PersonAccess{Person: a.Person.api(), Relation: a.Relation, Scopes: a.Scopes}
		if a.ValidUntil != "" {
			pa.ValidUntil = apiDate(a.ValidUntil)
		}
		me.Persons = append(me.Persons, pa)
	}
	writeJSON(w, http.StatusOK, me)
}

func (h handler) GetConsent(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.s.authenticate(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, sess.Citizen.consent())
}

func (h handler) GiveConsent(w http.ResponseWriter, r *http.Request, _ api.GiveConsentParams) {
	s := h.s
	sess, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	var in api.ConsentGive
	if err := decodeJSON(r, &in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		if in.TermsVersion != TermsVersion {
			return 0, nil, fieldProblem(http.StatusConflict, api.TermsChanged, "termsVersion",
				"The terms have changed; show the current version ("+TermsVersion+") and ask again.")
		}
		p := sess.Citizen
		if !p.consented() {
			now := ms(s.now())
			if _, err := tx.ExecContext(r.Context(), `UPDATE persons SET consent_version = ?, consent_given_at = ? WHERE id = ?`, TermsVersion, now, p.ID); err != nil {
				return 0, nil, err
			}
			p.ConsentVersion = sql.NullString{String: TermsVersion, Valid: true}
			p.ConsentGivenAt = sql.NullInt64{Int64: now, Valid: true}
		}
		return http.StatusOK, p.consent(), nil
	})
}

func (h handler) WithdrawConsent(w http.ResponseWriter, r *http.Request, _ api.WithdrawConsentParams) {
	s := h.s
	sess, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		if _, err := tx.ExecContext(r.Context(), `UPDATE persons SET consent_version = NULL, consent_given_at = NULL WHERE id = ?`, sess.Citizen.ID); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, api.Consent{Given: false, TermsVersion: TermsVersion}, nil
	})
}
