package testop

import (
	"crypto/rand"
	"html/template"
	"net/http"
	"strings"
	"sync"
)

// loginUI is the OP's own verification pages for the device flow (zitadel's op leaves the login UI to the
// OP; exampleop's pages are unexported, so these are written here, in the same three steps):
//
//	GET  /device[?user_code=…]  the code form, or — with a pending code — the login form
//	POST /device/login          username and password → the confirm page (a session cookie binds the login)
//	POST /device/confirm        action=allow|deny → "Device authorization allowed." / "… denied."
type loginUI struct {
	st *store

	mu       sync.Mutex
	sessions map[string]session // cookie value → the logged-in user and the code they approve
}

type session struct{ userCode, subject string }

const sessionCookie = "testop_device"

func newLoginUI(st *store) *loginUI { return &loginUI{st: st, sessions: map[string]session{}} }

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><title>testop</title></head><body>{{end}}
{{define "code"}}{{template "head"}}
<h1>Connect a device</h1>{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
<form method="get" action="/device"><label>Code <input type="text" name="user_code"></label>
<button type="submit">Next</button></form></body></html>{{end}}
{{define "login"}}{{template "head"}}
<h1>Log in to approve {{.Client}}</h1>{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
<form method="post" action="/device/login"><input type="hidden" name="user_code" value="{{.UserCode}}">
<label>Username <input type="text" name="username"></label>
<label>Password <input type="password" name="password"></label>
<button type="submit">Log in</button></form></body></html>{{end}}
{{define "confirm"}}{{template "head"}}
<h1>{{.User}}: let {{.Client}} act for you?</h1><p>Scopes: {{.Scopes}}</p>
<form method="post" action="/device/confirm">
<button type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="deny">Deny</button></form></body></html>{{end}}
{{define "pick"}}{{template "head"}}
<h1>Log in to {{.Client}}</h1><p>Choose who you are (a test OP: no password).</p>
<form method="post" action="/login"><input type="hidden" name="id" value="{{.ID}}">
{{range .Personas}}<p><button type="submit" id="user-{{.Username}}" name="user" value="{{.Username}}">{{.Username}} ({{.ACR}})</button></p>
{{end}}<p><button type="submit" id="deny" name="action" value="deny">Deny</button></p></form></body></html>{{end}}
{{define "done"}}{{template "head"}}<p class="done">{{.}}</p></body></html>{{end}}
`))

func render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, data)
}

type pageData struct {
	Error, UserCode, Client, User, Scopes string
}

func (ui *loginUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/device" && r.Method == http.MethodGet:
		ui.codePage(w, r)
	case r.URL.Path == "/device/login" && r.Method == http.MethodPost:
		ui.login(w, r)
	case r.URL.Path == "/device/confirm" && r.Method == http.MethodPost:
		ui.confirm(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (ui *loginUI) codePage(w http.ResponseWriter, r *http.Request) {
	code := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("user_code")))
	if code == "" {
		render(w, http.StatusOK, "code", pageData{})
		return
	}
	st, ok := ui.st.pendingByUserCode(code)
	if !ok {
		render(w, http.StatusBadRequest, "code", pageData{Error: "Unknown or expired code."})
		return
	}
	render(w, http.StatusOK, "login", pageData{UserCode: code, Client: st.ClientID})
}

func (ui *loginUI) login(w http.ResponseWriter, r *http.Request) {
	code := strings.ToUpper(strings.TrimSpace(r.PostFormValue("user_code")))
	st, ok := ui.st.pendingByUserCode(code)
	if !ok {
		render(w, http.StatusBadRequest, "code", pageData{Error: "Unknown or expired code."})
		return
	}
	u, ok := ui.st.userByName(r.PostFormValue("username"))
	if !ok || u.Password != r.PostFormValue("password") {
		render(w, http.StatusUnauthorized, "login", pageData{Error: "Wrong username or password.", UserCode: code, Client: st.ClientID})
		return
	}
	handle := rand.Text()
	ui.mu.Lock()
	ui.sessions[handle] = session{userCode: code, subject: u.subject()}
	ui.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: handle, Path: "/device", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	render(w, http.StatusOK, "confirm", pageData{User: u.Username, Client: st.ClientID, Scopes: strings.Join(st.Scopes, " ")})
}

func (ui *loginUI) confirm(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		render(w, http.StatusBadRequest, "code", pageData{Error: "Log in first."})
		return
	}
	ui.mu.Lock()
	s, ok := ui.sessions[c.Value]
	delete(ui.sessions, c.Value)
	ui.mu.Unlock()
	if !ok {
		render(w, http.StatusBadRequest, "code", pageData{Error: "Log in first."})
		return
	}
	var approve bool
	switch r.PostFormValue("action") {
	case "allow":
		approve = true
	case "deny":
	default:
		render(w, http.StatusBadRequest, "code", pageData{Error: "Choose Allow or Deny."})
		return
	}
	if !ui.st.answer(s.userCode, s.subject, approve) {
		render(w, http.StatusBadRequest, "code", pageData{Error: "Unknown or expired code."})
		return
	}
	if approve {
		render(w, http.StatusOK, "done", "Device authorization allowed.")
	} else {
		render(w, http.StatusOK, "done", "Device authorization denied.")
	}
}
