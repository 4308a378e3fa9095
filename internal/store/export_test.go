package store

import "context"

// HoldMigrationLock takes, on a connection of its own, the lock that
// migrations hold on PostgreSQL, as another replica migrating would.
func HoldMigrationLock(ctx context.Context, d *DB) (release func(), err error) {
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return nil, err
	}
	unlock, err := advisoryLock(ctx, conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return func() { unlock(); conn.Close() }, nil
}
