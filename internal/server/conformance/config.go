package conformance

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/helsekiosk/helsekiosk/api"
)

// Config describes the implementation under test: where it is, its test persons and how to get a token for
// each, and which relations hold between them. It is read from a TOML file (see README.md and
// testdata/example.toml).
type Config struct {
	// API is the base URL of the implementation (where /v1 lives).
	API string `toml:"api"`
	// Issuer is the OpenID Provider the tokens come from (for device logins); default: API.
	Issuer string `toml:"issuer"`
	// Persons are the test persons; Relations what holds between them.
	Persons   []Person   `toml:"person"`
	Relations []Relation `toml:"relation"`
	// Writer names the person (with a token, relation own) whose data the write checks use: a thread is
	// created and replied to, and a cancellation past its deadline is tried. Default: the first own relation.
	Writer string `toml:"writer"`
}

// Person is a test person: a key for the relations, the id the API knows them by, and, when they log in,
// how to get their token.
type Person struct {
	Name string `toml:"name"`
	ID   string `toml:"id"`
	// Token is a pre-issued bearer token; TokenFile a file holding one; TokenEnv an environment variable.
	Token     string `toml:"token"`
	TokenFile string `toml:"token_file"`
	TokenEnv  string `toml:"token_env"`
	// Device logs the person in with the device flow (RFC 8628) at the issuer.
	Device *DeviceLogin `toml:"device"`
}

// DeviceLogin is how to log a person in with the device flow.
type DeviceLogin struct {
	ClientID         string `toml:"client_id"`
	ClientSecret     string `toml:"client_secret"`
	ClientSecretFile string `toml:"client_secret_file"`
	Scope            string `toml:"scope"`
	Resource         string `toml:"resource"`
	// DemoApprove approves the login on the reference backend's demo /device page as this person
	// (person_id = ID). Otherwise the kit prints the verification URL and code and waits for someone to log
	// in as the person.
	DemoApprove bool `toml:"demo_approve"`
}

// The kinds of relation.
const (
	Own      = "own"      // the actor is the person
	Fullmakt = "fullmakt" // the person gave the actor fullmakt with Scopes
	Child    = "child"    // the person is the actor's child under 18
	Stranger = "stranger" // the actor does not reach the person at all
)

// Relation says how the actor (a person with a token) reaches a person.
type Relation struct {
	Actor  string   `toml:"actor"`
	Person string   `toml:"person"`
	Kind   string   `toml:"kind"`
	Scopes []string `toml:"scopes"`
}

func (r Relation) String() string {
	k := r.Kind
	if r.Kind == Fullmakt {
		k += "[" + strings.Join(r.Scopes, ",") + "]"
	}
	return r.Actor + " " + k + " → " + r.Person
}

// LoadConfig reads a TOML configuration.
func LoadConfig(path string) (Config, error) {
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return c, fmt.Errorf("conformance: %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return c, fmt.Errorf("conformance: %s: unknown keys %v", path, und)
	}
	return c, nil
}

func (p Person) hasCredentials() bool {
	return p.Token != "" || p.TokenFile != "" || p.TokenEnv != "" || p.Device != nil
}

// Validate checks the configuration for mistakes before anything is sent.
func (c Config) Validate() error {
	var errs []error
	if c.API == "" {
		errs = append(errs, errors.New("no api URL"))
	}
	names := map[string]Person{}
	for _, p := range c.Persons {
		switch {
		case p.Name == "" || p.ID == "":
			errs = append(errs, fmt.Errorf("a person needs name and id: %+v", p))
		case names[p.Name].Name != "":
			errs = append(errs, fmt.Errorf("person %q twice", p.Name))
		}
		names[p.Name] = p
	}
	for _, r := range c.Relations {
		a, okA := names[r.Actor]
		_, okP := names[r.Person]
		switch {
		case !okA || !okP:
			errs = append(errs, fmt.Errorf("relation %s: unknown person", r))
		case !a.hasCredentials():
			errs = append(errs, fmt.Errorf("relation %s: %s has no token or device login", r, r.Actor))
		case !slices.Contains([]string{Own, Fullmakt, Child, Stranger}, r.Kind):
			errs = append(errs, fmt.Errorf("relation %s: kind must be own, fullmakt, child or stranger", r))
		case r.Kind == Own && r.Actor != r.Person:
			errs = append(errs, fmt.Errorf("relation %s: own needs actor = person", r))
		case r.Kind != Own && r.Actor == r.Person:
			errs = append(errs, fmt.Errorf("relation %s: actor = person needs kind own", r))
		case r.Kind == Fullmakt && len(r.Scopes) == 0:
			errs = append(errs, fmt.Errorf("relation %s: a fullmakt needs scopes", r))
		case r.Kind != Fullmakt && len(r.Scopes) > 0:
			errs = append(errs, fmt.Errorf("relation %s: scopes only with fullmakt", r))
		}
		for _, s := range r.Scopes {
			if !api.Scope(s).Valid() {
				errs = append(errs, fmt.Errorf("relation %s: unknown scope %q", r, s))
			}
		}
	}
	if c.Writer != "" {
		if p, ok := names[c.Writer]; !ok || !p.hasCredentials() {
			errs = append(errs, fmt.Errorf("writer %q: no such person with credentials", c.Writer))
		}
	}
	return errors.Join(errs...)
}

// token reads a person's static token, if configured.
func (p Person) staticToken() (string, bool, error) {
	switch {
	case p.Token != "":
		return p.Token, true, nil
	case p.TokenFile != "":
		b, err := os.ReadFile(p.TokenFile)
		if err != nil {
			return "", true, err
		}
		return strings.TrimSpace(string(b)), true, nil
	case p.TokenEnv != "":
		v := strings.TrimSpace(os.Getenv(p.TokenEnv))
		if v == "" {
			return "", true, fmt.Errorf("$%s is empty", p.TokenEnv)
		}
		return v, true, nil
	}
	return "", false, nil
}
