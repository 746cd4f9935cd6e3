package emulator

import (
	"strconv"
	"unicode/utf8"
)

// appendTokenInfo appends ti as encoding/json would marshal it (a test
// checks that the bytes are identical), without reflection.
func appendTokenInfo(b []byte, ti *TokenInfo) []byte {
	b = append(b, `{"token_id":`...)
	b = appendJSONString(b, ti.TokenID)
	b = append(b, `,"comment":`...)
	b = appendJSONString(b, ti.Comment)
	b = append(b, `,"creation_time":`...)
	b = strconv.AppendInt(b, ti.CreationTime, 10)
	b = append(b, `,"expiry_time":`...)
	b = strconv.AppendInt(b, ti.ExpiryTime, 10)
	if len(ti.Scopes) > 0 {
		b = append(b, `,"scopes":`...)
		b = appendJSONStrings(b, ti.Scopes)
	}
	if ti.AutoscopeState != "" {
		b = append(b, `,"autoscope_state":`...)
		b = appendJSONString(b, ti.AutoscopeState)
	}
	if len(ti.InferredScopes) > 0 {
		b = append(b, `,"inferred_scopes":`...)
		b = appendJSONStrings(b, ti.InferredScopes)
	}
	if ti.CreatedByID != 0 {
		b = append(b, `,"created_by_id":`...)
		b = strconv.AppendInt(b, ti.CreatedByID, 10)
	}
	if ti.CreatedByUsername != "" {
		b = append(b, `,"created_by_username":`...)
		b = appendJSONString(b, ti.CreatedByUsername)
	}
	if ti.OwnerID != 0 {
		b = append(b, `,"owner_id":`...)
		b = strconv.AppendInt(b, ti.OwnerID, 10)
	}
	if ti.WorkspaceID != 0 {
		b = append(b, `,"workspace_id":`...)
		b = strconv.AppendInt(b, ti.WorkspaceID, 10)
	}
	if ti.LastUsedDay != 0 {
		b = append(b, `,"last_used_day":`...)
		b = strconv.AppendInt(b, ti.LastUsedDay, 10)
	}
	return append(b, '}')
}

func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s the way encoding/json does by default: HTML
// characters, control characters, U+2028 and U+2029 escaped, invalid UTF-8
// replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
