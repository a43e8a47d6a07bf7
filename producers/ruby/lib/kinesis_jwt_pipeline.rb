# frozen_string_literal: true

require "base64"
require "json"
require "kinesis_jwt_pipeline/version"
require "kinesis_jwt_pipeline/errors"
require "kinesis_jwt_pipeline/signing_key"
require "kinesis_jwt_pipeline/uuid_v7"
require "kinesis_jwt_pipeline/message"
require "kinesis_jwt_pipeline/schema_validator"
require "kinesis_jwt_pipeline/envelope"
require "kinesis_jwt_pipeline/lifecycle"
require "kinesis_jwt_pipeline/backoff"
require "kinesis_jwt_pipeline/instrumentation"
require "kinesis_jwt_pipeline/event_log"
require "kinesis_jwt_pipeline/bounded_queue"
require "kinesis_jwt_pipeline/journal"
require "kinesis_jwt_pipeline/spiller"
require "kinesis_jwt_pipeline/put_records"
require "kinesis_jwt_pipeline/aggregation"
require "kinesis_jwt_pipeline/kinesis_client_factory"
require "kinesis_jwt_pipeline/configuration"
require "kinesis_jwt_pipeline/worker"
require "kinesis_jwt_pipeline/producer"
require "kinesis_jwt_pipeline/token_verifier"

# Signed (JWT) messages from Rails to Kinesis: `KinesisJwtPipeline.publish("deal.stage_changed", data,
# partition_key: account.id)` returns at once; a background worker batches, retries, and spills to disk.
# Lifecycle: configure → publish → flush → close (at exit automatically).
module KinesisJwtPipeline
  @events = Instrumentation.new
  @lock = Mutex.new

  class << self
    attr_reader :events

    def configuration
      @configuration ||= Configuration.new
    end

    # Yields the configuration; a producer already running is closed first (its records are flushed).
    # Raises ConfigurationError for anything that would fail later (missing settings, no Kinesis client).
    def configure
      @lock.synchronize do
        @producer&.close unless @producer&.closed?
        @producer = nil
        config = Configuration.new
        yield config
        config.validate!
        KinesisClientFactory.check!(config.kinesis_client)
        @configuration = config
        @configured = true
      end
      self
    end

    # Whether `configure` has succeeded (and not been undone by reset!).
    def configured?
      @configured == true
    end

    def producer
      @producer || @lock.synchronize { @producer ||= Producer.new(configuration, events: @events) }
    end

    def publish(type, data, partition_key:, sub: nil, v: 1)
      producer.publish(type, data, partition_key: partition_key, sub: sub, v: v)
    end

    def publish!(type, data, partition_key:, sub: nil, v: 1, timeout: 5.0)
      producer.publish!(type, data, partition_key: partition_key, sub: sub, v: v, timeout: timeout)
    end

    def flush(timeout = configuration.shutdown_timeout)
      @producer ? @producer.flush(timeout) : true
    end

    def close(timeout = configuration.shutdown_timeout)
      @producer ? @producer.close(timeout) : true
    end

    def close!
      @producer ? @producer.close! : true
    end

    def depth(**kw)
      @producer ? @producer.depth(**kw) : { queued: 0, queued_bytes: 0, in_worker: 0, outage: false }
    end

    # subscribe("spilled") { |event, payload| ... }; subscribe { |event, payload| ... } for every event.
    def subscribe(event = nil, &block)
      @events.subscribe(event, &block)
    end

    def unsubscribe(handle)
      @events.unsubscribe(handle)
    end

    # The public JWKS for the consumer: the signing key's public half, then c.additional_public_keys
    # (keys being rotated in or out), private members always stripped.
    def public_jwks
      key = SigningKey.load(configuration.signing_key)
      extra = Array(configuration.additional_public_keys).map do |k|
        hash = k.is_a?(Hash) ? k : JSON.parse(File.read(k.to_s))
        hash.transform_keys(&:to_s).reject { |name, _| SigningKey::PRIVATE_MEMBERS.include?(name) }
      end
      { "keys" => [key.public_jwk] + extra.reject { |k| k["kid"] == key.kid } }
    end

    # Sends spilled/dropped/error/journal_resent events to `logger` (the Railtie does this with Rails.logger).
    # A second call replaces the first logger rather than logging twice.
    def log_to(logger)
      @lock.synchronize do
        (@log_handles || []).each { |h| @events.unsubscribe(h) }
        @log_handles = logger ? EventLog.new(logger).attach(@events) : []
      end
      self
    end

    # Tests: close! whatever runs and forget the configuration.
    def reset!
      @lock.synchronize do
        @producer&.close! unless @producer&.closed?
        @producer = nil
        @configuration = nil
        @configured = false
      end
    end
  end
end

require "kinesis_jwt_pipeline/railtie" if defined?(Rails::Railtie)
