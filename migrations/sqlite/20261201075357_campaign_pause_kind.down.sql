-- reverse: add column "pause_kind" to table: "campaigns"
ALTER TABLE `campaigns` DROP COLUMN `pause_kind`;
