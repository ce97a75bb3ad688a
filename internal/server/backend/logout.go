package backend

import (
	"net/http"
)

// Logout (POST /v1/logout) puts the presented access token on the logout list (revoked_tokens) until its exp,
// whoever issued it: from then on verifyToken refuses it on every replica (they read the same table; nothing
// is cached). The token must verify (signature, iss, aud, exp, nbf, iat, jti) but need not name a known person
// at the required level: the kiosk also logs out a login it refused (MinID) and its own kiosk token. A repeat
// answers 204 again. The token is never logged; the log line names the issuer and the client.
func (h handler) Logout(w http.ResponseWriter, r *http.Request) {
	s := h.s
	raw := bearerToken(r)
	if raw == "" {
		writeProblem(w, r, errNoToken)
		return
	}
	p, perr := s.verifyTokenRevoked(r.Context(), raw, false)
	if perr != nil {
		writeProblem(w, r, perr)
		return
	}
	if err := s.recordRevoked(r.Context(), p.Issuer, p.JTI, p.Expiry); err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.log.Info("logout", "issuer", p.Issuer, "client_id", p.ClientID, "own", p.Own)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
