package backend

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// StaffServices says which services a staff member works in, by their roles (the staff IdP's role claim,
// --staff-role-claim): a staff member sees only the persons who receive one of their services, and only
// those services' threads and visits (--staff-services FILE, TOML; see staff_services_demo.toml).
type StaffServices struct {
	Roles map[string]StaffRole `toml:"roles"`
}

// A StaffRole is one role's services.
type StaffRole struct {
	// Services are the service ids staff with this role work in.
	Services []string `toml:"services"`
	// Plan lets the role create visits, assign the employee and move visits.
	Plan bool `toml:"plan"`
	// Title is the role the citizen sees beside the staff member's name, e.g. "sjukepleiar".
	Title string `toml:"title"`
}

//go:embed staff_services_demo.toml
var demoStaffServicesTOML string

// DemoStaffServices is the demo's services file: the demo staff IdP's nurse (heimesjukepleie), assistant
// (praktisk bistand) and planner (both, may plan visits).
func DemoStaffServices() StaffServices {
	s, err := ParseStaffServices(demoStaffServicesTOML)
	if err != nil {
		panic("backend: the embedded demo staff services: " + err.Error())
	}
	return s
}

// LoadStaffServices reads a services file (--staff-services).
func LoadStaffServices(path string) (StaffServices, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return StaffServices{}, fmt.Errorf("--staff-services: %w", err)
	}
	s, err := ParseStaffServices(string(b))
	if err != nil {
		return StaffServices{}, fmt.Errorf("--staff-services %s: %w", path, err)
	}
	return s, nil
}

// ParseStaffServices parses a services file; unknown keys and a role without services are errors.
func ParseStaffServices(text string) (StaffServices, error) {
	var s StaffServices
	md, err := toml.Decode(text, &s)
	if err != nil {
		return s, err
	}
	if un := md.Undecoded(); len(un) > 0 {
		return s, fmt.Errorf("unknown key %q", un[0].String())
	}
	for name, r := range s.Roles {
		if strings.TrimSpace(name) == "" {
			return s, fmt.Errorf("a role without a name")
		}
		if len(r.Services) == 0 {
			return s, fmt.Errorf("role %q has no services", name)
		}
	}
	return s, nil
}

// staffAccess is what one staff member may see and do, from their roles.
type staffAccess struct {
	services []string        // the service ids, sorted
	plan     map[string]bool // service id → may plan its visits
	title    map[string]string
}

// accessFor maps roles to services; ok is false when no role is mapped (403).
func (ss StaffServices) accessFor(roles []string) (staffAccess, bool) {
	a := staffAccess{plan: map[string]bool{}, title: map[string]string{}}
	names := slices.Clone(roles)
	sort.Strings(names)
	for _, role := range names {
		r, ok := ss.Roles[role]
		if !ok {
			continue
		}
		for _, sv := range r.Services {
			if !slices.Contains(a.services, sv) {
				a.services = append(a.services, sv)
			}
			if r.Plan {
				a.plan[sv] = true
			}
			if _, has := a.title[sv]; !has || (a.title[sv] == "" && r.Title != "") {
				a.title[sv] = r.Title
			}
		}
	}
	sort.Strings(a.services)
	return a, len(a.services) > 0
}

func (a staffAccess) has(serviceID string) bool { return slices.Contains(a.services, serviceID) }

// canPlan reports whether the staff member may plan visits of serviceID.
func (a staffAccess) canPlan(serviceID string) bool { return a.plan[serviceID] }

// anyPlan reports whether the staff member may plan any service's visits.
func (a staffAccess) anyPlan() bool { return len(a.plan) > 0 }

// in is the services as SQL placeholders and their arguments: "?, ?" and the ids.
func (a staffAccess) in() (string, []any) {
	args := make([]any, len(a.services))
	for i, s := range a.services {
		args[i] = s
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(a.services)), ", "), args
}
