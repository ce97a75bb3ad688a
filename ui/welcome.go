package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/assets"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// welcome is the start screen: the service's name, "Logg inn", the language buttons and the help line.
type welcome struct {
	k          *Kiosk
	login      *widgets.Button
	notice     *widget.Label
	helpStatus *widget.Label // whether the help line is open now; kept current at each change (onHelpLineChange)
	stopTick   func()
}

func newWelcome(k *Kiosk) *welcome { return &welcome{k: k} }

func (s *welcome) buildUI() fyne.CanvasObject {
	k := s.k
	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(100, 100))

	title := heading(k.tr("WelcomeTitle"))
	title.Alignment = fyne.TextAlignCenter
	sub := subheading(k.tr("WelcomeSubtitle"))
	sub.Alignment = fyne.TextAlignCenter
	sub.TextStyle = fyne.TextStyle{}
	intro := para(k.tr("WelcomeIntro"))
	intro.Alignment = fyne.TextAlignCenter

	s.notice = k.noticeLabel(widget.NewLabel(""))
	k.startGuideHint(s) // says now and then how to start speech guidance
	var notes []string
	if msg := k.notice.message(); msg != "" {
		notes = append(notes, k.tr(msg))
	}
	if k.unsentNotice {
		notes = append(notes, k.tr("NoticeUnsent"))
	}
	s.notice.SetText(strings.Join(notes, " "))
	s.notice.Wrapping = fyne.TextWrapWord
	s.notice.SizeName = theme.SizeNameSubHeadingText
	s.notice.Alignment = fyne.TextAlignCenter
	s.notice.TextStyle = fyne.TextStyle{Bold: true}
	s.notice.Importance = widget.HighImportance
	if s.notice.Text == "" {
		s.notice.Hide()
	}
	k.notice, k.unsentNotice = logoutCitizen, false // shown once

	s.login = widgets.NewPrimaryButton(k.hooks, k.tr("Login"), k.startLogin)
	s.login.Icon = theme.LoginIcon()
	loginBox := container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 80), s.login))

	langs := container.NewHBox()
	for _, l := range config.Languages {
		b := widgets.NewButton(k.hooks, config.LanguageName(l), func() { k.switchLang(l) })
		if l == k.lang {
			b.Importance = widget.HighImportance
			b.Icon = theme.ConfirmIcon()
		}
		langs.Add(b)
	}
	langLabel := widget.NewLabel(k.tr("ChooseLanguage"))

	help := para(k.tr("HelpStaff"))
	help.Alignment = fyne.TextAlignCenter
	s.helpStatus = para(k.helpLineStatus())
	s.helpStatus.Alignment = fyne.TextAlignCenter
	s.stopTick = k.onHelpLineChange(k.forScreen(s), func() { s.helpStatus.SetText(k.helpLineStatus()) })

	// In a scroll, so that on a short screen (1280×720) the frame's bottom bar – the language and text
	// size panel, "Be om hjelp" – stays on screen; the spacers still centre the content on a tall one.
	return k.scrolled(container.NewVBox(
		layout.NewSpacer(),
		container.NewCenter(k.staffLogo(icon)), // a long press opens the staff entry
		title, sub, intro,
		s.notice,
		loginBox,
		layout.NewSpacer(),
		container.NewCenter(container.NewHBox(container.NewCenter(langLabel), langs)), // one row: the frame's bottom bar needs the room
		help,
		s.helpStatus,
	))
}

func (s *welcome) stop() { s.stopTick(); s.k.stopGuideHint() }

func (s *welcome) kind() string { return "welcome" }
