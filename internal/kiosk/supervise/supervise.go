// Package supervise gives every citizen a fresh kiosk process. `helsekiosk --supervise ARGS…` (what cage
// runs) starts `helsekiosk ARGS…` as its child and starts it again each time it ends, so nothing but a kiosk
// window is ever on the screen, and no process serves two citizens:
//
//   - When a visit ends (logout, idle, expired, staff) the kiosk shows its welcome screen, logs
//     kiosk_exited "handover" and writes "handover" to the supervisor. The supervisor starts the next kiosk
//     at once; when that one has painted its first frame it writes "ready", and the supervisor writes "exit"
//     to the old one, which then exits with ExitHandover (75). The new window is mapped before the old one
//     goes, so the compositor never shows anything else between them.
//   - A kiosk that dies otherwise (a panic, a kill) is logged as kiosk_exited "crash" or "killed:N" (the
//     signal) in the operations log, and started again; CrashLimit such deaths within CrashWindow end in
//     the out-of-order screen (the supervisor replaces itself with OutOfOrder's command, by default swayimg
//     showing the out-of-order picture), never in a desktop.
//   - A clean exit (staff's "Avslutt kiosken", SIGTERM: status 0) ends the supervisor with status 0 too, as
//     the kiosk's exit did before, and the service manager decides what follows.
//
// The two talk over a socket pair handed to the child as file descriptor 3 (EnvFD names it); each message
// is one line. Each child also gets a private directory (EnvPrivateDir) for Fyne's preferences and caches,
// removed when it ends.
package supervise

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
)

// ExitHandover is the kiosk's exit status after a visit ended and it handed over to a fresh process
// (EX_TEMPFAIL: "try again", which is what the supervisor, or the service manager, does).
const ExitHandover = 75

// The environment the supervisor gives its child.
const (
	EnvFD         = "HELSEKIOSK_SUPERVISOR_FD"   // the child's end of the socket pair
	EnvPrivateDir = "HELSEKIOSK_PRIVATE_DIR"     // a directory of the child's own, removed when it ends
	EnvOutOfOrder = "HELSEKIOSK_OUT_OF_ORDER"    // the out-of-order command (space-separated), replacing DefaultOutOfOrder
	envReadyWait  = "HELSEKIOSK_HANDOVER_WAIT"   // how long to wait for the next kiosk's "ready" (tests)
	envCrashLimit = "HELSEKIOSK_CRASH_LIMIT"     // CrashLimit (tests)
	envCrashEvery = "HELSEKIOSK_CRASH_WINDOW"    // CrashWindow (tests)
	envNoExec     = "HELSEKIOSK_OUT_OF_ORDER_NO" // tests: exit with ExitOutOfOrder instead of running the command
	envHold       = "HELSEKIOSK_HANDOVER_HOLD"   // tests: keep the old kiosk this long after the next is ready (to dump its memory)
)

// The messages, one a line.
const (
	msgReady    = "ready"
	msgHandover = "handover"
	msgExit     = "exit"
)

// CrashLimit deaths within CrashWindow end in the out-of-order screen.
const (
	CrashLimit  = 5
	CrashWindow = 2 * time.Minute
)

// ExitOutOfOrder is the supervisor's status when it gave up and could not show the out-of-order screen.
const ExitOutOfOrder = 70

// DefaultOutOfOrder is the out-of-order screen: the picture the helsekiosk-out-of-order unit shows.
var DefaultOutOfOrder = []string{"/usr/bin/swayimg", "--fullscreen", "--scale=fit", "--background=000000",
	"--window=000000", "--no-sway", "/usr/share/helsekiosk/out-of-order.png"}

// SplitArgs takes the supervisor's own flags out of a command line: --supervise, and --fresh-process[=BOOL]
// (nil when not given).
func SplitArgs(args []string) (rest []string, supervise bool, fresh *bool, err error) {
	for i, a := range args {
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		switch name {
		case "supervise":
			supervise = true
		case "fresh-process":
			b := true
			if hasVal {
				if b, err = strconv.ParseBool(val); err != nil {
					return nil, false, nil, fmt.Errorf("--fresh-process: %w", err)
				}
			}
			fresh = &b
		default:
			rest = append(rest, a)
		}
	}
	return rest, supervise, fresh, nil
}

// HandoverWait is how long a kiosk that has handed over waits for the next one before it exits anyway.
func HandoverWait() time.Duration { return envDuration(envReadyWait, 20*time.Second) }

// A Link is the kiosk's side of the socket pair (nil when the kiosk runs without a supervisor).
type Link struct {
	f    *os.File
	in   *bufio.Reader
	once sync.Once
}

// FromEnv is the link the supervisor handed over in EnvFD, or nil.
func FromEnv() *Link {
	n, err := strconv.Atoi(os.Getenv(EnvFD))
	if err != nil || n < 3 {
		return nil
	}
	f := os.NewFile(uintptr(n), "supervisor")
	if f == nil {
		return nil
	}
	syscall.CloseOnExec(n)
	return &Link{f: f, in: bufio.NewReader(f)}
}

// Ready tells the supervisor that the kiosk's first frame is on the screen (once; safe on a nil Link).
func (l *Link) Ready() {
	if l == nil {
		return
	}
	l.once.Do(func() { _, _ = io.WriteString(l.f, msgReady+"\n") })
}

// HandOver tells the supervisor the visit has ended and waits until it says the next kiosk is on the
// screen (or the link breaks, or wait has passed). On a nil Link it returns at once.
func (l *Link) HandOver(wait time.Duration) {
	if l == nil {
		return
	}
	if _, err := io.WriteString(l.f, msgHandover+"\n"); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			line, err := l.in.ReadString('\n')
			if err != nil || strings.TrimSpace(line) == msgExit {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// Options are the supervisor's settings.
type Options struct {
	Program  string           // the kiosk program (default: this executable)
	Args     []string         // its arguments
	StoreDir string           // the local store's directory, for crash entries ("" = not logged)
	Log      io.Writer        // the supervisor's notes (default stderr)
	Now      func() time.Time // default time.Now
	Signals  <-chan os.Signal // SIGTERM/SIGINT (default: the process's own)
	Started  func(pid int)    // called with each child's pid (tests)
	ExtraEnv []string         // added to each child's environment
	limit    int
}

type child struct {
	cmd     *exec.Cmd
	conn    *os.File // the supervisor's end
	dir     string
	started time.Time
	ready   chan struct{} // closed at "ready"
	handed  chan struct{} // closed at "handover"
	exited  chan struct{} // closed when it has ended
	status  syscall.WaitStatus
}

func (o *Options) logf(format string, a ...any) {
	fmt.Fprintf(o.Log, "helsekiosk --supervise: "+format+"\n", a...)
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// Run supervises the kiosk until it exits cleanly (status 0: Run returns 0), a signal ends the supervisor
// (the child gets SIGTERM; 0), or crashes reach CrashLimit (the out-of-order command replaces the process;
// ExitOutOfOrder if it cannot).
func Run(o Options) int {
	if o.Log == nil {
		o.Log = os.Stderr
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Program == "" {
		exe, err := os.Executable()
		if err != nil {
			o.logf("%v", err)
			return 1
		}
		o.Program = exe
	}
	if o.Signals == nil {
		sig := make(chan os.Signal, 2)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		o.Signals = sig
	}
	o.limit = CrashLimit
	if n, err := strconv.Atoi(os.Getenv(envCrashLimit)); err == nil && n > 0 {
		o.limit = n
	}
	limit := o.limit
	window := envDuration(envCrashEvery, CrashWindow)

	var crashes []time.Time
	cur, err := o.start()
	if err != nil {
		o.logf("cannot start the kiosk: %v", err)
		return o.outOfOrder()
	}
	var next *child
	for {
		var nextReady, nextExited <-chan struct{}
		if next != nil {
			nextReady, nextExited = next.ready, next.exited
		}
		select {
		case s := <-o.Signals:
			o.logf("%v: stopping the kiosk", s)
			for _, c := range []*child{cur, next} {
				if c != nil {
					_ = c.cmd.Process.Signal(syscall.SIGTERM)
				}
			}
			for _, c := range []*child{cur, next} {
				if c != nil {
					select {
					case <-c.exited:
					case <-time.After(10 * time.Second):
						_ = c.cmd.Process.Kill()
						<-c.exited
					}
				}
			}
			return 0

		case <-cur.handed:
			cur.handed = nil // once
			if next == nil {
				if next, err = o.start(); err != nil {
					o.logf("cannot start the next kiosk: %v", err)
					next = nil
					cur.tellExit() // the old process must not serve the next citizen; a plain restart follows
				}
			}

		case <-nextReady:
			// Tests and operators parse this line: the time in whole milliseconds, whatever its size.
			o.logf("handover: kiosk %d on the screen %dms after kiosk %d's visit ended", next.cmd.Process.Pid,
				o.Now().Sub(next.started).Milliseconds(), cur.cmd.Process.Pid)
			if hold := envDuration(envHold, 0); hold > 0 {
				time.AfterFunc(hold, cur.tellExit)
			} else {
				cur.tellExit()
			}
			next.ready = nil

		case <-nextExited:
			// The next kiosk died before taking over: count it, and the old one hands over to another.
			if o.died(next, &crashes, window) >= limit {
				return o.giveUp(cur)
			}
			if next, err = o.start(); err != nil {
				o.logf("cannot start the next kiosk: %v", err)
				next = nil
				cur.tellExit()
			}

		case <-cur.exited:
			ws := cur.status
			switch {
			case ws.Exited() && ws.ExitStatus() == ExitHandover:
				if next == nil { // handed over without a supervisor's help, or the next failed to start
					if next, err = o.start(); err != nil {
						o.logf("cannot start the kiosk: %v", err)
						return o.outOfOrder()
					}
				}
			case ws.Exited() && ws.ExitStatus() == 0:
				o.logf("the kiosk exited (status 0)")
				if next != nil {
					_ = next.cmd.Process.Signal(syscall.SIGTERM)
					<-next.exited
				}
				return 0
			default:
				if o.died(cur, &crashes, window) >= limit {
					return o.giveUp(next)
				}
				if next == nil {
					if next, err = o.start(); err != nil {
						o.logf("cannot start the kiosk: %v", err)
						return o.outOfOrder()
					}
				}
			}
			cur, next = next, nil
		}
	}
}

// died logs a child's unclean end and returns how many such ends fell within window.
func (o *Options) died(c *child, crashes *[]time.Time, window time.Duration) int {
	detail := "crash"
	ws := c.status
	if ws.Signaled() {
		detail = "killed:" + strconv.Itoa(int(ws.Signal()))
	}
	o.logf("kiosk %d ended: %s (%v)", c.cmd.Process.Pid, detail, ws)
	o.logExit(detail)
	now := o.Now()
	kept := (*crashes)[:0]
	for _, t := range *crashes {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	*crashes = append(kept, now)
	return len(*crashes)
}

// logExit writes kiosk_exited with detail to the operations log.
func (o *Options) logExit(detail string) {
	if o.StoreDir == "" {
		return
	}
	st, err := store.Open(o.StoreDir)
	if err != nil {
		o.logf("operations log: %v", err)
		return
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := st.Log(ctx, store.KioskExited, detail); err != nil {
		o.logf("operations log: %v", err)
	}
}

// giveUp stops a still running child and shows the out-of-order screen.
func (o *Options) giveUp(c *child) int {
	o.logf("the kiosk died %d times in a row: out of order", o.limit)
	if c != nil {
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	return o.outOfOrder()
}

// outOfOrder replaces the supervisor with the out-of-order command (EnvOutOfOrder, or DefaultOutOfOrder).
func (o *Options) outOfOrder() int {
	argv := DefaultOutOfOrder
	if s := strings.Fields(os.Getenv(EnvOutOfOrder)); len(s) > 0 {
		argv = s
	}
	if os.Getenv(envNoExec) != "" {
		return ExitOutOfOrder
	}
	path, err := exec.LookPath(argv[0])
	if err == nil {
		err = syscall.Exec(path, argv, os.Environ())
	}
	o.logf("out-of-order screen %v: %v", argv, err)
	return ExitOutOfOrder
}

// start starts a kiosk with its end of a new socket pair as fd 3 and a private directory of its own.
func (o *Options) start() (*child, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "kiosk"), os.NewFile(uintptr(fds[1]), "supervisor")
	defer theirs.Close()
	dir, err := os.MkdirTemp("", "helsekiosk-")
	if err != nil {
		mine.Close()
		return nil, err
	}
	cmd := exec.Command(o.Program, o.Args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	if o.Log != os.Stderr {
		cmd.Stdout, cmd.Stderr = o.Log, o.Log
	}
	cmd.ExtraFiles = []*os.File{theirs}
	// The kiosk dies with its supervisor (a supervisor killed must not leave a kiosk without one on the
	// screen, nor holding the session's output open).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Env = append(os.Environ(), o.ExtraEnv...)
	cmd.Env = append(cmd.Env, EnvFD+"=3", EnvPrivateDir+"="+dir)
	c := &child{cmd: cmd, conn: mine, dir: dir, started: o.Now(), ready: make(chan struct{}),
		handed: make(chan struct{}), exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		mine.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	o.logf("kiosk %d started", cmd.Process.Pid)
	if o.Started != nil {
		o.Started(cmd.Process.Pid)
	}
	ready, handed := c.ready, c.handed
	go func() {
		in := bufio.NewReader(mine)
		var r, h bool
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				return
			}
			switch strings.TrimSpace(line) {
			case msgReady:
				if !r {
					r = true
					close(ready)
				}
			case msgHandover:
				if !h {
					h = true
					close(handed)
				}
			}
		}
	}()
	go func() {
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			c.status, _ = ee.Sys().(syscall.WaitStatus)
		}
		mine.Close()
		os.RemoveAll(dir) // Fyne's files of this process, also after a crash
		close(c.exited)
	}()
	return c, nil
}

// tellExit tells a kiosk that has handed over to exit now.
func (c *child) tellExit() {
	_, _ = io.WriteString(c.conn, msgExit+"\n")
}
