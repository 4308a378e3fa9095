-- reverse: create index "meta_callbacks_confirmation_code_key" to table: "meta_callbacks"
DROP INDEX "meta_callbacks_confirmation_code_key";
-- reverse: create "meta_callbacks" table
DROP TABLE "meta_callbacks";
