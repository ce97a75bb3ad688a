package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// staffPanel is for staff only (behind the PIN): the kiosk's settings, which apply at once and are kept in
// the local store, an operations view, and "Exit kiosk".
type staffPanel struct {
	k *Kiosk

	api, name, location *widgets.Entry
	lang                string
	langBox             *fyne.Container
	timeout, warning    *widgets.Choice
	keyboard, readAloud *widgets.Check
	textSize            *widgets.Choice // the text size each visit starts at
	// The service centre's name, phone and hours, and each service's phone (the numbers citizens are told).
	centreName, centrePhone, centreHours, servicePhones *widgets.Entry
	testResult                                          *widget.Label
	saveResult                                          *widget.Label
	errText                                             *widget.Label

	conn     *widget.Label
	sessions *widget.Label
	errs     *fyne.Container
}

func newStaffPanel(k *Kiosk) *staffPanel { return &staffPanel{k: k} }

// The choices for the idle timeout and its warning.
var (
	timeoutChoices = []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 5 * time.Minute, 10 * time.Minute}
	warningChoices = []time.Duration{15 * time.Second, 30 * time.Second, 45 * time.Second, 60 * time.Second, 90 * time.Second}
)

func (k *Kiosk) durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return k.trn("StaffMinutes", int(d/time.Minute))
	}
	return k.trn("StaffSeconds", int(d/time.Second))
}

func (s *staffPanel) durationSelect(label string, choices []time.Duration, cur time.Duration) *widgets.Choice {
	k := s.k
	if !slices.Contains(choices, cur) {
		choices = append(append([]time.Duration{}, choices...), cur)
	}
	opts := make([]string, len(choices))
	for i, d := range choices {
		opts[i] = k.durationText(d)
	}
	sel := widgets.NewChoice(k.hooks, label, opts, nil)
	sel.SetSelected(k.durationText(cur))
	return sel
}

// selectedDuration reads a duration select back.
func (s *staffPanel) selectedDuration(sel *widgets.Choice, choices []time.Duration, cur time.Duration) time.Duration {
	for _, d := range append(append([]time.Duration{}, choices...), cur) {
		if s.k.durationText(d) == sel.Selected {
			return d
		}
	}
	return cur
}

func (s *staffPanel) buildUI() fyne.CanvasObject {
	k := s.k
	cfg := k.cfg
	fixedNote := func(key string, w fyne.Disableable) {
		if k.ops.fixed[key] {
			w.Disable()
		}
	}
	s.api = widgets.NewEntry(k.hooks).SetLabel(k.tr("StaffBackend"))
	s.api.SetText(cfg.API)
	fixedNote(config.KeyAPI, s.api)
	s.testResult = para("")
	s.testResult.Hide()
	test := widgets.NewButton(k.hooks, k.tr("StaffTestConnection"), s.testConnection)

	s.name = widgets.NewEntry(k.hooks).SetLabel(k.tr("StaffKioskName"))
	s.name.SetText(cfg.KioskName)
	fixedNote(config.KeyKioskName, s.name)
	s.location = widgets.NewEntry(k.hooks).SetLabel(k.tr("StaffLocation"))
	s.location.SetText(cfg.Location)
	s.location.SetPlaceHolder(k.tr("StaffLocationHint"))
	fixedNote(config.KeyLocation, s.location)

	s.lang = cfg.Lang
	s.langBox = container.NewHBox()
	s.showLangs()

	s.timeout = s.durationSelect(k.tr("StaffIdleTimeout"), timeoutChoices, cfg.IdleTimeout)
	fixedNote(config.KeyIdleTimeout, s.timeout)
	s.warning = s.durationSelect(k.tr("StaffIdleWarning"), warningChoices, cfg.IdleWarning)
	fixedNote(config.KeyIdleWarning, s.warning)
	s.centreName = widgets.NewEntry(k.hooks).SetLabel(k.tr("StaffCentreName"))
	s.centreName.SetText(cfg.CentreName)
	fixedNote(config.KeyCentreName, s.centreName)
	s.centrePhone = widgets.NewEntry(k.hooks).SetLabel(k.tr("StaffCentrePhone"))
	s.centrePhone.SetText(cfg.CentrePhone)
	fixedNote(config.KeyCentrePhone, s.centrePhone)
	s.centreHours = widgets.NewEntry(k.hooks).SetLabel(k.tr("StaffCentreHours"))
	s.centreHours.SetText(cfg.CentreHours)
	s.centreHours.SetPlaceHolder(k.tr("StaffCentreHoursHint"))
	fixedNote(config.KeyCentreHours, s.centreHours)
	s.servicePhones = widgets.NewEntry(k.hooks).SetLabel(k.tr("StaffServicePhones"))
	s.servicePhones.SetText(config.Value(cfg, config.KeyServicePhones))
	s.servicePhones.SetPlaceHolder(k.tr("StaffServicePhonesHint"))
	fixedNote(config.KeyServicePhones, s.servicePhones)
	sizes := make([]string, len(kt.TextSizes))
	for i, sz := range kt.TextSizes {
		sizes[i] = k.tr(sizeIDs[sz])
	}
	s.textSize = widgets.NewChoice(k.hooks, k.tr("StaffTextSize"), sizes, nil)
	s.textSize.SetSelectedIndex(int(k.startSize()))
	fixedNote(config.KeyTextSize, s.textSize)
	s.keyboard = widgets.NewCheck(k.hooks, k.tr("StaffTouchKeyboard"), nil)
	s.keyboard.SetChecked(cfg.TouchKeyboard)
	fixedNote(config.KeyTouchKeyboard, s.keyboard)
	s.readAloud = widgets.NewCheck(k.hooks, k.tr("StaffReadAloud"), nil)
	s.readAloud.SetChecked(cfg.ReadAloud)
	fixedNote(config.KeyReadAloud, s.readAloud)

	s.saveResult = para("")
	s.saveResult.Hide()
	s.errText = errorLabel()
	save := widgets.NewIconButton(k.hooks, k.tr("StaffSave"), theme.DocumentSaveIcon(), s.save)
	save.Importance = widget.HighImportance

	label := func(id string) *widget.Label {
		l := widget.NewLabel(k.tr(id))
		l.TextStyle = fyne.TextStyle{Bold: true}
		return l
	}
	form := container.New(layout.NewFormLayout(),
		label(id("StaffBackend")), container.NewVBox(container.NewBorder(nil, nil, nil, test, s.api), s.testResult),
		label(id("StaffLoginAt")), para(k.trd("StaffLoginAtValue", map[string]any{
			"Issuer": cfg.IssuerURL(), "ClientID": cfg.ClientID, "API": cfg.API})),
		label(id("StaffKioskName")), s.name,
		label(id("StaffLocation")), s.location,
		label(id("StaffDefaultLang")), s.langBox,
		label(id("StaffIdleTimeout")), s.timeout,
		label(id("StaffIdleWarning")), s.warning,
		label(id("StaffTextSize")), s.textSize,
		label(id("StaffCentreName")), s.centreName,
		label(id("StaffCentrePhone")), s.centrePhone,
		label(id("StaffCentreHours")), s.centreHours,
		label(id("StaffServicePhones")), s.servicePhones,
		layout.NewSpacer(), container.NewHBox(s.keyboard, s.readAloud),
	)
	left := container.NewVBox(subheading(k.tr("StaffSettingsHeading")), form, s.errText, s.saveResult)
	if len(k.ops.fixed) > 0 {
		left.Add(para(k.tr("StaffFixedNote")))
	}

	s.conn = para("")
	s.sessions = para(k.tr("Loading"))
	s.errs = container.NewVBox()
	s.showConn()
	s.loadOps()
	opsBox := container.NewVBox(
		subheading(k.tr("StaffOpsHeading")),
		label(id("StaffConnection")), s.conn,
		label(id("StaffSessionsToday")), s.sessions,
		label(id("StaffRecentErrors")), s.errs,
		widgets.NewButton(k.hooks, k.tr("StaffChangePin"), func() {
			k.showPIN(newPINScreen(k, pinChoose, func() { k.show(newStaffPanel(k)) }))
		}),
	)
	card := func(o fyne.CanvasObject) fyne.CanvasObject {
		bg := canvas.NewRectangle(kt.Colors().Surface)
		bg.CornerRadius = 12
		return container.NewStack(bg, container.NewPadded(o))
	}
	back := widgets.NewIconButton(k.hooks, k.tr("StaffBack"), theme.NavigateBackIcon(), func() { k.logout(logoutStaff) })
	exit := widgets.NewIconButton(k.hooks, k.tr("StaffExit"), theme.LogoutIcon(), func() {
		k.exitKiosk("staff")
	})
	exit.Importance = widget.DangerImportance
	// The buttons in a bar below the scroll: in view at every text size, and the heading keeps its row.
	actions := container.NewHBox(save, back, layout.NewSpacer(), exit)
	var body fyne.CanvasObject = container.NewBorder(nil, nil, nil, card(opsBox), card(left))
	if k.disp.size != kt.SizeNormal { // one under the other: side by side they are wider than the screen
		body = container.NewVBox(card(left), card(opsBox))
	}
	return readingBorder(heading(k.tr("StaffHeading")), actions, k.scrolled(body))
}

func (s *staffPanel) showLangs() {
	k := s.k
	s.langBox.RemoveAll()
	for _, l := range config.Languages {
		b := widgets.NewButton(k.hooks, config.LanguageName(l), func() {
			s.lang = l
			s.showLangs()
		})
		if l == s.lang {
			b.Importance = widget.HighImportance
			b.Icon = theme.ConfirmIcon()
		}
		if k.ops.fixed[config.KeyLang] {
			b.Disable()
		}
		s.langBox.Add(b)
	}
	s.langBox.Refresh()
}

// showConn shows the connection state the health loop found.
func (s *staffPanel) showConn() {
	k := s.k
	switch k.ops.state {
	case connUp:
		v := healthVersion(k.ops.health)
		s.conn.SetText(k.trd("StaffConnUp", map[string]any{"URL": k.cfg.API, "Version": v}))
	case connDown:
		s.conn.SetText(k.trd("StaffConnDown", map[string]any{"URL": k.cfg.API}))
	default:
		s.conn.SetText(k.tr("StaffConnUnknown"))
	}
	if skew := k.clockSkewText(); skew != "" { // said to staff, not to the citizen on the login screen
		s.conn.SetText(s.conn.Text + "\n" + skew)
	}
}

// loadOps reads sessions today and recent errors from the store.
func (s *staffPanel) loadOps() {
	k := s.k
	st := k.ops.store
	if st == nil {
		s.sessions.SetText("–")
		return
	}
	now := k.now().In(k.oslo)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, k.oslo)
	k.async(s, func(ctx context.Context) func() {
		n, err1 := st.Count(ctx, store.SessionStarted, midnight)
		ec, err2 := st.ErrorCounts(ctx, now.Add(-7*24*time.Hour), 8)
		return func() {
			if err1 != nil || err2 != nil {
				s.sessions.SetText(k.tr("StaffStoreFailed"))
				return
			}
			s.sessions.SetText(fmt.Sprint(n))
			s.errs.RemoveAll()
			if len(ec) == 0 {
				s.errs.Add(para(k.tr("StaffNoErrors")))
			}
			for _, c := range ec {
				s.errs.Add(para(k.trd("StaffErrorLine", map[string]any{
					"Code": c.Code, "Count": c.Count, "Last": c.Last.In(k.oslo).Format("02.01. 15:04")})))
			}
			s.errs.Refresh()
		}
	})
}

// testConnection asks the backend URL typed (not yet saved) for its health.
func (s *staffPanel) testConnection() {
	k := s.k
	cfg := k.cfg
	cfg.API = strings.TrimSpace(s.api.Text)
	s.testResult.Show()
	cl, err := k.newClient(cfg)
	if err != nil {
		s.testResult.SetText(k.tr("StaffBadURL"))
		return
	}
	s.testResult.SetText(k.tr("StaffTesting"))
	k.async(s, func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		h, err := cl.Health(ctx)
		return func() {
			if err != nil {
				s.testResult.SetText(k.trd("StaffTestFailed", map[string]any{"Error": k.errText(err)}))
				return
			}
			s.testResult.SetText(k.trd("StaffTestOK", map[string]any{"Version": healthVersion(h)}))
		}
	})
}

// save checks the settings, stores those staff may change, and applies them at once.
func (s *staffPanel) save() {
	k := s.k
	showError(s.errText, "")
	s.saveResult.Hide()
	next := k.cfg
	values := map[string]string{
		config.KeyAPI:           strings.TrimSpace(s.api.Text),
		config.KeyKioskName:     strings.TrimSpace(s.name.Text),
		config.KeyLocation:      strings.TrimSpace(s.location.Text),
		config.KeyLang:          s.lang,
		config.KeyIdleTimeout:   s.selectedDuration(s.timeout, timeoutChoices, k.cfg.IdleTimeout).String(),
		config.KeyIdleWarning:   s.selectedDuration(s.warning, warningChoices, k.cfg.IdleWarning).String(),
		config.KeyTouchKeyboard: fmt.Sprint(s.keyboard.Checked),
		config.KeyReadAloud:     fmt.Sprint(s.readAloud.Checked),
		config.KeyTextSize:      kt.TextSizes[max(s.textSize.SelectedIndex(), 0)].String(),
		config.KeyCentreName:    strings.TrimSpace(s.centreName.Text),
		config.KeyCentrePhone:   strings.TrimSpace(s.centrePhone.Text),
		config.KeyCentreHours:   strings.TrimSpace(s.centreHours.Text),
		config.KeyServicePhones: strings.TrimSpace(s.servicePhones.Text),
	}
	changed := map[string]string{}
	for key, v := range values {
		if k.ops.fixed[key] || v == config.Value(k.cfg, key) {
			continue
		}
		if err := config.Set(&next, key, v); err != nil {
			showError(s.errText, k.tr("StaffInvalid"))
			return
		}
		changed[key] = v
	}
	if values[config.KeyAPI] == "" && !k.ops.fixed[config.KeyAPI] {
		showError(s.errText, k.tr("StaffBadURL"))
		return
	}
	if err := config.Validate(&next); err != nil {
		if next.IdleWarning >= next.IdleTimeout {
			showError(s.errText, k.tr("StaffWarningTooLong"))
		} else {
			showError(s.errText, k.tr("StaffBadURL"))
		}
		return
	}
	var cl *client.Client
	if next.API != k.cfg.API {
		var err error
		if cl, err = k.newClient(next); err != nil {
			showError(s.errText, k.tr("StaffBadURL"))
			return
		}
	}
	if len(changed) == 0 {
		s.saved()
		return
	}
	st := k.ops.store
	k.async(s, func(ctx context.Context) func() {
		var err error
		if st != nil {
			err = st.Put(ctx, changed)
		}
		return func() {
			if err != nil {
				showError(s.errText, k.tr("StaffStoreFailed"))
				return
			}
			k.applyConfig(next, cl)
			k.opLog(store.SettingsSaved, "")
			s.saved()
		}
	})
}

func (s *staffPanel) saved() {
	s.saveResult.SetText(s.k.tr("StaffSaved"))
	s.saveResult.Show()
	s.showConn()
}

func (s *staffPanel) stop() {}

func (s *staffPanel) kind() string { return kindStaffPanel }
