package databrickscfg

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/config"
)

// sdkView is what the SDK itself loads from path: every section it would
// accept as a profile, with its keys.
func sdkView(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := config.LoadFile(path)
	if err != nil {
		t.Fatalf("SDK cannot load %s: %v", path, err)
	}
	out := map[string]map[string]string{}
	for _, s := range f.Sections() {
		if s.Name() == SettingsSection || len(s.Keys()) == 0 {
			continue
		}
		out[s.Name()] = s.KeysHash()
	}
	return out
}

func ourView(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, p := range f.Profiles {
		out[p.Name] = p.Keys
	}
	return out
}

func TestTrickyFileMatchesTheSDK(t *testing.T) {
	path := filepath.Join("testdata", "tricky.databrickscfg")
	sdk, ours := sdkView(t, path), ourView(t, path)
	// The SDK keeps HOST in its raw view but never reads it (attribute
	// names are matched exactly), so compare what it can actually use.
	for _, keys := range sdk {
		for k := range keys {
			if k != strings.ToLower(k) {
				delete(keys, k)
			}
		}
	}
	if !reflect.DeepEqual(sdk, ours) {
		t.Fatalf("profiles differ from the SDK's view\n sdk: %v\nours: %v", sdk, ours)
	}

	f, _ := Load(path)
	wantNames := []string{"DEFAULT", "acme.prod", "Acme.Prod", "UPPER-KEYS", "dup", "spaces in name"}
	if got := f.Names(); !reflect.DeepEqual(got, wantNames) {
		t.Errorf("Names() = %q, want file order %q", got, wantNames)
	}
	for name, want := range map[string]string{
		"DEFAULT":   "dapi#not-a-comment",
		"acme.prod": "dapiabc#def",
		"Acme.Prod": "dapi quoted value",
		"dup":       "dapiduplicate",
	} {
		p, ok := f.Get(name)
		if !ok || p.Keys["token"] != want {
			t.Errorf("token of %q = %q, want %q", name, p.Keys["token"], want)
		}
	}
	if p, _ := f.Get("UPPER-KEYS"); p.Host() != "https://upper-keys.example.com" || p.AuthType() != "oauth-m2m" {
		t.Errorf("UPPER-KEYS host=%q auth=%q", p.Host(), p.AuthType())
	}
	if _, ok := f.Get("empty"); ok {
		t.Error("a section without keys is not a profile for the SDK")
	}
	if _, ok := f.Get("ACME.PROD"); ok {
		t.Error("profile names are case-sensitive")
	}
	if got := f.DefaultProfile(); got != "acme.prod" {
		t.Errorf("DefaultProfile() = %q, want the __settings__ default_profile", got)
	}
}

func TestMissingAndMalformedFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "nope"))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing file: err = %v, want ErrNotFound", err)
	}

	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("[ok]\nhost = x\nthis line has no equals sign\n"), 0o600)
	_, err = Load(bad)
	if err == nil || !strings.Contains(err.Error(), "cannot parse config file "+bad) {
		t.Fatalf("malformed file: err = %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error spans lines: %q", err)
	}

	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	f, err := Load(empty)
	if err != nil || len(f.Profiles) != 0 || f.DefaultProfile() != "DEFAULT" {
		t.Fatalf("empty file: %v %v", f, err)
	}
}

// FuzzLoad: any file either loads or fails with a one-line error that never
// quotes the file, and whatever loads matches what the SDK reads.
func FuzzLoad(f *testing.F) {
	seed, _ := os.ReadFile(filepath.Join("testdata", "tricky.databrickscfg"))
	f.Add(seed)
	f.Add([]byte("[DEFAULT]\nhost = https://x\ntoken = dapi#1 # c\n"))
	f.Add([]byte("[a.b]\n[a.b]\nk=v\n"))
	f.Add([]byte("[unterminated\nsecret line\n"))
	path := filepath.Join(f.TempDir(), "cfg")
	f.Fuzz(func(t *testing.T, data []byte) {
		// Real config files are a few kilobytes; huge inputs only slow the
		// INI parser down (the size limit itself has its own test).
		if len(data) > 64<<10 {
			return
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ours, err := Load(path)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		sdk, err := config.LoadFile(path)
		if err != nil {
			t.Fatalf("we loaded a file the SDK rejects: %v", err)
		}
		want := map[string]map[string]string{}
		for _, s := range sdk.Sections() {
			if s.Name() == SettingsSection || len(s.Keys()) == 0 {
				continue
			}
			keys := map[string]string{}
			for k, v := range s.KeysHash() {
				if k == strings.ToLower(k) {
					keys[k] = v
				}
			}
			want[s.Name()] = keys
		}
		got := map[string]map[string]string{}
		for _, p := range ours.Profiles {
			got[p.Name] = p.Keys
		}
		// A section whose only keys are upper-case holds nothing the SDK
		// uses; we drop it, and so does the comparison.
		for name, keys := range want {
			if len(keys) == 0 {
				delete(want, name)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("profiles differ from the SDK's\n sdk: %q\nours: %q", want, got)
		}
	})
}
