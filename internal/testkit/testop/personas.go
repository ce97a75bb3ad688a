package testop

import (
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

// Personas are the users interop tests log in as at a test OP: Ingrid at BankID level, Ingrid again through
// MinID (idporten-loa-substantial), a user without the pid claim, and a pid the service does not know.
// Ingrid's pid is the national identity number of the reference backend's demo Ingrid.
type Personas struct {
	Ingrid, MinID, NoPID, Nobody User
	// IngridPID is the demo Ingrid's national identity number.
	IngridPID string
}

// DemoPersonas returns the Personas for the reference backend's demo data.
func DemoPersonas(t testing.TB) Personas {
	t.Helper()
	var pid string
	for _, p := range backend.DemoPersons() {
		if p.ID == backend.DemoIngrid {
			pid = p.NationalID
		}
	}
	if pid == "" {
		t.Fatal("testop: no demo Ingrid")
	}
	return Personas{
		IngridPID: pid,
		Ingrid:    User{Username: "ingrid", Password: "ingrid-pw", PID: pid, ACR: ACRHigh},
		MinID:     User{Username: "ingrid-minid", Password: "minid-pw", PID: pid, ACR: ACRSubstantial},
		NoPID:     User{Username: "no-pid", Password: "no-pid-pw", ACR: ACRHigh},
		Nobody:    User{Username: "nobody", Password: "nobody-pw", PID: "01010012345", ACR: ACRHigh},
	}
}

// Users is the option that gives an OP all four personas.
func (p Personas) Users() Option { return WithUsers(p.Ingrid, p.MinID, p.NoPID, p.Nobody) }
