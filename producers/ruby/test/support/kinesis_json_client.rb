# frozen_string_literal: true

require "json"
require "net/http"
require "uri"

# A minimal Kinesis client over the JSON 1.1 protocol, for the gem's tests against kinesis-mock (Debian has
# no aws-sdk-kinesis gem). It signs nothing: kinesis-mock accepts any Authorization header. Responses
# have the shape of Aws::Kinesis::Client's (snake_case), as Hashes.
class KinesisJsonClient
  class ServiceError < StandardError
    attr_reader :code

    def initialize(code, message)
      super("#{code}: #{message}")
      @code = code
    end
  end

  def initialize(endpoint:, read_timeout: 5)
    @uri = URI(endpoint)
    @read_timeout = read_timeout
    @lock = Mutex.new
    @http = nil
  end

  def put_records(stream_name:, records:)
    body = call("PutRecords", "StreamName" => stream_name,
                              "Records" => records.map { |r| { "Data" => [r[:data]].pack("m0"), "PartitionKey" => r[:partition_key] } })
    {
      failed_record_count: body["FailedRecordCount"],
      records: body["Records"].map do |r|
        { sequence_number: r["SequenceNumber"], shard_id: r["ShardId"], error_code: r["ErrorCode"], error_message: r["ErrorMessage"] }
      end
    }
  end

  def create_stream(name, shards: 1)
    call("CreateStream", "StreamName" => name, "ShardCount" => shards)
    deadline = Time.now + 30
    until call("DescribeStreamSummary", "StreamName" => name).dig("StreamDescriptionSummary", "StreamStatus") == "ACTIVE"
      raise "stream #{name} not ACTIVE after 30s" if Time.now > deadline

      sleep 0.05
    end
  end

  # Every record of the stream, all shards, oldest first per shard: [{partition_key:, data:, sequence_number:, shard_id:}]
  def read_all(stream_name)
    shards = call("ListShards", "StreamName" => stream_name)["Shards"].map { |s| s["ShardId"] }
    shards.flat_map do |shard|
      iterator = call("GetShardIterator", "StreamName" => stream_name, "ShardId" => shard, "ShardIteratorType" => "TRIM_HORIZON")["ShardIterator"]
      out = []
      loop do
        page = call("GetRecords", "ShardIterator" => iterator, "Limit" => 10_000)
        page["Records"].each do |r|
          out << { partition_key: r["PartitionKey"], data: r["Data"].unpack1("m0"), sequence_number: r["SequenceNumber"], shard_id: shard }
        end
        iterator = page["NextShardIterator"]
        break if page["Records"].empty? || iterator.nil?
      end
      out
    end
  end

  private

  def call(target, payload)
    @lock.synchronize do
      response = http.post("/", JSON.generate(payload), headers(target))
      body = response.body.to_s.empty? ? {} : JSON.parse(response.body)
      unless response.code == "200"
        code = body["__type"].to_s.split("#").last || "HTTP#{response.code}"
        raise ServiceError.new(code, body["message"] || body["Message"] || response.body)
      end
      body
    rescue IOError, SystemCallError, Net::OpenTimeout, Net::ReadTimeout
      @http&.finish rescue nil # rubocop:disable Style/RescueModifier
      @http = nil
      raise
    end
  end

  def http
    @http ||= Net::HTTP.new(@uri.host, @uri.port).tap do |h|
      h.open_timeout = 1
      h.read_timeout = @read_timeout
      h.keep_alive_timeout = 30
      h.start
    end
  end

  def headers(target)
    {
      "Content-Type" => "application/x-amz-json-1.1",
      "X-Amz-Target" => "Kinesis_20131202.#{target}",
      "X-Amz-Date" => Time.now.utc.strftime("%Y%m%dT%H%M%SZ"),
      "Authorization" => "AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=test"
    }
  end
end
