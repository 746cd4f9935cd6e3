package output

import (
	"encoding/csv"
)

// renderCSV is the "csv" format: a header and one record per row, with
// every column (wide ones too) and complete values: full IDs, timestamps.
func renderCSV(out *Rendered, v any, c *Context) error {
	t, ok := v.(Tabular)
	if !ok {
		return errNoForm("csv", v)
	}
	tab := t.Table()
	w := csv.NewWriter(&out.Stdout)
	header := make([]string, len(tab.Columns))
	for i, col := range tab.Columns {
		header[i] = col.Header
	}
	if err := w.Write(header); err != nil {
		return err
	}
	for _, row := range tab.Rows {
		rec := make([]string, len(tab.Columns))
		for i := range rec {
			if i < len(row.Cells) {
				rec[i] = row.Cells[i].Raw()
				if c.TTY {
					rec[i] = Sanitize(rec[i])
				}
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
