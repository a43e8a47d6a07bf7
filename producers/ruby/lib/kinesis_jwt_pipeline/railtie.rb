# frozen_string_literal: true

module KinesisJwtPipeline
  # Loaded when Rails is (Bundler.require loads Rails first). What it wires into the app:
  # - logging: spilled/dropped/error/journal_resent events go to Rails.logger (events also reach
  #   ActiveSupport::Notifications as "<event>.kinesis_jwt_pipeline", without the Railtie's help);
  # - configuration: once the initializers have run, the producer is built (signing key loaded, schemas read),
  #   so a bad key or setting stops the boot instead of the first request that publishes. The worker thread is
  #   not started here: each process starts its own on its first publish, so forked servers need no hook;
  # - shutdown: a flush-and-close where servers stop workers without running at_exit the usual way
  #   (Passenger, Sidekiq), on top of the at_exit close every process gets;
  # - the access token helper (KinesisJwtPipeline::AccessTokenHelper) in controllers and views;
  # - the rake tasks.
  class Railtie < ::Rails::Railtie
    rake_tasks do
      load File.expand_path("tasks.rake", __dir__)
    end

    initializer "kinesis_jwt_pipeline.logger", after: :initialize_logger do
      KinesisJwtPipeline.log_to(::Rails.logger)
    end

    initializer "kinesis_jwt_pipeline.access_token_helper" do
      ActiveSupport.on_load(:action_controller) { include KinesisJwtPipeline::AccessTokenHelper }
      ActiveSupport.on_load(:action_view) { include KinesisJwtPipeline::AccessTokenHelper }
    end

    initializer "kinesis_jwt_pipeline.shutdown_hooks" do
      if defined?(::PhusionPassenger)
        ::PhusionPassenger.on_event(:stopping_worker_process) { KinesisJwtPipeline.close }
      end
      if defined?(::Sidekiq) && ::Sidekiq.respond_to?(:configure_server)
        ::Sidekiq.configure_server do |config|
          config.on(:shutdown) { KinesisJwtPipeline.close } if config.respond_to?(:on)
        end
      end
    end

    config.after_initialize do
      if KinesisJwtPipeline.configured?
        KinesisJwtPipeline.producer
      else
        # not an error: `rake kinesis_jwt_pipeline:generate_key` runs before there is a key to configure
        ::Rails.logger&.warn("[kinesis_jwt_pipeline] not configured: publish will raise ConfigurationError " \
                             "(add config/initializers/kinesis_jwt_pipeline.rb)")
      end
    end
  end
end
