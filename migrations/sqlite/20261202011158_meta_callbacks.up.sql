-- create "meta_callbacks" table
CREATE TABLE `meta_callbacks` (`id` text NOT NULL, `kind` text NOT NULL, `meta_user_id` text NULL, `confirmation_code` text NULL, `status` text NOT NULL DEFAULT ('RECEIVED'), `issued_at` datetime NOT NULL, `received_at` datetime NOT NULL, `completed_at` datetime NULL, `channels` integer NOT NULL DEFAULT (0), `tenants` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- create index "meta_callbacks_confirmation_code_key" to table: "meta_callbacks"
CREATE UNIQUE INDEX `meta_callbacks_confirmation_code_key` ON `meta_callbacks` (`confirmation_code`);
