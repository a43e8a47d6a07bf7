# frozen_string_literal: true

require "rails/generators"
require "rails/generators/active_record"

module KinesisJwtPipeline
  module Generators
    # rails generate kinesis_jwt_pipeline:outbox
    class OutboxGenerator < ::Rails::Generators::Base
      include ::ActiveRecord::Generators::Migration

      source_root File.expand_path("templates", __dir__)
      desc "Creates the migration for the kinesis_jwt_pipeline transactional outbox table."

      def create_migration_file
        migration_template "create_kinesis_jwt_pipeline_outbox_messages.rb.tt",
                           File.join(db_migrate_path, "create_kinesis_jwt_pipeline_outbox_messages.rb")
      end

      private

      def migration_version
        "[#{::ActiveRecord::VERSION::MAJOR}.#{::ActiveRecord::VERSION::MINOR}]"
      end
    end
  end
end
