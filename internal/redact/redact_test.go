package redact

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	Add("s3cr3t-value-123")
	Add("short")
	for in, want := range map[string]string{
		"token dapi0123456789abcdef0123456789abcdef here":        "token [REDACTED] here",
		"dapi0123456789abcdef0123456789abcdef-2":                 "[REDACTED]",
		"Authorization: Bearer abc.def.ghi":                      "Authorization: Bearer [REDACTED]",
		`{"password":"s3cr3t-value-123"}`:                        `{"password":"[REDACTED]"}`,
		"> * Authorization: Basic dXNlcjpwYXNz":                  "> * Authorization: Basic [REDACTED]",
		"> * X-Databricks-Azure-SP-Management-Token: eyJ0":       "> * X-Databricks-Azure-SP-Management-Token: [REDACTED]",
		`{"token_value":"dapi0123456789ab`:                       `{"token_value":"[REDACTED]`,
		"cannot print the token: write /dev/stdout: broken pipe": "cannot print the token: write /dev/stdout: broken pipe",
		"Invalid token: expired":                                 "Invalid token: expired",
		"a short word stays":                                     "a short word stays",
		"dapi is not a token by itself":                          "dapi is not a token by itself",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	f.Add("x dapi0123456789abcdef0123456789abcdef y", "")
	f.Add("bearer zzz", "zzzzzzzzzz")
	f.Fuzz(func(t *testing.T, s, secret string) {
		Add(secret)
		out := String(s + secret)
		if len(secret) >= 8 && strings.Contains(out, secret) && !strings.Contains(Placeholder, secret) {
			t.Fatalf("secret %q survived in %q", secret, out)
		}
	})
}

// The cheap checks in front of each pattern must not let a credential by.
func TestPatternsBehindCheapChecks(t *testing.T) {
	for _, in := range []string{
		"AUTHORIZATION: Bearer abcdefgh12345678",
		"x-databricks-TOKEN: abcdefgh12345678",
		"x-databricks-to\u212aen: abcdefgh12345678",
		"BeArEr abcdefgh12345678",
		"dapiabcdef0123456789",
	} {
		if got := String(in); strings.Contains(got, "abcdefgh12345678") || strings.Contains(got, "dapiabcdef") {
			t.Errorf("%q: %q", in, got)
		}
	}
}
