-- add column "pause_kind" to table: "campaigns"
ALTER TABLE `campaigns` ADD COLUMN `pause_kind` text NULL;
