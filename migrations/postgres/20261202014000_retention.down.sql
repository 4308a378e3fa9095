-- reverse: create index "retentiontally_tenant_id" to table: "retention_tallies"
DROP INDEX "retentiontally_tenant_id";
-- reverse: create "retention_tallies" table
DROP TABLE "retention_tallies";
-- reverse: create "retention_marks" table
DROP TABLE "retention_marks";
-- reverse: create index "session_expires_at" to table: "sessions"
DROP INDEX "session_expires_at";
-- reverse: create index "pendingstatus_created_at" to table: "pending_status"
DROP INDEX "pendingstatus_created_at";
-- reverse: create index "message_tenant_id_purged_at_timestamp" to table: "messages"
DROP INDEX "message_tenant_id_purged_at_timestamp";
-- reverse: modify "messages" table
ALTER TABLE "messages" DROP COLUMN "purged_at";
