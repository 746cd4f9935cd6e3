package audit

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/lifetime"
	"github.com/dbtok/dbtok/internal/tokens"
	"go.yaml.in/yaml/v3"
)

// The policy file: the thresholds under the names of the flags that
// override them, severities per rule, and exemptions. Every key is known
// or the file is refused: a typo such as "max_lifetime" must not leave a
// policy quietly weaker than its author meant.

// Keys of the policy file.
const (
	keyMaxLifetime  = "max-lifetime"
	keyUnusedFor    = "unused-for"
	keyWarnWithin   = "warn-within"
	keyQuotaWarning = "quota-warning"
	keyFailOn       = "fail-on"
	keyRules        = "rules"
	keyExempt       = "exempt"
)

var policyKeys = []string{keyMaxLifetime, keyUnusedFor, keyWarnWithin, keyQuotaWarning, keyFailOn, keyRules, keyExempt}

var exemptKeys = []string{"token-id", "comment", "profile", "host", "rules", "reason", "expires"}

// maxPolicySize keeps a wrong --policy (a log file, a device) from being
// read whole.
const maxPolicySize = 1 << 20

// policyFile is what a policy file sets; thresholds it leaves out keep
// their defaults.
type policyFile struct {
	policy tokens.AuditPolicy
	// failOn is set when the file has fail-on.
	failOn *tokens.Severity
}

// loadPolicy reads the policy file at path on top of base.
func loadPolicy(path string, base tokens.AuditPolicy) (policyFile, error) {
	path = databrickscfg.ExpandHome(path)
	fail := func(format string, args ...any) error {
		return failure.Configf("policy file %s: %s", path, fmt.Sprintf(format, args...))
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return policyFile{}, failure.Configf("policy file %s does not exist", path)
	case err != nil:
		return policyFile{}, failure.Configf("cannot read policy file: %v", err)
	case !st.Mode().IsRegular():
		return policyFile{}, fail("not a regular file")
	case st.Size() > maxPolicySize:
		return policyFile{}, fail("larger than %d bytes: is it the right file?", maxPolicySize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return policyFile{}, failure.Configf("cannot read policy file: %v", err)
	}
	pf, err := parsePolicy(b, base)
	if err != nil {
		return policyFile{}, fail("%v", err)
	}
	return pf, nil
}

// parsePolicy reads a policy document. Errors name the line.
func parsePolicy(b []byte, base tokens.AuditPolicy) (policyFile, error) {
	pf := policyFile{policy: base}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return pf, fmt.Errorf("not valid YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return pf, fmt.Errorf("is empty: give at least one setting (see `dbtok audit --help`)")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return pf, fmt.Errorf("line %d: expected settings such as %q, found %s", root.Line, keyMaxLifetime+": 90d", kindName(root))
	}
	entries, err := mapping(root, policyKeys, "")
	if err != nil {
		return pf, err
	}
	p := &pf.policy
	for _, e := range entries {
		k, v := e.key.Value, e.value
		switch k {
		case keyMaxLifetime, keyUnusedFor, keyWarnWithin:
			d, err := duration(k, v)
			if err != nil {
				return pf, err
			}
			*map[string]*time.Duration{keyMaxLifetime: &p.MaxLifetime, keyUnusedFor: &p.UnusedFor, keyWarnWithin: &p.WarnWithin}[k] = d
		case keyQuotaWarning:
			s, err := scalar(k, v)
			if err != nil {
				return pf, err
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > tokens.TokenQuota {
				return pf, fmt.Errorf("line %d: %s must be a number of tokens from 1 to %d, not %q", v.Line, k, tokens.TokenQuota, s)
			}
			p.QuotaWarning = n
		case keyFailOn:
			s, err := scalar(k, v)
			if err != nil {
				return pf, err
			}
			sev, err := parseFailOn(s)
			if err != nil {
				return pf, fmt.Errorf("line %d: %s: %v", v.Line, k, err)
			}
			pf.failOn = &sev
		case keyRules:
			if p.Severities, err = severities(v); err != nil {
				return pf, err
			}
		case keyExempt:
			if p.Exemptions, err = exemptions(v); err != nil {
				return pf, err
			}
		}
	}
	return pf, nil
}

type entry struct{ key, value *yaml.Node }

// mapping returns n's entries, refusing keys not in known (naming each,
// with its line and the key probably meant) and repeated keys. known nil
// accepts any key.
func mapping(n *yaml.Node, known []string, where string) ([]entry, error) {
	var out []entry
	var unknown []string
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a key must be a plain name", k.Line)
		}
		if first, dup := seen[k.Value]; dup {
			return nil, fmt.Errorf("line %d: %s%q is given twice (first on line %d)", k.Line, where, k.Value, first)
		}
		seen[k.Value] = k.Line
		if known != nil && !slices.Contains(known, k.Value) {
			msg := fmt.Sprintf("%q (line %d", k.Value, k.Line)
			if s := suggest(k.Value, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			unknown = append(unknown, msg+")")
			continue
		}
		out = append(out, entry{k, v})
	}
	if len(unknown) > 0 {
		noun := "key"
		if len(unknown) > 1 {
			noun = "keys"
		}
		return nil, fmt.Errorf("unknown %s%s %s; known keys: %s", where, noun, strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}

func scalar(key string, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", fmt.Errorf("line %d: %s needs a value, found %s", v.Line, key, kindName(v))
	}
	return strings.TrimSpace(v.Value), nil
}

func duration(key string, v *yaml.Node) (time.Duration, error) {
	s, err := scalar(key, v)
	if err != nil {
		return 0, err
	}
	d, err := parseDuration(key, s)
	if err != nil {
		return 0, fmt.Errorf("line %d: %v", v.Line, err)
	}
	return d, nil
}

// severities reads rules: {rule-id: error|warning|note|off}.
func severities(n *yaml.Node) (map[string]tokens.Severity, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: %s maps rule IDs to severities (%s: off), found %s", n.Line, keyRules, tokens.RuleNeverUsed, kindName(n))
	}
	entries, err := mapping(n, tokens.AuditRuleIDs(), "rule ")
	if err != nil {
		return nil, err
	}
	out := map[string]tokens.Severity{}
	for _, e := range entries {
		s, err := scalar(e.key.Value, e.value)
		if err != nil {
			return nil, err
		}
		sev, err := tokens.ParseSeverity(s)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %v", e.value.Line, e.key.Value, err)
		}
		out[e.key.Value] = sev
	}
	return out, nil
}

// exemptions reads exempt: a list of {token-id, comment, profile, host,
// rules, reason, expires}.
func exemptions(n *yaml.Node) ([]tokens.Exemption, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: %s is a list of exemptions (- token-id: ...), found %s", n.Line, keyExempt, kindName(n))
	}
	var out []tokens.Exemption
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("line %d: an exemption has keys such as token-id, comment and reason, found %s", item.Line, kindName(item))
		}
		entries, err := mapping(item, exemptKeys, "exemption ")
		if err != nil {
			return nil, err
		}
		var e tokens.Exemption
		for _, en := range entries {
			k, v := en.key.Value, en.value
			if k == "rules" {
				if e.Rules, err = stringList(k, v); err != nil {
					return nil, err
				}
				continue
			}
			s, err := scalar(k, v)
			if err != nil {
				return nil, err
			}
			switch k {
			case "token-id":
				e.TokenID = s
			case "comment":
				e.Comment = v.Value // as written: spaces may be part of a comment
			case "profile":
				e.Profile = s
			case "host":
				e.Host = s
			case "reason":
				e.Reason = s
			case "expires":
				t, err := lifetime.ParseDate(s)
				if err != nil {
					return nil, fmt.Errorf("line %d: expires must be a date such as 2027-01-31, not %q", v.Line, s)
				}
				e.Expires = t
			}
		}
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("line %d: the exemption %v", item.Line, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func stringList(key string, v *yaml.Node) ([]string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		s, err := scalar(key, v)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	case yaml.SequenceNode:
		var out []string
		for _, x := range v.Content {
			s, err := scalar(key, x)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("line %d: %s is empty: leave it out to exempt from every rule", v.Line, key)
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: %s is a list of rule IDs, found %s", v.Line, key, kindName(v))
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}

// suggest is the known key closest to a mistyped one, if any is close.
func suggest(key string, known []string) string {
	norm := strings.NewReplacer("_", "-", " ", "-").Replace(strings.ToLower(key))
	best, bestDist := "", 3
	for _, k := range known {
		if k == norm {
			return k
		}
		if d := distance(norm, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// parseDuration reads a threshold as the duration flags do (days and
// weeks included); a date is refused with a word on what is expected.
func parseDuration(name, value string) (time.Duration, error) {
	if lifetime.LooksLikeDate(value) {
		return 0, fmt.Errorf("%s %s is a date, but %s takes a duration such as 30d or 2w", name, value, name)
	}
	secs, err := lifetime.Parse(value)
	if err != nil {
		return 0, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "lifetime "))
	}
	return time.Duration(secs) * time.Second, nil
}

// parseFailOn reads --fail-on: a severity, or none.
func parseFailOn(s string) (tokens.Severity, error) {
	if strings.EqualFold(s, "none") {
		return tokens.SeverityOff, nil
	}
	sev, err := tokens.ParseSeverity(s)
	if err != nil || sev == tokens.SeverityOff {
		return 0, fmt.Errorf("%q is not one of %s", s, strings.Join(failOnValues, ", "))
	}
	return sev, nil
}

var failOnValues = []string{"error", "warning", "note", "none"}
