//go:build linux

package backend

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The sender under kill -9: a backend in a child process (this test binary, TestNoticeHelperProcess)
// commits a change with its notice, and is killed with SIGKILL either before its sender sends, or while
// the SMTP server holds the message it sent (after the whole message, before the reply), the worst moment:
// the mail went, the row does not say so. A backend started again on the same database sends the notice:
// in the first case once; in the second again, with the same Message-ID, which is how the mail system
// (here: smtpSink.ByMessageID, as a mail store that keeps one message per Message-ID) recognises it.

const helperEnv = "HELSEKIOSK_NOTICE_HELPER"

// TestNoticeHelperProcess is the child backend; it runs only when started by the crash tests.
func TestNoticeHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("the crash tests' child process")
	}
	pem, err := os.ReadFile(os.Getenv("HK_CA"))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	ca := &testCA{pool: x509.NewCertPool()}
	ca.pool.AppendCertsFromPEM(pem)
	cfg := Config{DSN: os.Getenv("HK_DSN"), Demo: true}
	cfg.Notices = NoticeConfig{SMTP: "smtp://" + os.Getenv("HK_SMTP"), MailFrom: testMailFrom, TLS: ca.clientTLS(),
		manual: mode == "queue", MergeDelay: time.Millisecond, Poll: 20 * time.Millisecond}
	s, err := New(cfg)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err == nil {
		// The change (here: a thread's unread mark, as a reply would set it) and its notice, one transaction.
		if _, err = tx.ExecContext(ctx, `UPDATE threads SET unread = 1 WHERE person_id = ?`, DemoOla); err == nil {
			err = s.queueNotice(ctx, tx, DemoOla, NoticeMessage)
		}
		if err == nil {
			err = tx.Commit()
		}
	}
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var id string
	_ = s.db.QueryRow(`SELECT id FROM notices WHERE person_id = ?`, DemoOla).Scan(&id)
	fmt.Println("committed", id)
	select {} // until killed
}

// startHelper runs the child backend in mode and returns it with the id of the notice it committed.
func startHelper(t *testing.T, mode, dsn string, ca *testCA, sink *smtpSink) (*exec.Cmd, string) {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoticeHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "HK_DSN="+dsn, "HK_SMTP="+sink.Addr, "HK_CA="+caFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "committed ") || strings.HasPrefix(l, "error ") {
				lines <- l
				return
			}
		}
		lines <- "error: the child ended without a word"
	}()
	select {
	case l := <-lines:
		id, ok := strings.CutPrefix(l, "committed ")
		if !ok || id == "" {
			t.Fatalf("child: %s", l)
		}
		return cmd, id
	case <-time.After(3 * time.Minute):
		t.Fatal("the child backend did not commit in 3 minutes")
	}
	return nil, ""
}

// kill9 kills the child with SIGKILL and waits for it.
func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child ended with %v, not SIGKILL", err)
	}
}

// TestNoticeKilledBeforeSend: kill -9 between the commit and the send; after the restart the notice is
// sent once.
func TestNoticeKilledBeforeSend(t *testing.T) {
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "", "")
	dsn := filepath.Join(t.TempDir(), "helsekiosk.db")
	// The child sets no channel: Ola gets e-mail from the start.
	seedEmail(t, dsn)
	cmd, id := startHelper(t, "queue", dsn, ca, sink)
	kill9(t, cmd)

	clk := &noticeClock{t: time.Now().Add(time.Minute)}
	s := senderServer(t, clk, ca, sink, nil, func(c *Config) { c.DSN = dsn })
	if n := pass(t, s); n != 1 {
		t.Fatalf("after the restart the pass handled %d", n)
	}
	if n := pass(t, s); n != 0 {
		t.Fatalf("a second pass handled %d", n)
	}
	got := sink.All()
	if len(got) != 1 || got[0].Header.Get("Message-Id") != "<"+id+"@kommune.example>" {
		t.Fatalf("the SMTP server got %d messages (%v), want one for %s", len(got), got, id)
	}
}

// TestNoticeKilledAfterSend: kill -9 after the SMTP server has the whole message and before the sender
// marks it sent. After the lease, the restarted backend sends it again with the same Message-ID: two
// deliveries, one message by Message-ID; then no more.
func TestNoticeKilledAfterSend(t *testing.T) {
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "", "")
	dsn := filepath.Join(t.TempDir(), "helsekiosk.db")
	seedEmail(t, dsn)
	held, release := make(chan received, 1), make(chan struct{})
	sink.Hold(func(m received) {
		held <- m
		<-release
	})
	cmd, id := startHelper(t, "send", dsn, ca, sink)
	var first received
	select {
	case first = <-held:
	case <-time.After(3 * time.Minute):
		t.Fatal("the child's sender sent nothing in 3 minutes")
	}
	kill9(t, cmd)
	sink.Hold(nil)
	close(release) // the server answers a dead client; the message is in
	<-sink.Got

	clk := &noticeClock{t: time.Now()}
	s := senderServer(t, clk, ca, sink, nil, func(c *Config) { c.DSN = dsn })
	var claimedBy string
	var emailSent *int64
	var until int64
	if err := s.db.QueryRow(`SELECT COALESCE(claimed_by, ''), email_sent_at, COALESCE(claimed_until, 0) FROM notices WHERE id = ?`, id).
		Scan(&claimedBy, &emailSent, &until); err != nil {
		t.Fatal(err)
	}
	if claimedBy == "" || emailSent != nil || until == 0 {
		t.Fatalf("after the kill: claimed by %q until %d, e-mail sent at %v; want a claim and no mark", claimedBy, until, emailSent)
	}
	clk.t = time.UnixMilli(until).Add(-time.Second) // the dead sender's lease, on the server's clock
	if n := pass(t, s); n != 0 {
		t.Fatalf("the notice was taken within the dead sender's lease (%d)", n)
	}
	clk.add(2 * time.Second)
	if n := pass(t, s); n != 1 {
		t.Fatalf("after the lease the pass handled %d", n)
	}
	if n := pass(t, s); n != 0 {
		t.Fatalf("a further pass handled %d", n)
	}
	all := sink.All()
	byID := sink.ByMessageID()
	want := "<" + id + "@kommune.example>"
	if len(all) != 2 || len(byID) != 1 || all[0].Header.Get("Message-Id") != want || all[1].Header.Get("Message-Id") != want {
		t.Fatalf("deliveries %d, messages by Message-ID %d (%v); want 2 deliveries of %s", len(all), len(byID), byID, want)
	}
	t.Logf("deliveries: %s, %s; messages by Message-ID: %d", all[0].Header.Get("Message-Id"), all[1].Header.Get("Message-Id"), len(byID))
	if first.Body != all[1].Body {
		t.Errorf("the repeat differs:\n%s\n---\n%s", first.Body, all[1].Body)
	}
	if st, _, _, _ := noticeStatus(t, s, DemoOla); st != "sent" {
		t.Errorf("status %s", st)
	}
}

// seedEmail creates the database with the demo data and Ola on e-mail.
func seedEmail(t *testing.T, dsn string) {
	t.Helper()
	s, err := New(Config{DSN: dsn, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	setPerson(t, s.db, DemoOla, `notification_channel = 'email'`)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
