-- create index "message_tenant_id_updated_at" to table: "messages"
CREATE INDEX "message_tenant_id_updated_at" ON "messages" ("tenant_id", "updated_at");
-- create "rollup_marks" table
CREATE TABLE "rollup_marks" ("id" character varying NOT NULL, "rolled_until" timestamptz NULL, "changes_until" timestamptz NULL, "lease_owner" character varying NULL, "lease_until" timestamptz NULL, PRIMARY KEY ("id"));
-- create "message_dailies" table
CREATE TABLE "message_dailies" ("id" character varying NOT NULL, "channel_id" character varying NOT NULL, "day" timestamptz NOT NULL, "direction" character varying NOT NULL, "status" character varying NOT NULL, "count" bigint NOT NULL DEFAULT 0, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "message_dailies_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "messagedaily_tenant_id_day_channel_id_direction_status" to table: "message_dailies"
CREATE UNIQUE INDEX "messagedaily_tenant_id_day_channel_id_direction_status" ON "message_dailies" ("tenant_id", "day", "channel_id", "direction", "status");
