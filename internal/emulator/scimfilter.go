package emulator

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// scimFilter is a parsed SCIM filter (RFC 7644, section 3.4.2.2): attribute
// comparisons with eq, ne, co, sw, ew, gt, ge, lt, le and pr, joined by and
// and or, with parentheses. Comparisons ignore case, as they do for the
// caseExact=false attributes (userName, displayName) clients filter on.
type scimFilter interface {
	matches(p *principal) bool
}

type matchAll struct{}

func (matchAll) matches(*principal) bool { return true }

type boolFilter struct {
	and         bool
	left, right scimFilter
}

func (f boolFilter) matches(p *principal) bool {
	if f.and {
		return f.left.matches(p) && f.right.matches(p)
	}
	return f.left.matches(p) || f.right.matches(p)
}

type compareFilter struct {
	attr, op, value string
}

func (f compareFilter) matches(p *principal) bool {
	v, ok := scimAttr(p, f.attr)
	if f.op == "pr" {
		return ok && v != ""
	}
	if !ok {
		return false
	}
	a, b := strings.ToLower(v), strings.ToLower(f.value)
	switch f.op {
	case "eq":
		return a == b
	case "ne":
		return a != b
	case "co":
		return strings.Contains(a, b)
	case "sw":
		return strings.HasPrefix(a, b)
	case "ew":
		return strings.HasSuffix(a, b)
	case "gt":
		return a > b
	case "ge":
		return a >= b
	case "lt":
		return a < b
	case "le":
		return a <= b
	}
	return false
}

func parseFilter(s string) (scimFilter, error) {
	if strings.TrimSpace(s) == "" {
		return matchAll{}, nil
	}
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return f, nil
}

type filterToken struct {
	text   string
	quoted bool
}

func lexFilter(s string) ([]filterToken, error) {
	var toks []filterToken
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			toks = append(toks, filterToken{text: string(c)})
			i++
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, errors.New("unterminated string")
			}
			v, err := strconv.Unquote(s[i : j+1])
			if err != nil {
				return nil, fmt.Errorf("bad string %s", s[i:j+1])
			}
			toks = append(toks, filterToken{text: v, quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '(' && s[j] != ')' {
				j++
			}
			toks = append(toks, filterToken{text: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

type filterParser struct {
	toks []filterToken
	pos  int
}

func (p *filterParser) keyword(k string) bool {
	if p.pos < len(p.toks) && !p.toks[p.pos].quoted && strings.EqualFold(p.toks[p.pos].text, k) {
		p.pos++
		return true
	}
	return false
}

func (p *filterParser) or() (scimFilter, error) {
	f, err := p.and()
	for err == nil && p.keyword("or") {
		var r scimFilter
		if r, err = p.and(); err == nil {
			f = boolFilter{left: f, right: r}
		}
	}
	return f, err
}

func (p *filterParser) and() (scimFilter, error) {
	f, err := p.atom()
	for err == nil && p.keyword("and") {
		var r scimFilter
		if r, err = p.atom(); err == nil {
			f = boolFilter{and: true, left: f, right: r}
		}
	}
	return f, err
}

func (p *filterParser) atom() (scimFilter, error) {
	if p.keyword("(") {
		f, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.keyword(")") {
			return nil, errors.New("missing )")
		}
		return f, nil
	}
	if p.pos+1 >= len(p.toks) {
		return nil, errors.New("incomplete expression")
	}
	attr, op := p.toks[p.pos], p.toks[p.pos+1]
	if attr.quoted || op.quoted {
		return nil, fmt.Errorf("expected an attribute and an operator, got %q %q", attr.text, op.text)
	}
	p.pos += 2
	f := compareFilter{attr: strings.ToLower(attr.text), op: strings.ToLower(op.text)}
	switch f.op {
	case "pr":
		return f, nil
	case "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le":
	default:
		return nil, fmt.Errorf("unknown operator %q", op.text)
	}
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("%s %s needs a value", attr.text, op.text)
	}
	f.value = p.toks[p.pos].text
	p.pos++
	return f, nil
}
