package databrickscfg

import (
	"strings"
	"testing"
)

// A file with a NUL or bytes that are not UTF-8 is not a config file, even
// when the INI parser would take it (and report it empty or garbled).
func TestBinaryIsNotAConfigFile(t *testing.T) {
	for name, raw := range map[string]string{
		"NUL in a value":   "[DEFAULT]\nhost = https://x\x00\n",
		"not UTF-8":        "[DEFAULT]\nhost = \xff\xfe\n",
		"parses as no INI": "\x01\x02\xc3\x28",
	} {
		_, err := Parse("cfg", []byte(raw))
		if err == nil || !strings.HasSuffix(err.Error(), "it is not a text file") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Parse("cfg", []byte("[DEFAULT]\nhost = https://x\ntoken = dapi1\n")); err != nil {
		t.Errorf("a text file: %v", err)
	}
}
