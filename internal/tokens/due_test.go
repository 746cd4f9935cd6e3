package tokens

import (
	"strings"
	"testing"
	"time"
)

func TestDue(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tok := func(age, life time.Duration) Token {
		created := now.Add(-age)
		t := Token{ID: "x", CreationTime: created.UnixMilli(), ExpiryTime: -1}
		if life > 0 {
			t.ExpiryTime = created.Add(life).UnixMilli()
		}
		return t
	}
	for _, tt := range []struct {
		name string
		due  Due
		tok  Token
		want bool
		why  string
	}{
		{"expires soon", Due{Within: 14 * day}, tok(50*day, 60*day), true, "it expires in 10 days (2026-12-04), within 14d"},
		{"expires later", Due{Within: 14 * day}, tok(day, 90*day), false, "it expires in 89 days (2027-02-21), not within 14d"},
		{"expired", Due{Within: 14 * day}, tok(90*day, 60*day), true, "it expired on 2026-10-25"},
		{"never expires", Due{Within: 3650 * day}, tok(day, 0), false, "it never expires"},
		{"old", Due{OlderThan: 30 * day}, tok(40*day, 365*day), true, "it was created 40 days ago, more than 30d"},
		{"young", Due{OlderThan: 30 * day}, tok(day, 365*day), false, "it was created 24 hours ago, not more than 30d"},
		{"brand new", Due{OlderThan: 30 * day}, tok(90*time.Second, 365*day), false, "it was created 90 seconds ago"},
		{"an hour old", Due{OlderThan: 30 * day}, tok(time.Hour, 365*day), false, "it was created 60 minutes ago"},
		{"either is enough", Due{Within: 14 * day, OlderThan: 30 * day}, tok(40*day, 365*day), true, "not within 14d; it was created 40 days ago, more than 30d"},
		{"unused rule first", Due{Within: 14 * day}, func() Token {
			t := tok(100*day, 365*day)
			t.Owner = &Owner{LastUsedDay: now.Add(-80 * day).UnixMilli()}
			return t
		}(), true, "it is revoked by the 90-day unused-token rule in"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.due.Active() {
				t.Fatal("not active")
			}
			got, why := tt.due.Check(tt.tok, now)
			if got != tt.want || !strings.Contains(why, tt.why) {
				t.Errorf("Check = %v, %q; want %v, %q", got, why, tt.want, tt.why)
			}
		})
	}
	if (Due{}).Active() {
		t.Error("an empty Due is active")
	}
}
