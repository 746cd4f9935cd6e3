package output

import (
	"strings"
	"unicode"
)

// Sanitize makes text from a server or a config file safe for a terminal:
// C0 and C1 control characters, DEL and the bidirectional overrides that
// reorder what a person reads are shown escaped instead of moving the
// cursor, recolouring the screen or disguising a token ID.
func Sanitize(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x100 && unsafeRune(r):
			const hex = "0123456789abcdef"
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4&0xf])
			b.WriteByte(hex[r&0xf])
		case unsafeRune(r):
			b.WriteString(`\u`)
			const hex = "0123456789abcdef"
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hex[r>>uint(shift)&0xf])
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unsafeRune is a rune that changes the terminal instead of showing as
// itself: controls (C0, DEL, C1) and the bidi embedding, override and
// isolate characters (U+202A-U+202E, U+2066-U+2069), plus the invalid
// rune that stands for bytes that are not UTF-8.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		// LRM, RLM and ALM mark direction without showing anything.
		return true
	case r == unicode.ReplacementChar:
		return false
	}
	return false
}

// sanitizeJSON escapes, inside JSON text for a terminal, the characters
// encoding/json leaves as they are but a terminal would act on: the bidi
// controls and LRM/RLM (C0 controls are escaped by the encoder already).
func sanitizeJSON(b []byte) []byte {
	s := string(b)
	if !strings.ContainsFunc(s, unsafeRune) {
		return b
	}
	var out strings.Builder
	for _, r := range s {
		if unsafeRune(r) && r >= 0x7f {
			const hex = "0123456789abcdef"
			out.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				out.WriteByte(hex[r>>uint(shift)&0xf])
			}
			continue
		}
		out.WriteRune(r)
	}
	return []byte(out.String())
}
