-- modify "channels" table
ALTER TABLE "channels" ADD COLUMN "send_rate_per_second" bigint NOT NULL DEFAULT 80, ADD COLUMN "messaging_limit" bigint NULL, ADD COLUMN "sender_owner" character varying NULL, ADD COLUMN "sender_lease_until" timestamptz NULL, ADD COLUMN "sender_lease" bigint NOT NULL DEFAULT 0;
-- create index "channel_status" to table: "channels"
CREATE INDEX "channel_status" ON "channels" ("status");
-- modify "contacts" table
ALTER TABLE "contacts" ALTER COLUMN "phone" DROP NOT NULL, ADD COLUMN "user_id" character varying NULL, ADD COLUMN "username" character varying NULL;
-- create index "contact_tenant_id_user_id" to table: "contacts"
CREATE UNIQUE INDEX "contact_tenant_id_user_id" ON "contacts" ("tenant_id", "user_id");
-- modify "messages" table
ALTER TABLE "messages" ADD COLUMN "attempts" bigint NOT NULL DEFAULT 0, ADD COLUMN "reply_to_id" character varying NULL, ADD COLUMN "send_state" character varying NULL, ADD COLUMN "send_after" timestamptz NULL, ADD COLUMN "send_priority" bigint NOT NULL DEFAULT 0;
-- create index "message_channel_id_send_state_send_priority_send_after" to table: "messages"
CREATE INDEX "message_channel_id_send_state_send_priority_send_after" ON "messages" ("channel_id", "send_state", "send_priority", "send_after");
-- create index "message_send_state_send_after" to table: "messages"
CREATE INDEX "message_send_state_send_after" ON "messages" ("send_state", "send_after");
-- modify "tenants" table
ALTER TABLE "tenants" ADD COLUMN "read_receipts" boolean NOT NULL DEFAULT true;
