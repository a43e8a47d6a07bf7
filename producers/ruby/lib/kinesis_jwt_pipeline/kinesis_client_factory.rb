# frozen_string_literal: true

module KinesisJwtPipeline
  # Turns `c.kinesis_client` into a client: an object with #put_records is used as is; a callable is called
  # once per process (the right choice with forking servers: each child builds its own connections); nil
  # builds an Aws::Kinesis::Client from aws-sdk-kinesis.
  module KinesisClientFactory
    module_function

    def build(setting)
      return setting.call if setting.respond_to?(:call) && !setting.respond_to?(:put_records)
      return setting if setting

      require_sdk!
      ::Aws::Kinesis::Client.new
    end

    # Called by `configure` (so at boot, in the initializer): a missing SDK must stop the app from starting,
    # not fail the first request that publishes. Builds nothing: connections belong to each forked process.
    def check!(setting)
      require_sdk! if setting.nil?
    end

    def require_sdk!
      require "aws-sdk-kinesis"
    rescue LoadError
      raise ConfigurationError.new("aws-sdk-kinesis is not installed and no kinesis_client was given",
                                   hint: "add gem \"aws-sdk-kinesis\" to the Gemfile and run bundle install " \
                                         "(Debian does not package it), or set c.kinesis_client")
    end
  end
end
