-- modify "campaign_recipients" table
ALTER TABLE "campaign_recipients" ADD COLUMN "replied_at" timestamptz NULL;
-- create index "campaignrecipient_message_id" to table: "campaign_recipients"
CREATE INDEX "campaignrecipient_message_id" ON "campaign_recipients" ("message_id");
-- modify "campaigns" table
ALTER TABLE "campaigns" ADD COLUMN "paused_reason" character varying NULL;
-- modify "messages" table
ALTER TABLE "messages" ADD COLUMN "campaign_id" character varying NULL, ADD COLUMN "outside_window" boolean NOT NULL DEFAULT false, ADD COLUMN "pricing_type" character varying NULL, ADD COLUMN "pricing_category" character varying NULL;
-- create index "message_channel_id_outside_window_timestamp" to table: "messages"
CREATE INDEX "message_channel_id_outside_window_timestamp" ON "messages" ("channel_id", "outside_window", "timestamp");
-- modify "templates" table
ALTER TABLE "templates" ADD COLUMN "status_reason" text NULL, ADD COLUMN "last_event" character varying NULL, ADD COLUMN "parameter_format" character varying NOT NULL DEFAULT 'POSITIONAL', ADD COLUMN "quality_score" character varying NULL, ADD COLUMN "pending_category" character varying NULL, ADD COLUMN "pending_category_at" timestamptz NULL;
-- create "usage_dailies" table
CREATE TABLE "usage_dailies" ("id" character varying NOT NULL, "channel_id" character varying NOT NULL, "day" timestamptz NOT NULL, "pricing_type" character varying NOT NULL, "pricing_category" character varying NOT NULL, "count" bigint NOT NULL DEFAULT 0, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "usage_dailies_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "usagedaily_tenant_id_channel_i_605d6961ccfa1fe07b21205880e4dc48" to table: "usage_dailies"
CREATE UNIQUE INDEX "usagedaily_tenant_id_channel_i_605d6961ccfa1fe07b21205880e4dc48" ON "usage_dailies" ("tenant_id", "channel_id", "day", "pricing_type", "pricing_category");
-- create index "usagedaily_tenant_id_day" to table: "usage_dailies"
CREATE INDEX "usagedaily_tenant_id_day" ON "usage_dailies" ("tenant_id", "day");
