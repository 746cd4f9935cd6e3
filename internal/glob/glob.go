// Package glob matches shell-style patterns (* ? [...]) against whole
// strings, where * spans any characters, "/" and newlines included: comments such as
// "github/actions" are text, not paths.
package glob

import (
	"fmt"
	"regexp"
	"strings"
)

// Pattern is a compiled glob.
type Pattern struct{ re *regexp.Regexp }

// Compile accepts *, ?, [abc], [a-z], [!abc] and \ to escape.
func Compile(pattern string) (*Pattern, error) {
	var b strings.Builder
	// (?s): * and ? match newlines too; a comment is text, not lines.
	b.WriteString("(?s)^")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '\\':
			if i+1 == len(rs) {
				return nil, fmt.Errorf("pattern ends with a lone \\")
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case '[':
			end := i + 1
			if end < len(rs) && (rs[end] == '!' || rs[end] == '^') {
				end++
			}
			if end < len(rs) && rs[end] == ']' {
				end++ // a leading ] is a member, as in the shell
			}
			for end < len(rs) && rs[end] != ']' {
				end++
			}
			if end == len(rs) {
				return nil, fmt.Errorf("[ without a closing ]")
			}
			class := string(rs[i+1 : end])
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			class = strings.ReplaceAll(class, `\`, `\\`)
			class = strings.ReplaceAll(class, "[", `\[`)
			b.WriteString("[" + class + "]")
			i = end
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("invalid pattern: %v", err)
	}
	return &Pattern{re: re}, nil
}

// Match reports whether s matches the whole pattern.
func (p *Pattern) Match(s string) bool { return p.re.MatchString(s) }
