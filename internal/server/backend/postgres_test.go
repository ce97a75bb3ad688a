package backend_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/server/backend/pgtest"
)

// onPostgres are the tests that TestOnPostgreSQL runs again on PostgreSQL. Together with TestReplicas and
// TestReplicasStaffLogin (which run on PostgreSQL always) they run every SQL statement of the backend but
// three plain ones (the removal of an expired staff session, taking over an expired idempotency record not
// yet pruned, the metrics' count of open help requests): checked with HELSEKIOSK_TEST_DB=postgres go test -coverprofile
// -run of these, listing the uncovered blocks that hold SQL. They cover every endpoint through the contract's access matrix, the device flow,
// refresh and revocation, idempotency (also concurrent), threads and paging, appointments and their
// requests, settings and fullmakt, help requests, consent, the demo seed and SeedBulk, and refused input, kiosk heartbeats and the fleet list.
var onPostgres = []string{
	"TestAccessControlFromContract", "TestAccessControl", "TestConsentOfThePersonActedFor", "TestChildTurning18LosesAccess",
	"TestDeviceFlow", "TestDeviceAuthorization", "TestVerificationPage", "TestUserCodeAnswersAlike", "TestDemoTokens",
	"TestRevoke", "TestTokensStoredHashed", "TestKioskClientsFile", "TestWithoutDemo", "TestUnderAge",
	"TestIdempotency", "TestIdempotencyConcurrent", "TestThreads", "TestSeedBulkPaging", "TestOverview",
	"TestListAppointments", "TestCancellationPostsMessage", "TestRequestCreatesThreadWhenNone", "TestCancellationDeadline",
	"TestNotificationSettings", "TestFullmaktLifecycle", "TestGrantFullmaktRules", "TestGiverTooYoung",
	"TestHelpRequests", "TestHelpRequestsBelongToTheKiosk", "TestConsent", "TestMePersons", "TestSmokeLoginMeThreads",
	"TestHostileText", "TestHostileNumbersAndDates", "TestBadInput", "TestCancelledRequestIsNot500",
	"TestIdempotencyNamespaces", "TestIdempotencyStoredSealedAndPruned", "TestLabelsInTheCitizensLanguage",
	"TestBadHeadersAndForms", "TestNoRedirects", "TestHeartbeatRefusals", "TestFleetOnStaffPageAndMetrics",
}

// TestOnPostgreSQL runs the tests in onPostgres again with HELSEKIOSK_TEST_DB=postgres, in a child of this
// test binary: the same tests, each backendtest.New on a fresh PostgreSQL database (pgtest). It skips
// without PostgreSQL, except under CI=true.
func TestOnPostgreSQL(t *testing.T) {
	if os.Getenv("HELSEKIOSK_TEST_DB") != "" {
		t.Skip("this run has its store chosen already (HELSEKIOSK_TEST_DB)")
	}
	if why := pgtest.Available(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is needed under CI=true: %s", why)
		}
		t.Skipf("no PostgreSQL (install the postgresql package; scripts/deps.sh --test): %s", why)
	}
	args := []string{"-test.run=^(" + strings.Join(onPostgres, "|") + ")$", "-test.count=1", "-test.timeout=10m"}
	if testing.Verbose() {
		args = append(args, "-test.v")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], args...)
	cmd.Env = append(os.Environ(), "HELSEKIOSK_TEST_DB=postgres")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the tests on PostgreSQL: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "pgtest: no PostgreSQL") {
		t.Fatalf("the tests on PostgreSQL were skipped:\n%s", out)
	}
	t.Logf("on PostgreSQL: %s", strings.TrimSpace(lastLine(string(out))))
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
