-- create index "channel_meta_user_id" to table: "channels"
CREATE INDEX "channel_meta_user_id" ON "channels" ("meta_user_id");
-- modify "privacy_requests" table
ALTER TABLE "privacy_requests" ADD COLUMN "correction" jsonb NULL, ADD COLUMN "outcome" text NULL, ADD COLUMN "requested_by_id" character varying NULL;
-- create index "privacyrequest_tenant_id_contact_id" to table: "privacy_requests"
CREATE INDEX "privacyrequest_tenant_id_contact_id" ON "privacy_requests" ("tenant_id", "contact_id");
-- create "consent_events" table
CREATE TABLE "consent_events" ("id" character varying NOT NULL, "contact_id" character varying NOT NULL, "status" character varying NOT NULL, "source" character varying NOT NULL, "at" timestamptz NOT NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "consent_events_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "consentevent_tenant_id_contact_id_at" to table: "consent_events"
CREATE INDEX "consentevent_tenant_id_contact_id_at" ON "consent_events" ("tenant_id", "contact_id", "at");
