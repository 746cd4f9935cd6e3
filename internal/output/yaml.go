package output

import (
	"bytes"
	"encoding/json"

	"go.yaml.in/yaml/v3"
)

// renderYAML is the "yaml" format: the JSON form, key order kept, as
// block-style YAML (as kubectl -o yaml).
func renderYAML(out *Rendered, v any, c *Context) error {
	b, err := json.Marshal(jsonForm(v))
	if err != nil {
		return err
	}
	// The YAML parser refuses some characters JSON carries as they are
	// (DEL, C1 controls): give them as JSON escapes; the encoder then
	// writes them as YAML escapes.
	b = sanitizeJSON(b)
	// JSON is YAML: parsing it into a node tree keeps the key order, and
	// clearing the flow style makes the encoder write block style.
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return err
	}
	blockStyle(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if c.TTY {
		out.Stdout.WriteString(Sanitize(buf.String()))
		return nil
	}
	out.Stdout.Write(buf.Bytes())
	return nil
}

func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = 0
	}
	if n.Kind == yaml.ScalarNode && n.Style == yaml.DoubleQuotedStyle {
		// Let the encoder quote only what needs it.
		n.Style = 0
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}
