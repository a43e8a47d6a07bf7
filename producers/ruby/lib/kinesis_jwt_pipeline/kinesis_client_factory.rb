# frozen_string_literal: true

module KinesisJwtPipeline
  # Turns `c.kinesis_client` into a client: an object with #put_records is used as is; a callable is called
  # once per process (the right choice with forking servers: each child builds its own connections); nil
  # builds an Aws::Kinesis::Client, loading aws-sdk-kinesis only then.
  module KinesisClientFactory
    module_function

    def build(setting)
      return setting.call if setting.respond_to?(:call) && !setting.respond_to?(:put_records)
      return setting if setting

      begin
        require "aws-sdk-kinesis"
      rescue LoadError
        raise ConfigurationError.new("aws-sdk-kinesis is not installed and no kinesis_client was given",
                                     hint: "add gem \"aws-sdk-kinesis\" or set c.kinesis_client")
      end
      ::Aws::Kinesis::Client.new
    end
  end
end
