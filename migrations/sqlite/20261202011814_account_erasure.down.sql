-- reverse: add column "erased_at" to table: "tenants"
ALTER TABLE `tenants` DROP COLUMN `erased_at`;
