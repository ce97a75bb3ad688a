package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/helsekiosk/helsekiosk/client"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// login runs the device login: a QR code and user code for the citizen's phone, the time left, and a
// new code when one expires. In demo mode it offers one-tap logins as the test persons.
type login struct {
	k      *Kiosk
	ctx    context.Context
	cancel context.CancelFunc

	attempt       int                // the code shown now; results of older attempts are dropped
	attemptCancel context.CancelFunc // stops the current attempt's Wait
	current       *client.Login

	qr        *canvas.Image
	code      *widget.Label
	url       *widget.Label
	typeCode  *widget.Label // "type the code" when the issuer gives no verification_uri_complete
	timeLeft  *widget.Label
	status    *widget.Label
	clockWarn *widget.Label // the kiosk's clock is far from the backend's
	errText   *widget.Label
	retry     *widgets.Button
	demo      *fyne.Container     // holds demoParts while a code is shown (emptied, not hidden: the GL driver
	demoParts []fyne.CanvasObject // did not repaint a container shown again after being hidden)
	codeBox   *fyne.Container
	qrBox     *fyne.Container
	root      *fyne.Container // refreshed when a part is shown or hidden (containers do not re-layout by themselves)
	notice    string          // how the last try ended (a message ID), shown until the next try
}

func newLogin(k *Kiosk) *login { return newLoginWith(k, "") }

// newLoginWith is the login screen with a message (an ID) saying how the last try ended (the login on the
// kiosk cancelled, the browser closed, …); "" for none.
func newLoginWith(k *Kiosk, notice string) *login {
	ctx, cancel := context.WithCancel(k.ctx)
	return &login{k: k, ctx: ctx, cancel: cancel, notice: notice}
}

func (s *login) buildUI() fyne.CanvasObject {
	k := s.k
	if !k.offersPhoneLogin() {
		return s.kioskOnlyUI()
	}
	s.qr = canvas.NewImageFromResource(nil)
	s.qr.FillMode = canvas.ImageFillContain
	// As large as the column's height allows (kt.QRSize on a tall screen), never less than a phone can read.
	s.qr.SetMinSize(fyne.NewSize(kt.QRMinSize, kt.QRMinSize))

	s.code = widget.NewLabel("")
	s.code.SizeName = kt.SizeNameUserCode
	s.code.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
	s.url = widget.NewLabel("")
	s.url.TextStyle = fyne.TextStyle{Bold: true}
	s.url.Wrapping = fyne.TextWrapBreak
	s.timeLeft = para("")
	s.status = para(k.tr("LoginFetchingCode"))
	s.status.TextStyle = fyne.TextStyle{Bold: true}
	s.errText = errorLabel()
	s.clockWarn = errorLabel()
	s.retry = widgets.NewPrimaryButton(k.hooks, k.tr("TryAgain"), s.startAttempt)
	s.retry.Hide()

	steps := para("1. " + k.tr("LoginStep1") + "\n2. " + k.tr("LoginStep2") + "\n3. " + k.tr("LoginStep3"))
	codeCaption := widget.NewLabel(k.tr("LoginCodeCaption"))
	codeCaption.Wrapping = fyne.TextWrapWord
	s.typeCode = para(k.tr("LoginTypeCode"))
	s.typeCode.Hide()
	s.codeBox = container.NewVBox(codeCaption, s.url, s.code, s.typeCode)
	s.codeBox.Hide()
	s.timeLeft.Alignment = fyne.TextAlignCenter
	qrSlot := container.NewStack(s.qr)
	s.qrBox = container.NewStack(qrSlot)
	s.qrBox.Hide()

	cancel := widgets.NewIconButton(k.hooks, k.tr("Cancel"), theme.CancelIcon(), func() { k.show(newWelcome(k)) })

	// Left, scrolling with the cue: the code (with the way to type it) first, in view at every text size,
	// then the steps. Right: the QR code as large as the room allows, and below it, always in view, the
	// time left, «Ventar på telefonen …» and «Logg inn her på kiosken».
	left := container.NewVBox(s.codeBox, s.clockWarn, s.errText, container.NewHBox(s.retry), steps)
	if note := s.noticeLabel(); note != nil {
		left.Objects = append([]fyne.CanvasObject{note}, left.Objects...)
	}
	under := container.NewVBox(s.timeLeft, s.status)
	var leftTop fyne.CanvasObject
	if k.disp.size == kt.SizeNormal { // room to spare on the left: the QR code keeps its height
		under.Objects = []fyne.CanvasObject{s.timeLeft}
		leftTop = s.status
	}
	if k.offersKioskLogin() {
		// The second way in, for a citizen without a phone of their own: the OP's page here on the kiosk,
		// under the QR code, in sight from the start; what it does is said under the steps.
		here := widgets.NewIconButton(k.hooks, k.tr("KioskLoginButton"), theme.ComputerIcon(), func() { k.show(newBrowserLogin(k)) })
		here.Importance = widget.HighImportance
		under.Add(container.NewCenter(here))
		offer := para(k.tr("KioskLoginOffer"))
		// Said before the page covers the kiosk: the touch keyboard does not reach it, and Esc leaves it.
		keys := para(k.tr("KioskLoginBeforeOpen"))
		left.Add(widget.NewSeparator())
		left.Add(offer)
		left.Add(keys)
	}
	right := readingBorder(nil, under, s.qrBox)
	s.demo = container.NewVBox()
	var bottom fyne.CanvasObject = s.demo
	if k.cfg.Demo {
		demoTitle := para(k.tr("DemoLoginHeading"))
		demoTitle.TextStyle = fyne.TextStyle{Bold: true}
		buttons := container.NewGridWithColumns(2)
		for _, p := range demoPersons {
			buttons.Add(widgets.NewButton(k.hooks, k.trd("DemoLoginAs", map[string]any{"Name": p.name}), func() { s.demoApprove(p.id) }))
		}
		s.demoParts = []fyne.CanvasObject{widget.NewSeparator(), buttons} // each button says what it does
		if k.disp.size != kt.SizeNormal {
			// At the larger text sizes the demo logins go at the end of the left column: the code and
			// the QR code keep the room.
			buttons.Layout = layout.NewVBoxLayout()
			demoTitle.SetText(k.tr("DemoLoginHeadingAs"))
			for i, p := range demoPersons {
				buttons.Objects[i].(*widgets.Button).SetText(p.name)
			}
			s.demoParts = []fyne.CanvasObject{widget.NewSeparator(), demoTitle, buttons}
			left.Add(s.demo)
			bottom = nil
		}
	}

	body := container.NewGridWithColumns(2, readingBorder(leftTop, nil, k.scrolled(left)), right)
	s.startAttempt()
	top := container.NewBorder(nil, nil, nil, cancel, subheading(k.tr("LoginHeading")))
	s.root = readingBorder(top, bottom, body)
	return s.root
}

// startAttempt asks for a new device code and waits for the phone.
func (s *login) startAttempt() {
	s.attempt++
	a := s.attempt
	if s.attemptCancel != nil {
		s.attemptCancel()
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.attemptCancel = cancel
	s.current = nil
	s.retry.Hide()
	showError(s.errText, "")
	s.status.SetText(s.k.tr("LoginFetchingCode"))
	s.status.Show()
	s.codeBox.Hide()
	s.qrBox.Hide()
	s.demo.RemoveAll()
	if s.root != nil {
		s.root.Refresh()
	}
	kioskName := s.k.kioskLabel() // name and location, shown on the phone
	s.k.async(s, func(context.Context) func() {
		l, err := s.k.client.StartLogin(ctx, kioskName)
		return func() {
			if a != s.attempt || ctx.Err() != nil {
				return
			}
			if err != nil {
				s.showFailure(err)
				return
			}
			s.showCode(l)
			// The time left, once a second until the attempt ends (ctx) or the screen is left.
			s.k.every(time.Second, owner{ctx: ctx, alive: func() bool { return s.k.cur == s && a == s.attempt }},
				func(context.Context) func() { return s.tick })
			s.wait(ctx, a, l)
		}
	})
}

func (s *login) showCode(l *client.Login) {
	s.current = l
	png, err := qrcode.Encode(l.VerificationURIComplete, qrcode.Medium, 512)
	if err == nil {
		s.qr.Resource = fyne.NewStaticResource("login-qr.png", png)
		s.qr.Refresh()
	}
	s.code.SetText(groupCode(l.UserCode))
	s.k.queue(s.k.trd("GuideLoginCode", map[string]any{"URL": shortURL(l.VerificationURI), "Code": spellCode(l.UserCode)}))
	if l.CodeInURI {
		s.typeCode.Hide()
	} else {
		s.typeCode.Show() // the QR code opens only the page: the citizen types the code shown here
	}
	s.url.SetText(shortURL(l.VerificationURI))
	s.status.SetText(s.k.tr("LoginWaiting"))
	// A clock far from the backend's is for staff (the staff panel says it), not for the citizen.
	s.codeBox.Show()
	s.qrBox.Show()
	s.demo.Objects = s.demoParts
	s.demo.Refresh()
	s.root.Refresh()
	s.tick()
}

func (s *login) tick() {
	if s.current == nil {
		return
	}
	left := s.current.Expiry.Sub(s.k.now()).Round(time.Second)
	if left < 0 {
		left = 0
	}
	// Whole minutes, rounded up («Koden kan brukast i 5 minutt til»): «4:37» reads as a time of day.
	mins := int((left + time.Minute - 1) / time.Minute)
	s.timeLeft.SetText(s.k.trd("LoginTimeLeft", map[string]any{"Time": fmt.Sprint(mins)}))
}

// wait waits for the phone in the background.
func (s *login) wait(ctx context.Context, a int, l *client.Login) {
	s.k.async(s, func(context.Context) func() {
		sess, err := l.Wait(ctx)
		if sess != nil && ctx.Err() != nil {
			// Approved just as the citizen left: end that session at once.
			s.k.revoke(sess)
			return nil
		}
		return func() {
			if a != s.attempt {
				if sess != nil {
					s.k.revoke(sess)
				}
				return
			}
			switch {
			case err == nil:
				s.k.loggedIn(sess)
			case errors.Is(err, client.ErrLoginExpired):
				s.startAttempt() // a new code, without asking
			case ctx.Err() != nil:
			default:
				s.showFailure(err)
			}
		}
	})
}

func (s *login) showFailure(err error) {
	if s.attemptCancel != nil {
		s.attemptCancel()
	}
	s.current = nil
	s.codeBox.Hide()
	s.qrBox.Hide()
	s.demo.RemoveAll()
	s.status.Hide()
	s.timeLeft.SetText("")
	showError(s.errText, s.k.errText(err))
	s.retry.Show()
	s.root.Refresh()
}

// demoApprove approves the code shown as a test person, as the phone would.
func (s *login) demoApprove(personID string) {
	if s.current == nil {
		return
	}
	code := s.current.UserCode
	s.status.SetText(s.k.tr("LoginWaiting"))
	s.k.async(s, func(context.Context) func() {
		ctx, cancel := context.WithTimeout(s.ctx, 15*time.Second)
		defer cancel()
		err := s.k.client.DemoApprove(ctx, code, personID, true)
		if err == nil || s.ctx.Err() != nil {
			return nil
		}
		return func() { showError(s.errText, s.k.errText(err)) }
	})
}

func (s *login) stop() {
	s.cancel()
}

func (s *login) kind() string { return "login" }

// rerender builds the screen again (language, text size) with a new code: the old one's wait is stopped.
func (s *login) rerender() fyne.CanvasObject {
	s.cancel()
	s.ctx, s.cancel = context.WithCancel(s.k.ctx)
	s.attemptCancel = nil
	return s.buildUI()
}

// maxClockSkew is how far the kiosk's clock may be from the backend's before staff are told.
const maxClockSkew = 2 * time.Minute

// clockSkewText is a warning when the kiosk's clock is far from the backend's, else "". Login still works
// (code and token lifetimes are counted from the kiosk's own clock), but dates shown would be wrong.
func (k *Kiosk) clockSkewText() string {
	skew, ok := k.client.ClockSkew()
	if !ok || (skew <= maxClockSkew && skew >= -maxClockSkew) {
		return ""
	}
	if skew < 0 {
		skew = -skew
	}
	return k.trn("LoginClockSkew", int(skew.Round(time.Minute)/time.Minute))
}

// groupCode shows a user code in groups of four, easier to read aloud and type ("WDJB-MJHT" -> "WDJB – MJHT").
func groupCode(code string) string {
	if strings.Contains(code, "-") {
		return strings.ReplaceAll(code, "-", " – ")
	}
	var b strings.Builder
	for i, r := range code {
		if i > 0 && i%4 == 0 {
			b.WriteString(" ")
		}
		b.WriteRune(r)
	}
	return b.String()
}

// shortURL drops the scheme: "https://id.kommune.no/device" -> "id.kommune.no/device".
func shortURL(u string) string {
	u = strings.TrimPrefix(u, "https://")
	u = strings.TrimPrefix(u, "http://")
	return strings.TrimSuffix(u, "/")
}

// spellCode is a user code as speech guidance says it: letter by letter, a pause between the groups
// ("B, C, D, F. G, H, J, K.").
func spellCode(code string) string {
	var groups []string
	for _, g := range strings.Fields(strings.ReplaceAll(groupCode(code), "–", " ")) {
		groups = append(groups, strings.Join(strings.Split(g, ""), ", ")+".")
	}
	return strings.Join(groups, " ")
}

// kioskOnlyUI is the login screen where the municipality offers only the login on the kiosk (login = kiosk):
// how the last try ended, and the way to try again.
func (s *login) kioskOnlyUI() fyne.CanvasObject {
	k := s.k
	box := container.NewVBox(subheading(k.tr("KioskLoginHeading")))
	if note := s.noticeLabel(); note != nil {
		box.Add(note)
	}
	again := widgets.NewPrimaryButton(k.hooks, k.tr("KioskLoginButton"), func() { k.show(newBrowserLogin(k)) })
	back := widgets.NewIconButton(k.hooks, k.tr("Cancel"), theme.CancelIcon(), func() { k.show(newWelcome(k)) })
	box.Add(container.NewHBox(again, back))
	return box
}

// noticeLabel shows how the last try ended (s.notice), in the error colour; nil when there is nothing to say.
func (s *login) noticeLabel() *widget.Label {
	if s.notice == "" {
		return nil
	}
	note := errorLabel()
	showError(note, s.k.tr(s.notice))
	return note
}
