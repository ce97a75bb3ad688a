package backend

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/helsekiosk/helsekiosk/api"
)

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
func (s *Server) actFor(w http.ResponseWriter, r *http.Request, personID string, scope api.Scope, selfOnly bool) (*citizenCall, *reach, bool) {
	sess, ok := s.authenticate(w, r)
	if !ok {
		return nil, nil, false
	}
	if !sess.Citizen.consented() {
		writeProblem(w, r, problem(http.StatusForbidden, api.ConsentRequired, "Consent to the terms first."))
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
			writeProblem(w, r, problem(http.StatusForbidden, api.SelfOnly, "Only the person themself may do this."))
			return nil, nil, false
		}
		if scope != "" && !a.has(scope) { // "" : any reach will do (the overview filters by scope itself)
			p := problem(http.StatusForbidden, api.ScopeMissing, "The fullmakt does not cover "+string(scope)+".")
			writeProblem(w, r, p)
			return nil, nil, false
		}
		// Acting for someone under a fullmakt needs their consent too (a guardian acts for a child, who
		// cannot log in and consent on their own).
		if a.Relation == api.PersonAccessRelationFullmakt && !a.Person.consented() {
			p := problem(http.StatusForbidden, api.ConsentRequired, "The person acted for has not consented (or withdrew consent).")
			p.Person = a.Person.ID
			writeProblem(w, r, p)
			return nil, nil, false
		}
		return sess, a, true
	}
	writeProblem(w, r, errNotFound)
	return nil, nil, false
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
