package sqlexpr

import "entgo.io/ent/dialect/sql"

// CaseOf is CASE key WHEN k1 THEN v1 … ELSE column END: a different value
// per row in one UPDATE (keys and values in pairs, in order), the column
// kept for rows not named. ent's builders write no CASE; one statement
// instead of one per row is what makes batch writes cheap.
func CaseOf[K, V any](key string, keys []K, values []V, column string) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("CASE ").Ident(key)
		for i := range keys {
			b.WriteString(" WHEN ").Arg(keys[i]).WriteString(" THEN ").Arg(values[i])
		}
		b.WriteString(" ELSE ").Ident(column).WriteString(" END")
	})
}
