# frozen_string_literal: true

require "digest"

module KinesisJwtPipeline
  # KPL aggregation (`c.aggregate = true`, off by default): the messages of one partition key that are sent in
  # the same PutRecords call go as one Kinesis record in the Kinesis Producer Library's format, the magic bytes
  # F3 89 9A C2, a protobuf AggregatedRecord, the MD5 of the protobuf bytes (docs/contract.md §1.1 of the
  # pipeline). A shard takes 1,000 records/s but 1 MiB/s: small messages packed this way use the second limit.
  # The protobuf messages come from google-protobuf (Debian ruby-google-protobuf), loaded only when aggregation
  # is on, so the gem keeps working without it.
  module Aggregation
    MAGIC = [0xF3, 0x89, 0x9A, 0xC2].pack("C*").freeze
    DIGEST_BYTES = 16
    # KPL's default bound on one aggregate (AggregationMaxSize).
    DEFAULT_MAX_BYTES = 51_200
    MAX_BYTES = 1024 * 1024
    # The consumer refuses an aggregate of more user records than this (lib/kinesis/aggregation.ts).
    MAX_USER_RECORDS = 10_000

    module_function

    # The protobuf classes, built once on first use in a pool of their own (no clash with an application's).
    def schema
      @schema ||= begin
        begin
          require "google/protobuf"
        rescue LoadError
          raise ConfigurationError.new("aggregate = true needs the google-protobuf gem",
                                       hint: "apt-get install ruby-google-protobuf (or add google-protobuf to the Gemfile)")
        end
        pool = Google::Protobuf::DescriptorPool.new
        pool.build do
          add_file("kinesis_jwt_pipeline/kpl_aggregation.proto", syntax: :proto2) do
            add_message "kinesis_jwt_pipeline.kpl.AggregatedRecord" do
              repeated :partition_key_table, :string, 1
              repeated :explicit_hash_key_table, :string, 2
              repeated :records, :message, 3, "kinesis_jwt_pipeline.kpl.Record"
            end
            add_message "kinesis_jwt_pipeline.kpl.Tag" do
              required :key, :string, 1
              optional :value, :string, 2
            end
            add_message "kinesis_jwt_pipeline.kpl.Record" do
              required :partition_key_index, :uint64, 1
              optional :explicit_hash_key_index, :uint64, 2
              required :data, :bytes, 3
              repeated :tags, :message, 4, "kinesis_jwt_pipeline.kpl.Tag"
            end
          end
        end
        { aggregate: pool.lookup("kinesis_jwt_pipeline.kpl.AggregatedRecord").msgclass,
          record: pool.lookup("kinesis_jwt_pipeline.kpl.Record").msgclass }
      end
    end

    # The data of one aggregated Kinesis record holding `tokens` (in order) under one partition key.
    def encode(partition_key, tokens)
      s = schema
      records = tokens.map { |t| s[:record].new(partition_key_index: 0, data: t.b) }
      body = s[:aggregate].encode(s[:aggregate].new(partition_key_table: [partition_key], records: records))
      MAGIC + body + Digest::MD5.digest(body)
    end

    # Bytes a user record adds to an aggregate, at most (field tags, lengths, the key index).
    def record_overhead(token_bytes)
      2 * varint_bytes(token_bytes + 16) + 13
    end

    # Bytes of an aggregate's frame: magic, digest and the partition key's table entry.
    def frame_overhead(partition_key)
      MAGIC.bytesize + DIGEST_BYTES + 1 + varint_bytes(partition_key.bytesize) + partition_key.bytesize
    end

    def varint_bytes(n)
      bytes = 1
      while n >= 0x80
        n >>= 7
        bytes += 1
      end
      bytes
    end

    # Decides, while the worker builds a PutRecords call, which messages still fit in their key's aggregate:
    # at most one aggregate per key per call (so nothing of a key is written while an earlier part of it may
    # still fail), each within max_bytes and MAX_USER_RECORDS.
    class BatchPacker
      def initialize(max_bytes)
        @max_bytes = max_bytes
        reset
      end

      def reset
        @groups = {}
      end

      # Whether message m can join its key's aggregate in this call.
      def fits?(message)
        group = @groups[message.partition_key]
        return true if group.nil?

        group[:count] < MAX_USER_RECORDS && group[:bytes] + packed_size(message) <= @max_bytes
      end

      def add(message)
        key = message.partition_key
        group = @groups[key] ||= { count: 0, bytes: key.bytesize + Aggregation.frame_overhead(key) }
        group[:count] += 1
        group[:bytes] += packed_size(message)
      end

      private

      def packed_size(message)
        token_bytes = message.bytesize - message.partition_key.bytesize
        token_bytes + Aggregation.record_overhead(token_bytes)
      end
    end

    # PutRecords with the messages of each key packed into one aggregate (a lone message goes plain). The
    # result names every message, like PutRecords.call: a failed aggregate fails all its messages, which go back
    # to the front of the worker's queue together and keep their order.
    module PutAggregated
      module_function

      def call(client, stream_name, batch)
        groups = batch.group_by(&:partition_key).values
        records = groups.map do |group|
          data = group.size == 1 ? group[0].token : Aggregation.encode(group[0].partition_key, group.map(&:token))
          { data: data, partition_key: group[0].partition_key }
        end
        response = client.put_records(stream_name: stream_name, records: records)
        entries = PutRecords.field(response, :records) || []
        acked = []
        failed = []
        groups.each_with_index do |group, i|
          entry = entries[i]
          code = entry && PutRecords.field(entry, :error_code)
          group.each_with_index do |message, sub|
            if entry.nil?
              failed << [message, "MissingResult", "PutRecords returned no result for this entry"]
            elsif code.nil? || code.to_s.empty?
              acked << [message, PutRecords.field(entry, :sequence_number), PutRecords.field(entry, :shard_id),
                        group.size > 1 ? sub : nil]
            else
              failed << [message, code.to_s, PutRecords.field(entry, :error_message).to_s]
            end
          end
        end
        PutRecords::Result.new(acked, failed, nil)
      rescue StandardError => e
        raise if e.is_a?(ConfigurationError)

        PutRecords::Result.new([], batch.map { |m| [m, e.class.name.split("::").last, e.message.to_s[0, 300]] }, e)
      end
    end
  end
end
