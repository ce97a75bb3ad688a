package backend

import (
	"context"
	"crypto/rand"
	"html/template"
	"net/http"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// The demo staff IdP: only with Demo and no staff issuer configured. It is zitadel/oidc's OpenID Provider
// (the op package) on its example in-memory storage, mounted under /demo-staff-idp, with one user,
// demo.staff, whose "groups" claim holds the staff role. Its login page says it is a demo and logs in with
// one click.

// demoUsers is the demo staff IdP's user store.
type demoUsers struct{ users map[string]*storage.User }

func (u demoUsers) GetUserByID(id string) *storage.User { return u.users[id] }
func (u demoUsers) GetUserByUsername(name string) *storage.User {
	for _, x := range u.users {
		if x.Username == name {
			return x
		}
	}
	return nil
}
func (u demoUsers) ExampleClientID() string { return storage.ServiceUserID }

// demoStaffStorage is the example storage plus a groups claim in the id_token and a login page under the
// mount path.
type demoStaffStorage struct {
	*storage.Storage
	groups    map[string][]string // user id → groups
	loginPath string
}

// SetUserinfoFromRequest adds the user's groups to the id_token's claims.
func (d *demoStaffStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := d.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	if g, ok := d.groups[req.GetSubject()]; ok {
		ui.AppendClaims("groups", g)
	}
	return nil
}

// GetClientByClientID returns the client with its login page under the mount path.
func (d *demoStaffStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := d.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return demoClient{Client: c, loginPath: d.loginPath}, nil
}

type demoClient struct {
	op.Client
	loginPath string
}

func (c demoClient) LoginURL(id string) string { return c.loginPath + "?authRequestID=" + id }

// demoStaff are the demo staff IdP's users: the planner (DemoStaffUser, both services, may plan visits),
// a nurse in heimesjukepleie and an assistant in praktisk bistand (their roles as in DemoStaffServices).
var demoStaff = []struct{ ID, User, First, Last, Role, Key, What string }{
	{"demo-staff-1", DemoStaffUser, "Nina", "Planlegg", "planlegger", "planner", "planleggar / planlegger"},
	{"demo-staff-2", DemoNurseUser, "Marit", "Lie", "heimesjukepleie", "nurse", "sjukepleiar i heimesjukepleia / sykepleier i hjemmesykepleien"},
	{"demo-staff-3", DemoAssistantUser, "Sofie", "Dahl", "praktisk-bistand", "assistant", "assistent i praktisk bistand"},
}

// demoStaffPassword is the demo user's password: random, since nobody types it (the page logs in with
// one click); the user exists only in a demo.
var demoStaffPassword = randomToken()

// newDemoStaffIdP builds the demo staff IdP for issuer (the public URL + /demo-staff-idp), with the staff
// page as its one client. The handler expects the full path (it strips the mount path itself).
func newDemoStaffIdP(issuer, clientID, secret, redirectURI string) (http.Handler, error) {
	users := demoUsers{users: map[string]*storage.User{}}
	groups := map[string][]string{}
	for _, u := range demoStaff {
		users.users[u.ID] = &storage.User{ID: u.ID, Username: u.User, Password: demoStaffPassword,
			FirstName: u.First, LastName: u.Last, Email: u.User + "@example.invalid", EmailVerified: true,
			PreferredLanguage: language.MustParse("nn")}
		groups[u.ID] = []string{DemoStaffRole, u.Role}
	}
	client := storage.WebClient(clientID, secret, redirectURI)
	st := &demoStaffStorage{
		Storage:   storage.NewStorageWithClients(users, map[string]*storage.Client{clientID: client}),
		groups:    groups,
		loginPath: demoStaffIdPPath + "/login",
	}
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, err
	}
	provider, err := op.NewProvider(&op.Config{CryptoKey: key, CodeMethodS256: true, AuthMethodPost: true,
		SupportedUILocales: []language.Tag{language.MustParse("nn")}},
		st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	interceptor := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	callback := op.AuthCallbackURL(provider)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+demoStaffIdPPath+"/login", func(w http.ResponseWriter, r *http.Request) {
		staffPageHeaders(w)
		_ = demoLoginTmpl.Execute(w, map[string]any{"ID": r.URL.Query().Get("authRequestID"), "Action": demoStaffIdPPath + "/login", "User": DemoStaffUser, "Staff": demoStaff})
	})
	mux.HandleFunc("POST "+demoStaffIdPPath+"/login", interceptor.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "Cross-site request refused.", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		id := r.PostFormValue("id")
		user := r.PostFormValue("user")
		if user == "" {
			user = DemoStaffUser
		}
		if users.GetUserByUsername(user) == nil {
			http.Error(w, "No such demo user.", http.StatusBadRequest)
			return
		}
		if err := st.CheckUsernamePassword(user, demoStaffPassword, id); err != nil {
			http.Error(w, "This login has expired. Open the staff page again.", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	}))
	mux.Handle(demoStaffIdPPath+"/", http.StripPrefix(demoStaffIdPPath, provider))
	return mux, nil
}

var demoLoginTmpl = template.Must(template.New("demologin").Parse(`<!doctype html>
<html lang="nn"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>DEMO – innlogging for tilsette</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:40rem;color:#1a1f2b;background:#fff8e1}
.demo{background:#b7410e;color:#fff;padding:.5rem 1rem;font-weight:bold;display:inline-block}
button{font-size:1.2rem;padding:.8rem 1.4rem;background:#1f5fa8;color:#fff;border:0;border-radius:6px;cursor:pointer}.bm{color:#4a5568}</style>
</head><body>
<p class="demo" id="demo">DEMO – ikkje ei ekte innlogging / ikke en ekte innlogging</p>
<h1>Innlogging for tilsette <span class="bm">/ Innlogging for ansatte</span></h1>
<p>Dette er demo-identitetstilbydaren til referansebackenden. I drift loggar personalet inn hjå kommunen sin eigen identitetstilbydar (--staff-issuer).</p>
<p class="bm">Dette er referansebackendens demo-identitetsleverandør. I drift logger de ansatte inn hos kommunens egen identitetsleverandør.</p>
<form method="post" action="{{.Action}}"><input type="hidden" name="id" value="{{.ID}}">
<button type="submit" id="login">Logg inn som {{.User}} (demo)</button></form>
<h2>Andre demo-tilsette <span class="bm">/ Andre demo-ansatte</span></h2>
{{range .Staff}}{{if ne .User $.User}}<form method="post" action="{{$.Action}}"><input type="hidden" name="id" value="{{$.ID}}"><input type="hidden" name="user" value="{{.User}}">
<button type="submit" id="login-{{.Key}}">Logg inn som {{.First}} {{.Last}}, {{.What}} (demo)</button></form>{{end}}{{end}}
</body></html>
`))
