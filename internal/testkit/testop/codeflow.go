package testop

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The authorization code flow (OpenID Connect Core 3.1, PKCE RFC 7636): op's /authorize validates the
// request (client, redirect URI — a native client's loopback redirect on any port —, scopes, prompt) and
// calls CreateAuthRequest, then redirects to the client's LoginURL, the page below:
//
//	GET  /login?id=…  the personas as buttons, and Deny
//	POST /login       user=NAME → the request is done as that user (acr = the user's ACR) and the browser
//	                  goes to op's /authorize/callback, which redirects to redirect_uri with code and state;
//	                  action=deny → redirect_uri with error=access_denied and state.
//
// The token endpoint exchanges the code (op checks the verifier against the S256 challenge, the client and
// the redirect URI); the ID token carries nonce and acr, the access token is the JWT the device flow gives.
// testop keeps no login session: every authorization request shows the login page (as prompt=login asks).
// As OpenID Connect Core 11 says, offline_access is dropped from a request whose prompt lacks consent (no
// refresh token then); with consent, the login page stands for the consent page too.

const loginPath = "/login"

// CodeFlowTamper makes the OP answer the code flow wrongly, for tests of a client's checks: every field
// set replaces, in the auth requests created after TamperCodeFlow, what the OP would send.
type CodeFlowTamper struct {
	State string // the state sent back to redirect_uri (with the code or an error)
	Nonce string // the ID token's nonce
	ACR   string // the ID token's acr (the access token keeps the user's)
}

// TamperCodeFlow sets the tampering for the auth requests that follow (the zero value ends it).
func (o *OP) TamperCodeFlow(t CodeFlowTamper) {
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	o.st.tamper = t
}

// AuthRequestSeen is what a client sent to /authorize, as op parsed it.
type AuthRequestSeen struct {
	ClientID, RedirectURI, State, Nonce string
	Scopes, Prompt, ACRValues           []string
	CodeChallengeMethod                 string
	ResponseType                        string
}

// AuthRequests returns the authorization requests op accepted so far, oldest first.
func (o *OP) AuthRequests() []AuthRequestSeen {
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	return slices.Clone(o.st.seen)
}

type authEntry struct {
	id                                  string
	clientID, redirectURI, state, nonce string
	scopes, audience                    []string
	responseType                        oidc.ResponseType
	responseMode                        oidc.ResponseMode
	challenge                           *oidc.CodeChallenge
	tamper                              CodeFlowTamper
	created                             time.Time

	subject, acr string
	authTime     time.Time
	done         bool
}

// authRequest is a snapshot of an authEntry as op.AuthRequest.
type authRequest struct{ e authEntry }

var _ op.AuthRequest = (*authRequest)(nil)

func (a *authRequest) GetID() string { return a.e.id }
func (a *authRequest) GetACR() string {
	if a.e.tamper.ACR != "" {
		return a.e.tamper.ACR
	}
	return a.e.acr
}
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return a.e.audience }
func (a *authRequest) GetAuthTime() time.Time                { return a.e.authTime }
func (a *authRequest) GetClientID() string                   { return a.e.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.e.challenge }
func (a *authRequest) GetNonce() string {
	if a.e.tamper.Nonce != "" {
		return a.e.tamper.Nonce
	}
	return a.e.nonce
}
func (a *authRequest) GetRedirectURI() string             { return a.e.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.e.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.e.responseMode }
func (a *authRequest) GetScopes() []string                { return a.e.scopes }
func (a *authRequest) GetSubject() string                 { return a.e.subject }
func (a *authRequest) Done() bool                         { return a.e.done }
func (a *authRequest) GetState() string {
	if a.e.tamper.State != "" {
		return a.e.tamper.State
	}
	return a.e.state
}

// authRequestTTL is how long a login page stays usable.
const authRequestTTL = 10 * time.Minute

func (s *store) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with S256 is required")
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("only response_type=code")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	aud := slices.Clone(s.cfg.audience)
	if !slices.Contains(aud, req.ClientID) {
		aud = append(aud, req.ClientID)
	}
	scopes := slices.Clone(req.Scopes)
	if !slices.Contains(req.Prompt, oidc.PromptConsent) {
		// OpenID Connect Core 11: offline_access is ignored unless prompt contains consent (the login page
		// then stands for the consent as well): no refresh token.
		scopes = slices.DeleteFunc(scopes, func(s string) bool { return s == oidc.ScopeOfflineAccess })
	}
	e := &authEntry{id: rand.Text(), clientID: req.ClientID, redirectURI: req.RedirectURI, state: req.State,
		nonce: req.Nonce, scopes: scopes, audience: aud, responseType: req.ResponseType,
		responseMode: req.ResponseMode, tamper: s.tamper, created: time.Now(),
		challenge: &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod}}
	s.auths[e.id] = e
	s.seen = append(s.seen, AuthRequestSeen{ClientID: req.ClientID, RedirectURI: req.RedirectURI, State: req.State,
		Nonce: req.Nonce, Scopes: slices.Clone(req.Scopes), Prompt: slices.Clone(req.Prompt),
		ACRValues: slices.Clone(req.ACRValues), CodeChallengeMethod: string(req.CodeChallengeMethod),
		ResponseType: string(req.ResponseType)})
	return &authRequest{*e}, nil
}

var errNoAuthRequest = errors.New("unknown or expired auth request")

func (s *store) authByID(id string) (*authEntry, bool) {
	e, ok := s.auths[id]
	if !ok || time.Since(e.created) > authRequestTTL {
		return nil, false
	}
	return e, true
}

func (s *store) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.authByID(id)
	if !ok {
		return nil, errNoAuthRequest
	}
	return &authRequest{*e}, nil
}

func (s *store) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.authByID(s.codes[code])
	if !ok || !e.done {
		return nil, errNoAuthRequest
	}
	return &authRequest{*e}, nil
}

func (s *store) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.authByID(id); !ok {
		return errNoAuthRequest
	}
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest is op's call after the code is exchanged: a code gives tokens once.
func (s *store) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.auths, id)
	for c, a := range s.codes {
		if a == id {
			delete(s.codes, c)
		}
	}
	return nil
}

// finish marks the auth request done as the user (their subject and acr).
func (s *store) finish(id string, u User) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.authByID(id)
	if !ok || e.done {
		return false
	}
	e.subject, e.acr, e.authTime, e.done = u.subject(), u.ACR, time.Now(), true
	return true
}

// codeLoginUI is the code flow's login page.
type codeLoginUI struct{ o *OP }

type personaButton struct{ Username, ACR string }

func (ui *codeLoginUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := ui.o.st
	if r.URL.Path != loginPath {
		http.NotFound(w, r)
		return
	}
	id := r.FormValue("id")
	st.mu.Lock()
	e, ok := st.authByID(id)
	var snap authRequest
	if ok {
		snap = authRequest{*e}
	}
	st.mu.Unlock()
	if !ok || snap.e.done {
		render(w, http.StatusBadRequest, "done", "Unknown or expired login.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		var ps []personaButton
		for _, u := range st.cfg.users {
			ps = append(ps, personaButton{u.Username, u.ACR})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = pages.ExecuteTemplate(w, "pick", struct {
			ID, Client string
			Personas   []personaButton
		}{id, snap.e.clientID, ps})
	case http.MethodPost:
		if r.PostFormValue("action") == "deny" {
			op.AuthRequestError(w, r, &snap, oidc.ErrAccessDenied().WithDescription("the user denied the login"), ui.o.Provider)
			return
		}
		u, ok := st.userByName(r.PostFormValue("user"))
		if !ok {
			render(w, http.StatusBadRequest, "done", "Unknown user.")
			return
		}
		if !st.finish(id, u) {
			render(w, http.StatusBadRequest, "done", "Unknown or expired login.")
			return
		}
		http.Redirect(w, r, ui.o.Issuer+"/authorize/callback?id="+url.QueryEscape(id), http.StatusFound)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
