# frozen_string_literal: true

# Caller-thread latency of KinesisJwtPipeline publish (p50/p99, µs) and sustained messages/s with ES256
# signing on the worker. Kinesis is replaced by an in-memory client that acknowledges every entry at once
# (no network), so the figures are the gem's own cost; the emulator's speed is measured elsewhere.
# Usage: ruby producers/ruby/bench/publish_bench.rb [messages]   Last line: one JSON object.
$LOAD_PATH.unshift File.expand_path("../lib", __dir__)
require "kinesis_jwt_pipeline"

# Acknowledges everything; keeps nothing (so memory stays flat over long runs).
class InMemoryAckClient
  attr_reader :records

  def initialize
    @records = 0
    @seq = 0
  end

  def put_records(stream_name:, records:)
    @records += records.size
    { failed_record_count: 0, records: records.map { { sequence_number: (@seq += 1).to_s, shard_id: "shardId-000000000000" } } }
  end
end

def percentile(sorted, p)
  sorted[[(sorted.size * p).ceil - 1, 0].max]
end

count = Integer(ARGV[0] || 20_000)
client = InMemoryAckClient.new
config = KinesisJwtPipeline::Configuration.new
config.stream_name = "bench"
config.issuer = "rails-bench"
config.audience = "kjp-bench"
config.signing_key = KinesisJwtPipeline::SigningKey.generate(alg: "ES256", kid: "bench")
config.kinesis_client = client
config.max_queue = count * 2
config.max_queue_bytes = 512 * 1024 * 1024
config.flush_at_exit = false
producer = KinesisJwtPipeline::Producer.new(config)
data = { "dealId" => "d-123", "stage" => "won", "amount" => 1200, "currency" => "EUR", "changedBy" => "u-42" }

# warm-up: JIT-free Ruby still benefits from warmed caches and a started worker
2_000.times { |i| producer.publish("deal.stage_changed", data, partition_key: "acc-#{i % 100}", sub: "acc-#{i % 100}") }
producer.flush(30)
GC.start

# 1. latency: publishes back to back, each call timed alone, while the worker signs and "sends" the earlier
#    ones on its thread (the worst case for GVL contention); the queue is large enough never to fill
latencies = Array.new(count)
clock = Process::CLOCK_MONOTONIC
count.times do |i|
  key = "acc-#{i % 100}"
  t0 = Process.clock_gettime(clock, :nanosecond)
  producer.publish("deal.stage_changed", data, partition_key: key, sub: key)
  latencies[i] = (Process.clock_gettime(clock, :nanosecond) - t0) / 1000.0
end
producer.flush(60)
sorted = latencies.sort
p50 = percentile(sorted, 0.50).round(1)
p99 = percentile(sorted, 0.99).round(1)

# 2. throughput: publish as fast as possible, then wait until the worker has signed and "sent" everything
before = client.records
t0 = Process.clock_gettime(clock)
count.times { |i| producer.publish("deal.stage_changed", data, partition_key: "acc-#{i % 100}", sub: "acc-#{i % 100}") }
raise "flush timed out" unless producer.flush(120)

elapsed = Process.clock_gettime(clock) - t0
sent = client.records - before
raise "sent #{sent}, expected #{count}" unless sent == count

msgs_per_s = (count / elapsed).round
producer.close(5)

puts "ruby #{RUBY_VERSION}, jwt #{JWT::VERSION::STRING}, ES256, #{count} messages, in-memory acknowledging client (no network)"
puts "caller-thread publish latency: p50 #{p50} µs, p99 #{p99} µs, max #{sorted.last.round(1)} µs"
puts "sustained (publish + sign on worker + batch): #{msgs_per_s} msgs/s"
puts JSON.generate("ruby_publish_p50_us" => p50, "ruby_publish_p99_us" => p99, "ruby_msgs_per_s" => msgs_per_s)
