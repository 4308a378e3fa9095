-- reverse: create index "usagedaily_tenant_id_day" to table: "usage_dailies"
DROP INDEX "usagedaily_tenant_id_day";
-- reverse: create index "usagedaily_tenant_id_channel_i_605d6961ccfa1fe07b21205880e4dc48" to table: "usage_dailies"
DROP INDEX "usagedaily_tenant_id_channel_i_605d6961ccfa1fe07b21205880e4dc48";
-- reverse: create "usage_dailies" table
DROP TABLE "usage_dailies";
-- reverse: modify "templates" table
ALTER TABLE "templates" DROP COLUMN "pending_category_at", DROP COLUMN "pending_category", DROP COLUMN "quality_score", DROP COLUMN "parameter_format", DROP COLUMN "last_event", DROP COLUMN "status_reason";
-- reverse: create index "message_channel_id_outside_window_timestamp" to table: "messages"
DROP INDEX "message_channel_id_outside_window_timestamp";
-- reverse: modify "messages" table
ALTER TABLE "messages" DROP COLUMN "pricing_category", DROP COLUMN "pricing_type", DROP COLUMN "outside_window", DROP COLUMN "campaign_id";
-- reverse: modify "campaigns" table
ALTER TABLE "campaigns" DROP COLUMN "paused_reason";
-- reverse: create index "campaignrecipient_message_id" to table: "campaign_recipients"
DROP INDEX "campaignrecipient_message_id";
-- reverse: modify "campaign_recipients" table
ALTER TABLE "campaign_recipients" DROP COLUMN "replied_at";
