# frozen_string_literal: true

module KinesisJwtPipeline
  # One PutRecords call, read into acknowledged and failed entries. Works with Aws::Kinesis::Client
  # (response structs) and with any client returning the same shape as Hashes.
  module PutRecords
    Result = Struct.new(:acked, :failed, :exception) # acked: [[msg, sequence_number, shard_id]], failed: [[msg, code, text]]

    module_function

    def call(client, stream_name, batch)
      response = client.put_records(
        stream_name: stream_name,
        records: batch.map { |m| { data: m.token, partition_key: m.partition_key } }
      )
      entries = field(response, :records) || []
      acked = []
      failed = []
      batch.each_with_index do |message, i|
        entry = entries[i]
        code = entry && field(entry, :error_code)
        if entry.nil?
          failed << [message, "MissingResult", "PutRecords returned no result for this entry"]
        elsif code.nil? || code.to_s.empty?
          acked << [message, field(entry, :sequence_number), field(entry, :shard_id)]
        else
          failed << [message, code.to_s, field(entry, :error_message).to_s]
        end
      end
      Result.new(acked, failed, nil)
    rescue StandardError => e
      # The whole call failed (network, throttled call, 5xx): every entry is retried.
      Result.new([], batch.map { |m| [m, e.class.name.split("::").last, e.message.to_s[0, 300]] }, e)
    end

    def field(obj, name)
      if obj.is_a?(Hash)
        obj.key?(name) ? obj[name] : obj[name.to_s]
      elsif obj.respond_to?(name)
        obj.public_send(name)
      end
    end
  end
end
