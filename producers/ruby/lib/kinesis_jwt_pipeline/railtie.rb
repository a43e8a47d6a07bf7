# frozen_string_literal: true

module KinesisJwtPipeline
  # Loaded only when Rails is. Forked workers need nothing: the producer notices the new PID and starts its
  # own worker. What the Railtie adds is a clean stop where servers stop workers without running at_exit
  # the usual way, and the rake tasks.
  class Railtie < ::Rails::Railtie
    rake_tasks do
      load File.expand_path("tasks.rake", __dir__)
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
  end
end
