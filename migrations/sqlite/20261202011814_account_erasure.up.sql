-- add column "erased_at" to table: "tenants"
ALTER TABLE `tenants` ADD COLUMN `erased_at` datetime NULL;
