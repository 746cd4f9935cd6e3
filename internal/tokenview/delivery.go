package tokenview

import (
	"strings"

	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/output"
)

// DeliveryFields are the summary lines saying where a new token went;
// value is the token when it was printed.
func DeliveryFields(targets []delivery.Target, value *string) []output.Field {
	var f []output.Field
	for _, t := range targets {
		switch t.Type {
		case "file":
			f = append(f, output.F("Saved to:", output.Text(t.Path+" (mode 0600)")))
		case "profiles":
			f = append(f, output.F("Saved to:", output.Text("profile "+strings.Join(t.Profiles, ", ")+" in "+t.ConfigFile)))
		case "command":
			f = append(f, output.F("Piped to:", output.Text(t.Command)))
		case "secret":
			where := t.Host
			if t.Profile != "" {
				where = "profile " + t.Profile
			}
			f = append(f, output.F("Secret:", output.Text(t.Scope+"/"+t.Key+" in "+where)))
		}
	}
	if value != nil {
		f = append(f, output.F("Token:", output.Text(*value)))
	}
	return f
}

// Destinations is a table cell naming every destination but stdout.
func Destinations(targets []delivery.Target) string {
	var names []string
	for _, t := range targets {
		if t.Type != delivery.StdoutTarget.Type {
			names = append(names, t.Label())
		}
	}
	return strings.Join(names, ", ")
}
