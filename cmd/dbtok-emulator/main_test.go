package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/emulator"
)

// TestBinaryStopsOnSignal builds the real command and checks what scripts
// rely on: one line on stdout with the URL, a working server, and a clean
// exit on SIGINT and SIGTERM.
func TestBinaryStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "dbtok-emulator")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()

			r := bufio.NewReader(stdout)
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the listening line: %v; stderr: %s", err, stderr.String())
			}
			url, ok := strings.CutPrefix(strings.TrimSpace(line), "dbtok-emulator listening on ")
			if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
				t.Fatalf("first line = %q", line)
			}

			req, _ := http.NewRequest("GET", url+"/api/2.0/token/list", nil)
			req.Header.Set("Authorization", "Bearer "+emulator.DemoToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("list with the demo token: %d", resp.StatusCode)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(r)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("exit after %v: %v; stderr: %s", sig, err, stderr.String())
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("still running 5s after %v", sig)
			}
			if len(rest) != 0 {
				t.Errorf("more than one line on stdout: %q", rest)
			}
		})
	}
}
