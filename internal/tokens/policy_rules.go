package tokens

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/dbtok/dbtok/internal/failure"
)

// PlatformMaxLifetimeDays is the longest maximum a workspace may set
// (maxTokenLifetimeDays is 1 to 730), and the cap on every token's
// lifetime where no maximum is set.
const PlatformMaxLifetimeDays = 730

// DescribeDays is "1 day", "90 days".
func DescribeDays(days int) string {
	if days == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

// DescribeMaxLifetime is how a workspace's maximum reads: "90 days", or
// "none" when it sets none.
func DescribeMaxLifetime(days int) string {
	if days <= 0 {
		return "none"
	}
	return DescribeDays(days)
}

// DescribeEnabled is how the tokens switch reads.
func DescribeEnabled(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}

// applicationID is what a service principal's application ID looks like:
// a UUID.
// Compiled on first use, not at start-up: most runs never need it.
var applicationID = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// GuessPrincipal says whom a name on the command line denotes when the
// user did not say: a name with @ is a user (user names are e-mail
// addresses), a UUID is a service principal (named by its application
// ID), anything else a group. Names that break the rule (a user name
// without @, a service principal's application ID that is not a UUID)
// need --user, --group or --service-principal.
func GuessPrincipal(name string) Principal {
	switch {
	case strings.Contains(name, "@"):
		return Principal{Kind: User, Name: name}
	case applicationID().MatchString(name):
		return Principal{Kind: ServicePrincipal, Name: name}
	}
	return Principal{Kind: Group, Name: name}
}

// String is "user bob@example.com", "group data-eng", "service principal
// 6f1c...".
func (p Principal) String() string {
	return strings.ReplaceAll(string(p.Kind), "_", " ") + " " + p.Name
}

// AdminsGroup is the workspace admins' group: its CAN_MANAGE on tokens is
// built in and cannot be taken away.
const AdminsGroup = "admins"

// UsersGroup holds every user and service principal of a workspace.
const UsersGroup = "users"

// MaxLifetimeAdvice explains a create the workspace refused because the
// lifetime asked for is over its maximum: "the workspace allows at most
// 90 days: use --lifetime 90d". It costs one read of the settings, made
// only after a refusal about the lifetime (400 INVALID_PARAMETER_VALUE
// whose message mentions it) of a create that asked for one; it returns
// "" when the refusal is about something else or the maximum cannot be
// read, and the workspace's own message then stands alone.
func MaxLifetimeAdvice(ctx context.Context, err error, api SettingsAPI, requestedSeconds int64) string {
	var e *failure.APIError
	if api == nil || requestedSeconds <= 0 || !errors.As(err, &e) || e.Kind != failure.KindInvalid ||
		e.Code != "" && e.Code != "INVALID_PARAMETER_VALUE" || !strings.Contains(strings.ToLower(e.Message), "lifetime") {
		return ""
	}
	s, rerr := api.Settings(ctx)
	if rerr != nil {
		return ""
	}
	days, who := s.MaxLifetimeDays, "the workspace allows"
	if days <= 0 {
		days, who = PlatformMaxLifetimeDays, "Databricks allows"
	}
	if requestedSeconds <= int64(days)*86400 {
		// The lifetime fits: the refusal is about something else.
		return ""
	}
	return fmt.Sprintf("%s at most %s: use --lifetime %dd", who, DescribeDays(days), days)
}

// PolicyRefusal words a 403 (PERMISSION_DENIED) from a settings or
// permissions call, and reports whether err is one. Usually the caller is
// not a workspace admin; but a workspace with personal access tokens
// turned off refuses every PAT with a 403 too, and "you are not an admin"
// would then send an admin looking in the wrong place.
func PolicyRefusal(err error) (string, bool) {
	var e *failure.APIError
	if !errors.As(err, &e) || e.Kind != failure.KindPermission {
		return "", false
	}
	msg := strings.ToLower(e.Message)
	if strings.Contains(msg, "token") && strings.Contains(msg, "disabled") {
		return fmt.Sprintf("%s; personal access tokens are turned off there, so no profile that signs in with one works: sign in as a workspace admin with OAuth (`databricks auth login`) to turn them on again (`dbtok settings set tokens-enabled true`)", failure.Brief(err)), true
	}
	return fmt.Sprintf("workspace admin rights are needed (HTTP %d); use the profile of a workspace admin", e.Status), true
}
