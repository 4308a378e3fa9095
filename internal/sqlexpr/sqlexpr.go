// Package sqlexpr holds SQL expressions ent's builders do not have, shared
// by the packages that write conditional updates.
package sqlexpr

import "entgo.io/ent/dialect/sql"

// CaseWhen is CASE WHEN cond THEN v ELSE column END: column set to v where
// cond holds of the row being updated, else kept.
func CaseWhen(cond *sql.Predicate, v any, column string) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("CASE WHEN ").Join(cond).WriteString(" THEN ").Arg(v).
			WriteString(" ELSE ").Ident(column).WriteString(" END")
	})
}
