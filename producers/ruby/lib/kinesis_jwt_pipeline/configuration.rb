# frozen_string_literal: true

module KinesisJwtPipeline
  # Everything `KinesisJwtPipeline.configure { |c| ... }` sets. Checked once by #validate! when the
  # producer is built, so a typo fails at boot rather than on the first publish.
  class Configuration
    WHEN_FULL = %i[block raise drop].freeze
    ORDERING = %i[strict relaxed].freeze
    MAX_PUT_RECORDS = 500
    MAX_PUT_RECORDS_BYTES = 5 * 1024 * 1024

    attr_accessor :stream_name, :issuer, :audience, :signing_key, :kinesis_client,
                  :max_queue, :max_queue_bytes, :when_full, :block_timeout, :linger,
                  :max_batch_records, :max_batch_bytes, :retry_deadline, :retry_base_delay, :retry_max_delay,
                  :journal_path, :probe_interval, :ttl, :validate_with, :ordering, :shutdown_timeout,
                  :flush_at_exit, :additional_public_keys, :aggregate, :max_aggregate_bytes

    def initialize
      @max_queue = 10_000
      @max_queue_bytes = 64 * 1024 * 1024
      @when_full = :block
      @block_timeout = 0.05 # a request thread waits at most this long for room, then QueueFullError
      @linger = 0.1
      @max_batch_records = MAX_PUT_RECORDS
      @max_batch_bytes = MAX_PUT_RECORDS_BYTES
      @retry_deadline = 30.0 # per record, from its first failure, before it is spilled to the journal
      @retry_base_delay = 0.1
      @retry_max_delay = 5.0
      @probe_interval = 5.0 # while spilled: how often to try Kinesis again
      @ttl = 7 * 24 * 3600
      @ordering = :strict
      @shutdown_timeout = 10.0
      @flush_at_exit = true
      # storage/ survives deploys and `rails tmp:clear`; outside Rails spilling is opt-in
      @journal_path = defined?(::Rails) && ::Rails.respond_to?(:root) && ::Rails.root ? ::Rails.root.join("storage", "kinesis_jwt_pipeline").to_s : nil
      @validate_with = nil
      # public JWKs still trusted during a rotation (old key, or the next one published ahead): Hashes or paths
      @additional_public_keys = []
      # KPL aggregation (aggregation.rb): off until every consumer of the stream de-aggregates
      @aggregate = false
      @max_aggregate_bytes = Aggregation::DEFAULT_MAX_BYTES
    end

    def validate!
      missing = %i[stream_name issuer audience signing_key].select { |k| blank?(public_send(k)) }
      unless missing.empty?
        raise ConfigurationError.new("missing configuration: #{missing.join(', ')}",
                                     hint: "set them in config/initializers/kinesis_jwt_pipeline.rb")
      end
      raise ConfigurationError, "audience must be a String (the pipeline name)" unless audience.is_a?(String)
      raise ConfigurationError, "when_full must be one of #{WHEN_FULL.inspect}" unless WHEN_FULL.include?(when_full)
      raise ConfigurationError, "ordering must be one of #{ORDERING.inspect}" unless ORDERING.include?(ordering)
      unless max_batch_records.is_a?(Integer) && max_batch_records.between?(1, MAX_PUT_RECORDS)
        raise ConfigurationError, "max_batch_records must be 1..#{MAX_PUT_RECORDS} (PutRecords limit)"
      end
      unless max_batch_bytes.is_a?(Integer) && max_batch_bytes.between?(1_048_576, MAX_PUT_RECORDS_BYTES)
        raise ConfigurationError, "max_batch_bytes must be 1 MiB..5 MiB (PutRecords limit)"
      end
      %i[max_queue max_queue_bytes ttl].each do |k|
        raise ConfigurationError, "#{k} must be a positive Integer" unless public_send(k).is_a?(Integer) && public_send(k).positive?
      end
      %i[block_timeout linger retry_deadline retry_base_delay retry_max_delay probe_interval shutdown_timeout].each do |k|
        raise ConfigurationError, "#{k} must be a non-negative number of seconds" unless public_send(k).is_a?(Numeric) && public_send(k) >= 0
      end
      validate_aggregation!
      self
    end

    private

    def validate_aggregation!
      raise ConfigurationError, "aggregate must be true or false" unless [true, false].include?(aggregate)
      return unless aggregate

      unless max_aggregate_bytes.is_a?(Integer) && max_aggregate_bytes.between?(1024, Aggregation::MAX_BYTES)
        raise ConfigurationError, "max_aggregate_bytes must be 1 KiB..1 MiB (one Kinesis record)"
      end
      Aggregation.schema # fails at boot, not on the first batch, when google-protobuf is missing
    end

    def blank?(value)
      value.nil? || (value.respond_to?(:empty?) && value.empty?)
    end
  end
end
