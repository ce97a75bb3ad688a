package backend

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/nin"
)

// person is a row of persons.
type person struct {
	ID, Name, BirthDate, NationalID, Phone, Email, Description, Channel string
	ConsentVersion                                                      sql.NullString
	ConsentGivenAt                                                      sql.NullInt64
}

const personCols = `id, name, birth_date, national_id, phone, email, description, notification_channel, consent_version, consent_given_at`

func scanPerson(row interface{ Scan(...any) error }) (person, error) {
	var p person
	err := row.Scan(&p.ID, &p.Name, &p.BirthDate, &p.NationalID, &p.Phone, &p.Email, &p.Description, &p.Channel, &p.ConsentVersion, &p.ConsentGivenAt)
	return p, err
}

func getPerson(ctx context.Context, q querier, id string) (person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personCols+` FROM persons WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errNotFound
	}
	return p, err
}

func (p person) api() api.Person {
	return api.Person{Id: p.ID, Name: p.Name, BirthDate: apiDate(p.BirthDate)}
}

func (p person) consented() bool {
	return p.ConsentVersion.Valid && p.ConsentVersion.String == TermsVersion
}

func (p person) consent() api.Consent {
	c := api.Consent{Given: p.consented(), TermsVersion: TermsVersion}
	if c.Given {
		c.GivenAt = fromNullMS(p.ConsentGivenAt)
	}
	return c
}

// ageOn is the person's age in whole years on the Oslo date of t.
func (p person) ageOn(t time.Time) int {
	bd, err := parseDate(p.BirthDate)
	if err != nil {
		return 0
	}
	d, _ := parseDate(osloDate(t))
	return nin.AgeOn(bd, d)
}
