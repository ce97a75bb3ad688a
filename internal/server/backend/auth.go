package backend

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/helsekiosk/helsekiosk/api"
)

// citizenCall is a request authenticated as a citizen's: the person the verified access token names, and the
// token. (The backend keeps no citizen sessions: every request carries its JWT; the kiosk's sessions live in
// the kiosk.)
type citizenCall struct {
	Citizen person
	Token   *principal
}

// authenticate verifies the bearer token as a citizen's: signature, iss, aud, exp, nbf, iat, jti and the
// logout list (verifyToken), then the pid claim, the assurance level (acr), a person with that national
// identity number, and the age limit. It answers the refusal itself and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*citizenCall, bool) {
	raw := bearerToken(r)
	if raw == "" {
		writeProblem(w, r, errNoToken)
		return nil, false
	}
	p, perr := s.verifyToken(r.Context(), raw)
	if perr != nil {
		writeProblem(w, r, perr)
		return nil, false
	}
	if p.PID == "" {
		writeProblem(w, r, problem(http.StatusUnauthorized, api.PidMissing, "The token names no person ("+s.cfg.PIDClaim+" claim)."))
		return nil, false
	}
	if !slices.Contains(s.cfg.ACR, p.ACR) {
		s.insufficientAuth(w, r)
		return nil, false
	}
	c, err := scanPerson(s.db.QueryRowContext(r.Context(), `SELECT `+personCols+` FROM persons WHERE national_id = ?`, p.PID))
	if errors.Is(err, sql.ErrNoRows) {
		writeProblem(w, r, problem(http.StatusUnauthorized, api.UnknownPerson, "The service knows nobody with this identity number."))
		return nil, false
	}
	if err != nil {
		s.writeErr(w, r, err)
		return nil, false
	}
	if s.cfg.AgeLimit > 0 && c.ageOn(s.now()) < s.cfg.AgeLimit {
		writeProblem(w, r, problem(http.StatusForbidden, api.UnderAge,
			fmt.Sprintf("Persons under %d cannot log in on their own; a parent can act for them.", s.cfg.AgeLimit)))
		return nil, false
	}
	return &citizenCall{Citizen: c, Token: p}, true
}

// authenticateKiosk verifies a kiosk token: a token (verifyToken) issued by the client credentials grant to a
// kiosk registered for its issuer (KioskClients: the own authorization server's, or a trusted issuer's), with
// the kiosk scope, sub that kiosk (its client id, or the subject its registration names), client_id and azp
// (where present) that kiosk's client id, and no pid. Anything else, a citizen's token above all, is refused
// with 401 kiosk_required; the log says why (never the token).
func (s *Server) authenticateKiosk(w http.ResponseWriter, r *http.Request) (*principal, bool) {
	raw := bearerToken(r)
	required := problem(http.StatusUnauthorized, api.KioskRequired, "Only a kiosk (client credentials token) may do this.")
	if raw == "" {
		writeProblem(w, r, required)
		return nil, false
	}
	p, perr := s.verifyToken(r.Context(), raw)
	if perr != nil {
		writeProblem(w, r, perr)
		return nil, false
	}
	if why := s.notKiosk(p); why != "" {
		s.log.Warn("not a kiosk token", "route", routeOf(r), "issuer", p.Issuer, "client_id", p.ClientID, "reason", why)
		writeProblem(w, r, required)
		return nil, false
	}
	return p, true
}

// notKiosk says why the verified token p is not a kiosk token, or "" when it is one.
func (s *Server) notKiosk(p *principal) string {
	if p.PID != "" {
		return "a citizen's token (" + s.cfg.PIDClaim + ")"
	}
	if p.ClientID == "" {
		return "no client_id or azp"
	}
	kc := s.registeredKiosk(p)
	if kc == nil {
		return "client not registered as a kiosk for this issuer"
	}
	if p.Azp != "" && p.Azp != kc.ClientID {
		return "azp is another client"
	}
	if !slices.Contains(p.Scopes, s.kioskScope()) {
		return "no " + s.kioskScope() + " scope"
	}
	if p.Subject != kc.subject() {
		return "sub is not the kiosk client"
	}
	return ""
}

// kioskScope is the scope a kiosk token must carry (Config.KioskScope, default KioskScope).
func (s *Server) kioskScope() string {
	if s.cfg.KioskScope != "" {
		return s.cfg.KioskScope
	}
	return KioskScope
}
