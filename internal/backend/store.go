package backend

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/nin"
	"github.com/helsekiosk/helsekiosk/internal/workdays"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// newID makes a random id with a prefix, matching the contract's Id pattern.
func newID(prefix string) string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + strings.TrimRight(base64.RawURLEncoding.EncodeToString(b[:]), "=")
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).In(workdays.Oslo) }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// osloDate is t's date in Oslo as YYYY-MM-DD.
func osloDate(t time.Time) string { return t.In(workdays.Oslo).Format(time.DateOnly) }

func parseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

func apiDate(s string) *openapi_types.Date {
	t, err := parseDate(s)
	if err != nil {
		return nil
	}
	return &openapi_types.Date{Time: t}
}

// person is a row of persons.
type person struct {
	ID, Name, BirthDate, NationalID, Phone, Email, Description, Channel string
	ConsentVersion                                                      sql.NullString
	ConsentGivenAt                                                      sql.NullInt64
}

const personCols = `id, name, birth_date, national_id, phone, email, description, notification_channel, consent_version, consent_given_at`

func scanPerson(row interface{ Scan(...any) error }) (person, error) {
	var p person
	err := row.Scan(&p.ID, &p.Name, &p.BirthDate, &p.NationalID, &p.Phone, &p.Email, &p.Description, &p.Channel, &p.ConsentVersion, &p.ConsentGivenAt)
	return p, err
}

func getPerson(ctx context.Context, q querier, id string) (person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personCols+` FROM persons WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errNotFound
	}
	return p, err
}

func (p person) api() api.Person {
	return api.Person{Id: p.ID, Name: p.Name, BirthDate: apiDate(p.BirthDate)}
}

func (p person) consented() bool {
	return p.ConsentVersion.Valid && p.ConsentVersion.String == TermsVersion
}

func (p person) consent() api.Consent {
	c := api.Consent{Given: p.consented(), TermsVersion: TermsVersion}
	if c.Given {
		c.GivenAt = fromNullMS(p.ConsentGivenAt)
	}
	return c
}

// ageOn is the person's age in whole years on the Oslo date of t.
func (p person) ageOn(t time.Time) int {
	bd, err := parseDate(p.BirthDate)
	if err != nil {
		return 0
	}
	d, _ := parseDate(osloDate(t))
	return nin.AgeOn(bd, d)
}

var allScopes = []api.Scope{api.Messages, api.Appointments, api.Settings}

func parseScopes(s string) []api.Scope {
	var out []api.Scope
	for _, part := range strings.Split(s, ",") {
		if sc := api.Scope(strings.TrimSpace(part)); sc.Valid() && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	// keep the contract's order
	slices.SortFunc(out, func(a, b api.Scope) int { return slices.Index(allScopes, a) - slices.Index(allScopes, b) })
	return out
}

func joinScopes(sc []api.Scope) string {
	parts := make([]string, len(sc))
	for i, s := range sc {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

// session is an authenticated request: the logged-in citizen.
type session struct {
	Citizen person
	Token   *principal
}

// authenticate verifies the bearer token as a citizen's: signature, iss, aud, exp (verifyToken), then the
// pid claim, the assurance level (acr), a person with that national identity number, and the age limit. It
// answers the refusal itself and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*session, bool) {
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
		writeProblem(w, r, problem(http.StatusUnauthorized, "pid_missing", "The token names no person ("+s.cfg.PIDClaim+" claim)."))
		return nil, false
	}
	if !slices.Contains(s.cfg.ACR, p.ACR) {
		s.insufficientAuth(w, r)
		return nil, false
	}
	c, err := scanPerson(s.db.QueryRowContext(r.Context(), `SELECT `+personCols+` FROM persons WHERE national_id = ?`, p.PID))
	if errors.Is(err, sql.ErrNoRows) {
		writeProblem(w, r, problem(http.StatusUnauthorized, "unknown_person", "The service knows nobody with this identity number."))
		return nil, false
	}
	if err != nil {
		s.writeErr(w, r, err)
		return nil, false
	}
	if s.cfg.AgeLimit > 0 && c.ageOn(s.now()) < s.cfg.AgeLimit {
		writeProblem(w, r, problem(http.StatusForbidden, "under_age",
			fmt.Sprintf("Persons under %d cannot log in on their own; a parent can act for them.", s.cfg.AgeLimit)))
		return nil, false
	}
	return &session{Citizen: c, Token: p}, true
}

// authenticateKiosk verifies a kiosk token: a client-credentials token of the own authorization server for a
// registered kiosk client, or a trusted issuer's token with client_id (or azp) and no pid.
func (s *Server) authenticateKiosk(w http.ResponseWriter, r *http.Request) (*principal, bool) {
	raw := bearerToken(r)
	required := problem(http.StatusUnauthorized, "kiosk_required", "Only a kiosk (client credentials token) may do this.")
	if raw == "" {
		writeProblem(w, r, required)
		return nil, false
	}
	p, perr := s.verifyToken(r.Context(), raw)
	if perr != nil {
		writeProblem(w, r, perr)
		return nil, false
	}
	if p.PID != "" || p.ClientID == "" || (p.Own && s.kioskClient(p.ClientID) == nil) {
		writeProblem(w, r, required)
		return nil, false
	}
	return p, true
}

// reach is how the citizen reaches a person.
type reach struct {
	Person     person
	Relation   api.PersonAccessRelation
	Scopes     []api.Scope
	ValidUntil string
}

func (a reach) has(sc api.Scope) bool { return slices.Contains(a.Scopes, sc) }

// activeFullmaktWhere is the SQL condition for a fullmakt in force on the date bound to "?".
const activeFullmaktWhere = `revoked_at IS NULL AND valid_from <= ?1 AND (valid_until IS NULL OR valid_until >= ?1)`

// reachable lists whom the citizen may act for: self, then givers of active fullmakter, then children
// under 18.
func (s *Server) reachable(ctx context.Context, q querier, citizen person) ([]reach, error) {
	now := s.now()
	today := osloDate(now)
	out := []reach{{Person: citizen, Relation: api.PersonAccessRelationSelf, Scopes: allScopes}}
	rows, err := q.QueryContext(ctx, `SELECT giver_id, scopes, COALESCE(valid_until, '') FROM fullmakter
		WHERE receiver_id = ?2 AND `+activeFullmaktWhere+` ORDER BY created_at, id`, today, citizen.ID)
	if err != nil {
		return nil, err
	}
	type fm struct{ giver, scopes, until string }
	var fms []fm
	for rows.Next() {
		var f fm
		if err := rows.Scan(&f.giver, &f.scopes, &f.until); err != nil {
			rows.Close()
			return nil, err
		}
		fms = append(fms, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	seen := map[string]int{citizen.ID: 0}
	for _, f := range fms {
		p, err := getPerson(ctx, q, f.giver)
		if err != nil {
			return nil, err
		}
		sc := parseScopes(f.scopes)
		if i, ok := seen[p.ID]; ok { // two fullmakter from the same giver: union of scopes
			for _, x := range sc {
				if !slices.Contains(out[i].Scopes, x) {
					out[i].Scopes = append(out[i].Scopes, x)
				}
			}
			continue
		}
		seen[p.ID] = len(out)
		out = append(out, reach{Person: p, Relation: api.PersonAccessRelationFullmakt, Scopes: sc, ValidUntil: f.until})
	}
	rows, err = q.QueryContext(ctx, `SELECT child_id FROM guardianships WHERE parent_id = ? ORDER BY child_id`, citizen.ID)
	if err != nil {
		return nil, err
	}
	var children []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		children = append(children, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range children {
		p, err := getPerson(ctx, q, id)
		if err != nil {
			return nil, err
		}
		if p.ageOn(now) >= 18 {
			continue
		}
		if i, ok := seen[p.ID]; ok {
			out[i].Scopes = allScopes
			continue
		}
		seen[p.ID] = len(out)
		out = append(out, reach{Person: p, Relation: api.PersonAccessRelationChild, Scopes: allScopes})
	}
	return out, nil
}

// actFor authorises a person-scoped call: 401 without a token, 403 consent_required before consent,
// 404 for a person the token does not reach, 403 self_only when selfOnly and the person is not the
// citizen, 403 scope_missing when the fullmakt lacks scope. It answers itself and returns false on
// refusal.
func (s *Server) actFor(w http.ResponseWriter, r *http.Request, personID string, scope api.Scope, selfOnly bool) (*session, *reach, bool) {
	sess, ok := s.authenticate(w, r)
	if !ok {
		return nil, nil, false
	}
	if !sess.Citizen.consented() {
		writeProblem(w, r, problem(http.StatusForbidden, "consent_required", "Consent to the terms first."))
		return nil, nil, false
	}
	all, err := s.reachable(r.Context(), s.db, sess.Citizen)
	if err != nil {
		s.writeErr(w, r, err)
		return nil, nil, false
	}
	for i := range all {
		a := &all[i]
		if a.Person.ID != personID {
			continue
		}
		if selfOnly && a.Relation != api.PersonAccessRelationSelf {
			writeProblem(w, r, problem(http.StatusForbidden, "self_only", "Only the person themself may do this."))
			return nil, nil, false
		}
		if scope != "" && !a.has(scope) { // "" : any reach will do (the overview filters by scope itself)
			p := problem(http.StatusForbidden, "scope_missing", "The fullmakt does not cover "+string(scope)+".")
			writeProblem(w, r, p)
			return nil, nil, false
		}
		// Acting for someone under a fullmakt needs their consent too (a guardian acts for a child, who
		// cannot log in and consent on their own).
		if a.Relation == api.PersonAccessRelationFullmakt && !a.Person.consented() {
			p := problem(http.StatusForbidden, "consent_required", "The person acted for has not consented (or withdrew consent).")
			p.Person = a.Person.ID
			writeProblem(w, r, p)
			return nil, nil, false
		}
		return sess, a, true
	}
	writeProblem(w, r, errNotFound)
	return nil, nil, false
}
