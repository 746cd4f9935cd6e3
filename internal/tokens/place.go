package tokens

import (
	"fmt"
	"net/url"
	"strings"
)

// Place is a signed-in workspace as the rules need to know it: which
// profile reached it, and where.
type Place struct {
	Profile string // "" when configured by environment variables alone
	Host    string
}

// String names the workspace for messages: the profile, then the host.
func (p Place) String() string {
	if p.Profile == "" {
		return p.Host
	}
	return fmt.Sprintf("profile %s (%s)", p.Profile, p.Host)
}

// Key is the workspace's identity: its normalised host. Token IDs are
// unique within a workspace, so Key and a token ID name one token whatever
// profile listed it.
func (p Place) Key() string { return HostKey(p.Host) }

// ProfileFlag is " -p NAME" for advice that names a command to run.
func (p Place) ProfileFlag() string {
	if p.Profile == "" {
		return ""
	}
	return " -p " + p.Profile
}

// HostKey normalises a workspace URL so that spellings of one workspace
// compare equal: scheme and host in lower case, no default port, no
// trailing slash or path.
func HostKey(host string) string {
	h := strings.TrimSpace(host)
	if !strings.Contains(h, "://") {
		h = "https://" + h
	}
	u, err := url.Parse(h)
	if err != nil || u.Host == "" {
		return strings.TrimRight(strings.ToLower(host), "/")
	}
	scheme := strings.ToLower(u.Scheme)
	hostname := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		hostname += ":" + port
	}
	return scheme + "://" + hostname
}
