# frozen_string_literal: true

require_relative "boot"

require "rails"
require "active_record/railtie"
require "action_controller/railtie"
require "active_job/railtie"

# What Bundler.require(*Rails.groups) does in an app: the app's gems after Rails, so the gem's Railtie loads.
require "kinesis_jwt_pipeline"

module KjpTestApp
  # The smallest Rails app that uses the gem as its README says: an initializer, a controller that publishes,
  # a model that writes to the transactional outbox, RelayJob on ActiveJob. Everything that differs between
  # runs (database file, stream, key, Kinesis endpoint) comes from the environment the tests set.
  class Application < Rails::Application
    config.load_defaults 6.1
    config.root = File.expand_path("..", __dir__)
    config.api_only = true
    config.eager_load = false
    config.secret_key_base = "kjp-test-app-only"
    config.logger = ActiveSupport::Logger.new(ENV.fetch("KJP_APP_LOG", File::NULL))
    config.log_level = :info
    config.active_job.queue_adapter = ENV.fetch("KJP_APP_QUEUE_ADAPTER", "inline").to_sym
  end
end
