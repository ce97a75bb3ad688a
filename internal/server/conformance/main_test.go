package conformance_test

import (
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/server/backend/pgtest"
)

// TestMain stops the PostgreSQL test cluster (pgtest), when a test started it, and removes its directory.
func TestMain(m *testing.M) { pgtest.Main(m) }
