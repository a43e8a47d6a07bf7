# frozen_string_literal: true

require "test_helper"
require "digest"

# KPL aggregation (c.aggregate = true): the gem builds byte for byte the aggregates of
# test/vectors/aggregates.json, which the TypeScript consumer unpacks and verifies (test/vectors/aggregates.test.ts),
# and it unpacks and verifies the ones TypeScript built; against the emulator, the messages of a key travel as one
# record, in order, and a throttled aggregate is retried whole.
class AggregationTest < Minitest::Test
  Aggregation = KinesisJwtPipeline::Aggregation
  DIR = File.join(KinesisMock::REPO_ROOT, "test", "vectors")
  VECTORS = JSON.parse(File.read(File.join(DIR, "aggregates.json")))

  # Reads an aggregate the way a consumer does: magic, MD5 of the protobuf, then the user records.
  def unpack(data)
    data = data.b
    return [[nil, data]] unless data.start_with?(Aggregation::MAGIC)

    body = data.byteslice(4, data.bytesize - 4 - Aggregation::DIGEST_BYTES)
    assert_equal Digest::MD5.digest(body), data.byteslice(-Aggregation::DIGEST_BYTES, Aggregation::DIGEST_BYTES)
    message = Aggregation.schema[:aggregate].decode(body)
    message.records.map { |r| [message.partition_key_table[r.partition_key_index], r.data] }
  end

  def vector_verifier
    cfg = VECTORS["verifier"]
    issuers = cfg["issuers"].to_h { |i| [i["issuer"], JSON.parse(File.read(File.join(DIR, i["jwks"])))] }
    KinesisJwtPipeline::TokenVerifier.new(issuers: issuers, audience: cfg["audience"],
                                          clock_tolerance: cfg["clockToleranceSec"], max_lifetime: cfg["maxLifetimeSec"])
  end

  def test_the_gem_builds_the_same_bytes_as_the_typescript_publisher
    refute_empty VECTORS["aggregates"]
    VECTORS["aggregates"].each do |vec|
      built = Aggregation.encode(vec["partitionKey"], vec["tokens"])
      assert_equal Base64.strict_decode64(vec["aggregate"]).unpack1("H*"), built.unpack1("H*"), vec["name"]
    end
  end

  def test_typescript_aggregates_unpack_and_verify_in_ruby
    verifier = vector_verifier
    VECTORS["aggregates"].each do |vec|
      records = unpack(Base64.strict_decode64(vec["aggregate"]))
      assert_equal vec["tokens"], records.map(&:last), vec["name"]
      assert_equal [vec["partitionKey"]], records.map(&:first).uniq.map { |k| k.dup.force_encoding("UTF-8") }
      records.each { |(_, token)| verifier.verify(token, now: VECTORS["now"]) }
    end
  end

  def test_configuration_is_checked_at_boot
    config = build_config(client: nil) { |c| c.aggregate = "yes" }
    assert_raises(KinesisJwtPipeline::ConfigurationError) { config.validate! }
    config = build_config(client: nil) { |c| c.aggregate = true; c.max_aggregate_bytes = 2 * 1024 * 1024 }
    assert_raises(KinesisJwtPipeline::ConfigurationError) { config.validate! }
    assert build_config(client: nil) { |c| c.aggregate = true }.validate!
    refute KinesisJwtPipeline::Configuration.new.aggregate, "off by default"
  end

  def test_messages_of_one_key_travel_as_one_aggregate_in_order
    stream = KinesisMock.create_stream("aggregate")
    kinesis = KinesisMock.client
    producer = producer_for(build_config(client: kinesis, stream: stream) { |c| c.aggregate = true; c.linger = 0.2 })
    events = collect_events(producer)
    30.times { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: "acc-#{i % 3}") }
    assert producer.flush(5)
    got = kinesis.read_all(stream)
    assert_operator got.size, :<, 30, "packed: fewer Kinesis records than messages"
    by_key = Hash.new { |h, k| h[k] = [] }
    got.each do |record|
      unpack(record[:data]).each do |(key, token)|
        assert_equal record[:partition_key], key if key
        by_key[record[:partition_key]] << verifier.verify(token).last["data"]["n"]
      end
    end
    3.times { |k| assert_equal (0...30).select { |i| i % 3 == k }, by_key["acc-#{k}"] }
    acked = events["acknowledged"].flat_map { |e| e[:records] }
    assert_equal 30, acked.size
    assert(acked.any? { |r| r[:sub_sequence_number]&.positive? })
  end

  def test_a_throttled_aggregate_is_retried_whole_and_keeps_its_order
    stream = KinesisMock.create_stream("aggregate-retry")
    client = FaultInjectingClient.new(KinesisMock.client)
    client.fail_entries(calls: 1) { |r| r[:partition_key] == "a" ? "ProvisionedThroughputExceededException" : nil }
    producer = producer_for(build_config(client: client, stream: stream) { |c| c.aggregate = true; c.linger = 0.2 })
    10.times { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: i.even? ? "a" : "b") }
    assert producer.flush(5)
    got = KinesisMock.client.read_all(stream)
    ns = ->(key) { got.select { |r| r[:partition_key] == key }.flat_map { |r| unpack(r[:data]).map { |(_, t)| verifier.verify(t).last["data"]["n"] } } }
    assert_equal [0, 2, 4, 6, 8], ns.call("a")
    assert_equal [1, 3, 5, 7, 9], ns.call("b")
  end
end
