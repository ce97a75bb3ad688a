// Package pgtest starts a real PostgreSQL for tests: a private cluster (initdb) in a temporary directory,
// from Debian's postgresql package (/usr/lib/postgresql/*/bin), listening on 127.0.0.1 on a free port and
// on a unix socket in that directory. Tests get a fresh database each (DSN). As root (CI) the cluster runs
// as the postgres user, or a throwaway system user when there is none, since PostgreSQL refuses to run as
// root.
//
// Without PostgreSQL a test is skipped with a message, except under CI=true, where it fails. The server is
// started once per test binary and stops with it (parent-death signal), or earlier with Stop; a package may
// call Main from its TestMain to remove the cluster's directory too.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Server is a running private PostgreSQL cluster.
type Server struct {
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
	logf *os.File
}

var (
	mu      sync.Mutex
	shared  *Server
	starter error
	dbCount atomic.Int64
)

// Available reports why PostgreSQL cannot be used here ("" when it can): no initdb was found.
func Available() string {
	if _, err := binDir(); err != nil {
		return err.Error()
	}
	return ""
}

// DSN returns the URL of a fresh, empty database on the shared test cluster (started at the first call).
// It skips t when PostgreSQL is missing, or fails it under CI=true.
func DSN(t testing.TB) string {
	t.Helper()
	s, err := Shared()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: PostgreSQL is needed under CI=true: %v", err)
		}
		t.Skipf("pgtest: no PostgreSQL (install the postgresql package; scripts/deps.sh --test): %v", err)
	}
	dsn, err := s.CreateDB(fmt.Sprintf("t%d_%d", os.Getpid(), dbCount.Add(1)))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// Shared starts the test binary's cluster once and returns it.
func Shared() (*Server, error) {
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && starter == nil {
		shared, starter = Start()
	}
	return shared, starter
}

// Main runs the tests and then stops the shared cluster and removes its directory. Use it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if shared != nil {
		shared.Stop()
	}
	mu.Unlock()
	os.Exit(code)
}

func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errors.New("initdb not found under /usr/lib/postgresql/*/bin or on PATH")
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	return filepath.Dir(dirs[0]), nil
}

func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// runAs is the user the cluster runs as when we are root: postgres, or a throwaway system user.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		const name = "helsekiosk-pgtest"
		if u, err = user.Lookup(name); err != nil {
			if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
				return nil, fmt.Errorf("useradd %s: %v: %s", name, err, out)
			}
			if u, err = user.Lookup(name); err != nil {
				return nil, err
			}
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// Start creates and starts a new cluster.
func Start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "helsekiosk-pg-")
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	s := &Server{dir: dir, done: make(chan struct{})}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
		"--locale=C.UTF-8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if s.logf, err = os.Create(filepath.Join(dir, "postgres.log")); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// postgres itself rather than pg_ctl, so that it gets the parent-death signal: a test binary that dies
	// takes its cluster with it. fsync off: a test cluster need not survive a crash of the machine.
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(s.port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=32MB")
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.logf, s.logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("postgres: %v", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
			return fmt.Errorf("postgres exited: %s", log)
		default:
		}
		db, err := sql.Open("pgx", s.url("postgres"))
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("postgres not ready after %s: %v", timeout, last)
}

func (s *Server) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// Port is the TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// CreateDB creates an empty database and returns its URL.
func (s *Server) CreateDB(name string) (string, error) {
	if strings.ContainsFunc(name, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		return "", fmt.Errorf("database name %q: only a-z, 0-9 and _", name)
	}
	db, err := sql.Open("pgx", s.url("postgres"))
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return s.url(name), nil
}

// Stop stops the cluster (fast shutdown) and removes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	if s.logf != nil {
		s.logf.Close()
	}
	os.RemoveAll(s.dir)
}
