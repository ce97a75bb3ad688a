package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// appointmentDays is how far ahead the appointments screen looks.
const appointmentDays = 21

// appointments lists the person's appointments from today for three weeks: date, time window, service,
// place and status.
type appointments struct {
	k      *Kiosk
	status *widget.Label
	list   *fyne.Container
}

func newAppointments(k *Kiosk) *appointments { return &appointments{k: k} }

func (s *appointments) buildUI() fyne.CanvasObject {
	k := s.k
	s.status = widget.NewLabel(k.tr("Loading"))
	s.status.Wrapping = fyne.TextWrapWord
	s.list = container.NewVBox()
	s.load()
	top := container.NewVBox(heading(k.tr("AppointmentsHeading")), s.status)
	return container.NewBorder(top, nil, nil, nil, container.NewVScroll(s.list))
}

func (s *appointments) load() {
	k := s.k
	sess, pid := k.sess, k.person.Person.Id
	now := time.Now().In(k.oslo)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, k.oslo)
	to := from.AddDate(0, 0, appointmentDays)
	k.async(s, func(ctx context.Context) func() {
		list, err := sess.Appointments(ctx, pid, from, to)
		return func() {
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.status.SetText(k.errText(err))
				}
				return
			}
			if len(list) == 0 {
				s.status.SetText(k.tr("AppointmentsNone"))
				return
			}
			s.status.SetText(k.tr("AppointmentsIntro"))
			for _, a := range list {
				s.list.Add(s.card(a))
			}
		}
	})
}

func (s *appointments) card(a api.Appointment) fyne.CanvasObject {
	k := s.k
	when := subheading(capitalize(k.longDate(a.Start)) + ", " + k.trd("TimeWindow", map[string]any{"From": k.clock(a.Start), "To": k.clock(a.End)}))
	service := widget.NewLabel(k.serviceName(a.Service))
	service.TextStyle = fyne.TextStyle{Bold: true}
	place := k.tr("HomeVisit")
	if !a.HomeVisit && a.Address != nil && *a.Address != "" {
		place = *a.Address
	}
	details := para(k.trd("Place", map[string]any{"Place": place}) + "  ·  " +
		k.trd("AppointmentStatus", map[string]any{"Status": k.statusText(a.Status)}))
	if a.Status == api.Cancelled {
		details.Importance = widget.DangerImportance
	}
	lines := container.NewVBox(when, service, details)
	if a.Description != nil && *a.Description != "" {
		lines.Add(para(*a.Description))
	}
	if a.PendingRequest != nil {
		switch *a.PendingRequest {
		case api.AppointmentPendingRequestCancellation:
			lines.Add(para(k.tr("PendingCancellation")))
		case api.AppointmentPendingRequestChange:
			lines.Add(para(k.tr("PendingChange")))
		}
	}
	bg := canvas.NewRectangle(kt.Surface)
	bg.CornerRadius = 12
	return container.NewPadded(container.NewStack(bg, container.NewPadded(lines)))
}

func (k *Kiosk) statusText(st api.AppointmentStatus) string {
	switch st {
	case api.Booked:
		return k.tr("StatusBooked")
	case api.Cancelled:
		return k.tr("StatusCancelled")
	case api.Fulfilled:
		return k.tr("StatusFulfilled")
	case api.Noshow:
		return k.tr("StatusNoshow")
	}
	return string(st)
}

func (s *appointments) stop() {}
