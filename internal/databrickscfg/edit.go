package databrickscfg

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
)

var (
	// Compiled on first use, not at start-up: most runs never need it.
	sectionLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\[([^\]]*)\]`) })
	tokenLine   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\s*token\s*[=:]\s*)(.*?)(\r?)$`) })
)

// SetToken returns raw with profile's token replaced by value and every
// other byte unchanged: comments, spacing, other profiles, line endings.
// It edits the last token line of the profile's sections, the one the
// SDK's INI reader uses, and checks the result by parsing both versions:
// only that one value may differ.
func SetToken(raw []byte, profile, value string) ([]byte, error) {
	if strings.ContainsAny(value, "\r\n\"'`#; ") {
		return nil, errors.New("the new token contains characters a config file cannot hold unquoted")
	}
	lines := bytes.SplitAfter(raw, []byte("\n"))
	section := DefaultSectionName
	target := -1
	for i, l := range lines {
		line := strings.TrimRight(string(l), "\n")
		if m := sectionLine().FindStringSubmatch(line); m != nil {
			section = strings.TrimSpace(m[1])
			continue
		}
		if section == profile && tokenLine().MatchString(line) {
			target = i
		}
	}
	if target < 0 {
		return nil, fmt.Errorf("profile %s has no token line to update (does it use a personal access token?)", profile)
	}
	line := strings.TrimRight(string(lines[target]), "\n")
	m := tokenLine().FindStringSubmatch(line)
	prefix, rest, cr := m[1], m[2], m[3]
	newRest, err := replaceValue(rest, value)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", profile, err)
	}
	newLine := prefix + newRest + cr
	if strings.HasSuffix(string(lines[target]), "\n") {
		newLine += "\n"
	}
	out := make([][]byte, len(lines))
	copy(out, lines)
	out[target] = []byte(newLine)
	result := bytes.Join(out, nil)
	if err := checkOnlyTokenChanged(raw, result, profile, value); err != nil {
		return nil, err
	}
	return result, nil
}

// replaceValue swaps the value at the start of rest, keeping its quotes and
// any inline comment (" #..." or " ;...", as the SDK reads them) after it.
func replaceValue(rest, value string) (string, error) {
	if strings.HasPrefix(rest, `"""`) {
		return "", errors.New("its token is a multi-line value, which dbtok will not rewrite")
	}
	for _, q := range []string{`"`, "`"} {
		if strings.HasPrefix(rest, q) {
			end := strings.Index(rest[1:], q)
			if end < 0 {
				return "", errors.New("its token line has an unclosed quote")
			}
			return q + value + rest[1+end:], nil
		}
	}
	end := len(rest)
	for _, c := range []string{" #", " ;", "\t#", "\t;"} {
		if i := strings.Index(rest, c); i >= 0 && i < end {
			end = i
		}
	}
	// Keep the spacing before a trailing comment as it was.
	valueEnd := len(strings.TrimRight(rest[:end], " \t"))
	return value + rest[valueEnd:], nil
}

// DefaultSectionName is where keys before any [section] belong.
const DefaultSectionName = "DEFAULT"

// checkOnlyTokenChanged parses before and after as the SDK would and
// requires them to differ in exactly profile's token.
func checkOnlyTokenChanged(before, after []byte, profile, value string) error {
	b, err := parseSections(before)
	if err != nil {
		return err
	}
	a, err := parseSections(after)
	if err != nil {
		return fmt.Errorf("the updated file would not parse: %w", err)
	}
	if b[profile] == nil || a[profile]["token"] != value {
		return errors.New("the updated file does not hold the new token where the SDK would read it")
	}
	b[profile]["token"] = value
	if !reflect.DeepEqual(a, b) {
		return errors.New("updating the token would change other settings; the file was left as it is")
	}
	return nil
}

func parseSections(raw []byte) (map[string]map[string]string, error) {
	v := map[string]any{}
	if err := (codec{}).Decode(raw, v); err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, s := range v["sections"].([]any) {
		m := s.(map[string]any)
		keys := map[string]string{}
		for k, val := range m["keys"].(map[string]any) {
			keys[k] = val.(string)
		}
		out[m["name"].(string)] = keys
	}
	return out, nil
}
