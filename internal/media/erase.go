package media

import (
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// LockForErasure is the query modifier of an erasure reading the messages
// whose files it deletes (Store.DeleteMessageFile) before it deletes
// their rows: on PostgreSQL it locks those rows until the erasure's
// transaction ends. There replicas download in their own transactions,
// and a claim (store.go) is seen only by its own process; without the
// lock, a download elsewhere could record its file between the erasure's
// read (the file not there yet) and its delete of the row, and the file
// would outlive its message. With it, the download's update either
// commits first, and the erasure deletes the file after reading it, or
// waits for the erasure and finds no message, and deletes the file it
// wrote (Downloader.Handle). SQLite needs no lock: its write transactions
// are serialized.
func LockForErasure(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate()
	}
}
