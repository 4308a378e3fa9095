-- reverse: create index "campaignrecipient_campaign_id_status" to table: "campaign_recipients"
DROP INDEX `campaignrecipient_campaign_id_status`;
-- reverse: create index "campaignrecipient_message_id" to table: "campaign_recipients"
DROP INDEX `campaignrecipient_message_id`;
-- reverse: create index "campaignrecipient_campaign_id_contact_id" to table: "campaign_recipients"
DROP INDEX `campaignrecipient_campaign_id_contact_id`;
-- reverse: create "new_campaign_recipients" table
DROP TABLE `new_campaign_recipients`;
