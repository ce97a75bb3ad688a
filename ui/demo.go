package ui

// demoPersons are the reference backend's demo test persons, offered as one-tap logins in demo mode
// (the backend's /device page approves for them, as a phone would after BankID). Kept in this one place;
// they match internal/server/backend's demo data.
var demoPersons = []struct{ id, name string }{
	{"p-ingrid", "Ingrid Haugen"},
	{"p-kari", "Kari Haugen"},
	{"p-ola", "Ola Berg"},
	{"p-per", "Per Olsen"},
}
