-- reverse: modify "tenants" table
ALTER TABLE "tenants" DROP COLUMN "read_receipts";
-- reverse: create index "message_send_state_send_after" to table: "messages"
DROP INDEX "message_send_state_send_after";
-- reverse: create index "message_channel_id_send_state_send_priority_send_after" to table: "messages"
DROP INDEX "message_channel_id_send_state_send_priority_send_after";
-- reverse: modify "messages" table
ALTER TABLE "messages" DROP COLUMN "send_priority", DROP COLUMN "send_after", DROP COLUMN "send_state", DROP COLUMN "reply_to_id", DROP COLUMN "attempts";
-- reverse: create index "contact_tenant_id_user_id" to table: "contacts"
DROP INDEX "contact_tenant_id_user_id";
-- reverse: modify "contacts" table
ALTER TABLE "contacts" DROP COLUMN "username", DROP COLUMN "user_id", ALTER COLUMN "phone" SET NOT NULL;
-- reverse: create index "channel_status" to table: "channels"
DROP INDEX "channel_status";
-- reverse: modify "channels" table
ALTER TABLE "channels" DROP COLUMN "sender_lease", DROP COLUMN "sender_lease_until", DROP COLUMN "sender_owner", DROP COLUMN "messaging_limit", DROP COLUMN "send_rate_per_second";
