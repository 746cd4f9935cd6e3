//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A signal while --pipe-to's command runs: the command and everything it
// started are stopped, the token nobody received is revoked, no temp file
// is left, and the exit code is the signal's. The command's background
// child keeps the output pipe open, which once kept dbtok waiting until
// its two-second watchdog exited without cleaning up.
func TestSignalDuringPipeTo(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		exit int
		out  bool
	}{{syscall.SIGTERM, 143, false}, {syscall.SIGINT, 130, true}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			t.Parallel()
			srv, _, env := concurrencyEnv(t, 0)
			dir := t.TempDir()
			late := filepath.Join(dir, "late")
			args := []string{"create", "--comment", "sig", "--lifetime", "1h",
				"--pipe-to", "cat >/dev/null; (sleep 3; touch " + late + ") & sleep 20"}
			if c.out {
				args = append(args, "--out", filepath.Join(dir, "token"))
			}
			cmd := exec.Command(dbtokBin(), args...)
			cmd.Env = env
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &stderr
			must(t, cmd.Start())
			deadline := time.Now().Add(10 * time.Second)
			for len(srv.Tokens("alice")) == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond) // the command is running
			must(t, cmd.Process.Signal(c.sig))
			start := time.Now()
			err := cmd.Wait()
			took := time.Since(start)
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != c.exit {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.exit, stderr.String())
			}
			if !strings.Contains(stderr.String(), "was revoked, so nothing was left behind") {
				t.Errorf("stderr does not say the undelivered token was revoked: %s (after %s)", stderr.String(), took)
			}
			for _, tok := range srv.Tokens("alice") {
				if tok.Comment == "sig" {
					t.Errorf("the undelivered token %s is still live", tok.TokenID)
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				t.Errorf("left behind in the --out folder: %s", e.Name())
			}
			time.Sleep(3500*time.Millisecond - time.Since(start))
			if _, err := os.Stat(late); err == nil {
				t.Error("a process the command started outlived dbtok")
			}
		})
	}
}
