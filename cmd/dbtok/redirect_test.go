package main

// A workspace (or a proxy in front of it) that redirects elsewhere must
// not receive dbtok's credential there: Go's HTTP client would carry the
// Authorization header to another port or scheme of the same host, and a
// create would be sent in clear text to http://.

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dbtok/dbtok/internal/emulator"
)

// tlsWorkspace serves the emulator over https with a certificate dbtok is
// told to trust (SSL_CERT_FILE), and returns the env to run dbtok in.
func tlsWorkspace(t *testing.T) (*emulator.Emulator, *httptest.Server, []string) {
	t.Helper()
	emu := emulator.New(emulator.Options{Users: scriptUsers[:1]})
	srv := httptest.NewTLSServer(emu)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	ca := filepath.Join(home, "ca.pem")
	must(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	cfg := fmt.Sprintf("[DEFAULT]\nhost = %s\ntoken = %s\n", srv.URL, scriptUsers[0].Token)
	must(t, os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(cfg), 0o600))
	env := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"PATH=" + os.Getenv("PATH"),
		"SSL_CERT_FILE=" + ca,
		"DBTOK_PROMPT_DISABLED=1",
	}
	return emu, srv, env
}

// catcher records whatever reaches it.
type catcher struct {
	mu   sync.Mutex
	seen []string
}

func (c *catcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.seen = append(c.seen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(`{"token_value":"dapi00000000000000000000000000000000","token_info":{"token_id":"x"}}`))
}

func TestRedirectsElsewhereAreNotFollowed(t *testing.T) {
	emu, srv, env := tlsWorkspace(t)
	var got catcher
	elsewhere := httptest.NewServer(&got)
	defer elsewhere.Close()
	// The same host, another port, plain http.
	emu.AddFault(emulator.Fault{Kind: emulator.FaultRedirect, Status: 307, Path: "/api/2.0/token/create", Location: elsewhere.URL + "/{path}"})

	cmd := exec.Command(filepath.Join(binDir, exe("dbtok")), "create", "--comment", "redirected")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1\n%s", err, stderr.String())
	}
	want := fmt.Sprintf("Error: cannot create a token in profile DEFAULT (%s): the workspace answered HTTP 307, redirecting to %s; dbtok follows no redirect to another scheme, host or port, since it would carry your credentials there (HTTP 307); check that the host is a Databricks workspace\n", srv.URL, elsewhere.URL)
	if stderr.String() != want {
		t.Errorf("stderr does not say where the redirect pointed in one line:\n%s", stderr.String())
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	if len(got.seen) != 0 {
		t.Errorf("the other server received %v", got.seen)
	}
	for _, tok := range emu.Tokens("alice") {
		if tok.Comment == "redirected" {
			t.Error("a token was created")
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout: %s", stdout.String())
	}

	// A redirect within the workspace (same scheme, host and port) is
	// followed, as clients expect.
	emu.ClearFaults()
	emu.AddFault(emulator.Fault{Kind: emulator.FaultRedirect, Status: 307, Path: "/api/2.0/token/list", Location: srv.URL + "/api/2.0/token/list?moved=1", Count: 1})
	cmd = exec.Command(filepath.Join(binDir, exe("dbtok")), "list")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "emulator bootstrap token") {
		t.Errorf("a same-origin redirect was not followed: %v\n%s", err, out)
	}
}
