-- modify "messages" table
ALTER TABLE "messages" ADD COLUMN "purged_at" timestamptz NULL;
-- create index "message_tenant_id_purged_at_timestamp" to table: "messages"
CREATE INDEX "message_tenant_id_purged_at_timestamp" ON "messages" ("tenant_id", "purged_at", "timestamp");
-- create index "pendingstatus_created_at" to table: "pending_status"
CREATE INDEX "pendingstatus_created_at" ON "pending_status" ("created_at");
-- create index "session_expires_at" to table: "sessions"
CREATE INDEX "session_expires_at" ON "sessions" ("expires_at");
-- create "retention_marks" table
CREATE TABLE "retention_marks" ("id" character varying NOT NULL, "lease_owner" character varying NULL, "lease_until" timestamptz NULL, "last_run_at" timestamptz NULL, "last_success_at" timestamptz NULL, "last_finished_at" timestamptz NULL, "last_error" character varying NULL, "purged" jsonb NULL, PRIMARY KEY ("id"));
-- create "retention_tallies" table
CREATE TABLE "retention_tallies" ("id" character varying NOT NULL, "run_at" timestamptz NOT NULL, "purged" jsonb NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "retention_tallies_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "retentiontally_tenant_id" to table: "retention_tallies"
CREATE UNIQUE INDEX "retentiontally_tenant_id" ON "retention_tallies" ("tenant_id");
