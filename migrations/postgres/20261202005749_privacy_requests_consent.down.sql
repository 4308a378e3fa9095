-- reverse: create index "consentevent_tenant_id_contact_id_at" to table: "consent_events"
DROP INDEX "consentevent_tenant_id_contact_id_at";
-- reverse: create "consent_events" table
DROP TABLE "consent_events";
-- reverse: create index "privacyrequest_tenant_id_contact_id" to table: "privacy_requests"
DROP INDEX "privacyrequest_tenant_id_contact_id";
-- reverse: modify "privacy_requests" table
ALTER TABLE "privacy_requests" DROP COLUMN "requested_by_id", DROP COLUMN "outcome", DROP COLUMN "correction";
-- reverse: create index "channel_meta_user_id" to table: "channels"
DROP INDEX "channel_meta_user_id";
