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
	if err := w.Write(csvHeader(tab.Columns)); err != nil {
		return err
	}
	for _, row := range tab.Rows {
		if err := w.Write(csvRecord(tab.Columns, row, c)); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func csvHeader(columns []Column) []string {
	header := make([]string, len(columns))
	for i, col := range columns {
		header[i] = col.Header
	}
	return header
}

func csvRecord(columns []Column, row Row, c *Context) []string {
	rec := make([]string, len(columns))
	for i := range rec {
		if i < len(row.Cells) {
			rec[i] = row.Cells[i].Raw()
			if c.TTY {
				rec[i] = Sanitize(rec[i])
			}
		}
	}
	return rec
}
