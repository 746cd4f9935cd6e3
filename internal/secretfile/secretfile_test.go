package secretfile

import (
	"github.com/dbtok/dbtok/internal/testtool"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func commit(t *testing.T, path string, overwrite bool, data string) error {
	t.Helper()
	p, err := Prepare(path, overwrite)
	if err != nil {
		return err
	}
	return p.Commit([]byte(data))
}

func onlyEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("folder holds %v, want %v (a temp file left behind?)", got, want)
	}
}

func TestWritesNewFileWithMode0600(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tok")
	if err := commit(t, path, false, "secret\n"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %o, want 600", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); string(b) != "secret\n" {
		t.Fatalf("content = %q", b)
	}
	onlyEntries(t, dir, "tok")
}

func TestRefusesExistingFileWithoutOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tok")
	os.WriteFile(path, []byte("old"), 0o644)
	err := commit(t, path, false, "new")
	if err == nil || !strings.Contains(err.Error(), "already exists: use --force") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("existing file changed to %q", b)
	}
	onlyEntries(t, dir, "tok")
}

func TestOverwriteNarrowsWideMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tok")
	os.WriteFile(path, []byte("old"), 0o644)
	if err := commit(t, path, true, "new"); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %o, want 600 even though the old file was 644", st.Mode().Perm())
	}
	onlyEntries(t, dir, "tok")
}

func TestTargetAppearingAfterPrepareIsNotClobbered(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tok")
	p, err := Prepare(path, false)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("someone else's"), 0o644)
	err = p.Commit([]byte("secret"))
	if err == nil || !strings.Contains(err.Error(), "appeared while") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "someone else's" {
		t.Fatalf("file clobbered: %q", b)
	}
	onlyEntries(t, dir, "tok")
}

func TestRejectsBadTargets(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "real"), nil, 0o600)
	os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link"))
	os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	for name, want := range map[string]string{
		"link":        "symbolic link",
		"dangling":    "symbolic link",
		"sub":         "is a folder",
		"missing/tok": "does not exist",
		"real/tok":    "not a folder",
	} {
		for _, force := range []bool{false, true} {
			err := commit(t, filepath.Join(dir, name), force, "secret")
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s (force=%v): err = %v, want %q", name, force, err, want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("the dangling symlink was followed")
	}
	onlyEntries(t, dir, "dangling", "link", "real", "sub")
}

func TestReadOnlyFolderFailsAtPrepare(t *testing.T) {
	ro := ReadOnlyDir(t)
	if _, err := Prepare(filepath.Join(ro, "tok"), false); err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("err = %v", err)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p, err := Prepare(filepath.Join(dir, "tok"), false)
	if err != nil {
		t.Fatal(err)
	}
	p.Abort()
	p.Abort()
	onlyEntries(t, dir)
}

// ReadOnlyDir returns a folder nobody can create files in. Root ignores
// mode bits, so for root the folder is also made immutable.
func ReadOnlyDir(t *testing.T) string {
	t.Helper()
	ro := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o700) })
	if os.Geteuid() == 0 {
		// Root ignores mode bits: only an immutable folder is read-only.
		testtool.Need(t, "chattr", "e2fsprogs")
		if out, err := exec.Command("chattr", "+i", ro).CombinedOutput(); err != nil {
			t.Fatalf("running as root, and chattr +i failed, so no read-only folder can be made: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", ro).Run() })
	}
	return ro
}
