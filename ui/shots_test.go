package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/config"
)

// TestShotsApptFullmakt saves a picture of each appointment, settings and fullmakt screen in nn and nb to
// $HELSEKIOSK_SHOTS (skipped when unset), for a person to look at.
func TestShotsApptFullmakt(t *testing.T) {
	dir := os.Getenv("HELSEKIOSK_SHOTS")
	if dir == "" {
		t.Skip("HELSEKIOSK_SHOTS not set")
	}
	for _, lang := range []string{"nn", "nb"} {
		shot := func(h *harness, name string) {
			h.process()
			img := h.k.win.Canvas().Capture()
			f, err := os.Create(filepath.Join(dir, name+"-"+lang+".png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
		}
		h, _, _, _ := apptSetup(t, lang)
		shot(h, "appointments")
		h.tap(h.k.tr("ApptPast"))
		shot(h, "appointments-past")
		h.tap(h.k.tr("ApptUpcoming"))
		d := openAppt(t, h, "a-ingrid-hn-p2")
		shot(h, "appointment")
		h.tap(h.k.tr("ApptCancel"))
		h.tap(h.k.tr("ApptReasonOther"))
		h.tap(h.k.tr("ApptNext"))
		shot(h, "cancel-form-error")
		test.Type(d.comment, "Eg skal til tannlegen")
		h.tap(h.k.tr("ApptNext"))
		shot(h, "cancel-confirm")
		h.tap(h.k.tr("ApptConfirmYes"))
		h.waitForText(h.k.tr("ApptCancelDone"))
		shot(h, "cancel-sent")
		h.tap(h.k.tr("ApptBackToList"))
		h.waitFor("list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil })
		d = openAppt(t, h, "a-ingrid-hn-p3")
		h.tap(h.k.tr("ApptChange"))
		d.proposals[0].daySel.SetSelectedIndex(2)
		d.proposals[0].winSel.SetSelectedIndex(1)
		h.tap(h.k.tr("ApptAddProposal"))
		d.proposals[1].daySel.SetSelectedIndex(5)
		h.tap(h.k.tr("ApptSendChange"))
		shot(h, "change-form")
		d.proposals[1].winSel.SetSelectedIndex(0)
		h.tap(h.k.tr("ApptSendChange"))
		h.waitForText(h.k.tr("ApptChangeDone"))
		shot(h, "change-sent")

		h2, _, _, _ := apptSetupAt(t, lang, apptNow(t).Add(30*time.Hour+30*time.Minute))
		openAppt(t, h2, "a-ingrid-hn-p1")
		h2.tap(h2.k.tr("ApptCancel"))
		shot(h2, "cancel-deadline")
		h2.tap(h2.k.tr("Home"))
		h2.waitForText(h2.k.tr("TileFullmakt"))
		shot(h2, "home")
		h2.tap(h2.k.tr("TileSettings"))
		h2.waitFor("settings", func() bool { s, ok := h2.k.cur.(*settings); return ok && s.current != nil })
		h2.tap(h2.k.tr("ChannelEmail"))
		h2.tap(h2.k.tr("SettingsSave"))
		h2.waitFor("saved", func() bool { s := h2.k.cur.(*settings); return !s.saving && s.current.Channel == api.Email })
		shot(h2, "settings-saved")

		h3, _, _ := fullmaktSetup(t, lang, "p-ingrid")
		shot(h3, "fullmakt")
		s := h3.k.cur.(*fullmaktScreen)
		h3.tap(h3.k.tr("FullmaktGrantButton"))
		test.Type(s.name, "Ola Berg")
		test.Type(s.nin, "15076500566")
		s.scopes[api.Messages].SetChecked(true)
		s.until.SetText("31.12.2027")
		shot(h3, "fullmakt-grant-error")
		h3.tap(h3.k.tr("FullmaktGrantSend"))
		shot(h3, "fullmakt-grant-error-sent")
		s.nin.SetText(demoNIN(t, "p-ola"))
		h3.tap(h3.k.tr("FullmaktGrantSend"))
		h3.waitFor("granted", func() bool {
			return h3.k.cur.(*fullmaktScreen).mode == fmLists && !s.busy && h3.containsText("Ola Berg") && len(s.lists.GrantedByMe) == 2
		})
		shot(h3, "fullmakt-granted")
		h3.tap(h3.k.tr("FullmaktRevoke"))
		shot(h3, "fullmakt-revoke-confirm")

		env := backendtest.New(t)
		h4 := newHarness(t, config.Config{API: env.URL, Lang: lang, Demo: true})
		logIn(t, h4, env, "p-kari")
		h4.waitForText(h4.k.tr("ChoosePersonHeading"))
		h4.tap("Ingrid Haugen – " + h4.k.tr("RelationFullmakt"))
		h4.waitFor("home", func() bool { _, ok := h4.k.cur.(*home); return ok })
		time.Sleep(500 * time.Millisecond)
		shot(h4, "home-acting-for")
		h4.tapWhenReady(h4.k.tr("TileFullmakt"))
		shot(h4, "fullmakt-acting-for")
		h4.tap(h4.k.tr("SwitchPerson"))
		h4.waitForText(h4.k.tr("ChoosePersonHeading"))
		h4.tap("Kari Haugen – " + h4.k.tr("RelationSelf"))
		h4.waitFor("home", func() bool { _, ok := h4.k.cur.(*home); return ok })
		time.Sleep(500 * time.Millisecond)
		shot(h4, "home-kari-self")
	}
}
