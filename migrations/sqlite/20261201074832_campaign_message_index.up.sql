-- create index "message_campaign_id_status" to table: "messages"
CREATE INDEX `message_campaign_id_status` ON `messages` (`campaign_id`, `status`);
