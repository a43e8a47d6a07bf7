# frozen_string_literal: true

require "test_helper"

# The producer against the real emulator: batching, retries of failed entries only, order per key,
# spill to the journal during an outage and resend after it.
class ProducerKinesisTest < Minitest::Test
  def setup
    @stream = KinesisMock.create_stream("producer")
    @kinesis = KinesisMock.client
  end

  def records
    @kinesis.read_all(@stream)
  end

  def claims_of(record)
    verifier.verify(record[:data]).last
  end

  def test_publish_returns_at_once_and_flush_delivers_verifiable_tokens
    producer = producer_for(build_config(client: @kinesis, stream: @stream))
    events = collect_events(producer)
    jtis = 30.times.map { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: "acc-#{i % 3}", sub: "acc-#{i % 3}") }
    assert producer.flush(5)
    got = records
    assert_equal jtis.sort, got.map { |r| claims_of(r)["jti"] }.sort
    got.each { |r| assert_equal claims_of(r)["sub"], r[:partition_key] }
    assert_equal 30, events["published"].size
    assert_equal 30, events["acknowledged"].sum { |e| e[:count] }
    assert_equal 0, producer.depth[:queued]
  end

  def test_partial_failures_resubmit_only_the_failed_entries
    client = FaultInjectingClient.new(@kinesis)
    # first call: every entry whose key ends in 1 is throttled, the others succeed
    client.fail_entries(calls: 1) { |r| r[:partition_key].end_with?("1") ? "ProvisionedThroughputExceededException" : nil }
    producer = producer_for(build_config(client: client, stream: @stream) { |c| c.ordering = :relaxed })
    events = collect_events(producer)
    20.times { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: "k#{i % 2}") }
    assert producer.flush(5)
    got = records
    assert_equal 20, got.size, "each record exactly once: only the failed ones were resubmitted"
    assert_equal (0...20).to_a, got.map { |r| claims_of(r)["data"]["n"] }.sort
    assert_equal 10, events["retried"].sum { |e| e[:count] }
    assert_equal({ "ProvisionedThroughputExceededException" => 10 }, events["retried"].first[:error_codes])
    assert_equal [20, 10], client.calls
  end

  def test_throttled_calls_back_off_and_keep_order_per_partition_key
    client = FaultInjectingClient.new(@kinesis)
    # throttle the first entry of key "a" three times; "b" is never throttled
    throttled = 0
    client.fail_entries(calls: 1000) { |r| r[:partition_key] == "a" && (throttled += 1) <= 3 ? "ProvisionedThroughputExceededException" : nil }
    producer = producer_for(build_config(client: client, stream: @stream))
    events = collect_events(producer)
    10.times { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: "a") }
    10.times { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: "b") }
    assert producer.flush(5)
    got = records
    %w[a b].each do |key|
      ns = got.select { |r| r[:partition_key] == key }.map { |r| claims_of(r)["data"]["n"] }
      assert_equal (0...10).to_a, ns, "order of key #{key} kept"
    end
    assert_equal 3, events["retried"].size
    assert_operator events["retried"].map { |e| e[:attempts] }.max, :>=, 3
  end

  def test_long_outage_spills_to_the_journal_and_resends_on_recovery
    client = FaultInjectingClient.new(@kinesis)
    client.down!
    journal = File.join(tmpdir, "journal")
    producer = producer_for(build_config(client: client, stream: @stream, journal: journal) { |c| c.retry_deadline = 0.2 })
    events = collect_events(producer)
    5.times { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: "k") }
    wait_until { events["spilled"].sum { |e| e[:count] } == 5 }
    assert producer.depth[:outage]
    5.times { |i| producer.publish("deal.stage_changed", { "n" => 5 + i }, partition_key: "k") }
    assert producer.flush(5), "records spilled during the outage count as settled"
    assert_equal 10, producer.depth(include_journal: true)[:spilled]
    lines = Dir.glob(File.join(journal, "spill-*.jsonl")).sort.flat_map { |f| File.readlines(f) }
    assert_equal (0...10).to_a, lines.map { |l| claims_of(data: JSON.parse(l)["data"])["data"]["n"] }
    assert_empty records

    client.up!
    wait_until { !producer.depth[:outage] }
    got = records
    assert_equal (0...10).to_a, got.map { |r| claims_of(r)["data"]["n"] }, "resent in order"
    assert_empty Dir.glob(File.join(journal, "spill-*")), "journal removed once resent"
    assert_equal 10, events["journal_resent"].sum { |e| e[:count] }

    producer.publish("deal.stage_changed", { "n" => 10 }, partition_key: "k")
    assert producer.flush(5)
    assert_equal 11, records.size
  end

  def test_journal_left_by_a_dead_process_is_resent_on_start
    journal = File.join(tmpdir, "journal")
    dead = producer_for(build_config(client: FaultInjectingClient.new(@kinesis).tap(&:down!), stream: @stream, journal: journal))
    3.times { |i| dead.publish("deal.stage_changed", { "n" => i }, partition_key: "k") }
    dead.close! # as if the process died: everything in memory goes to disk
    assert_equal 3, Dir.glob(File.join(journal, "spill-*.jsonl")).sum { |f| File.readlines(f).size }

    fresh = producer_for(build_config(client: @kinesis, stream: @stream, journal: journal))
    fresh.publish("deal.stage_changed", { "n" => 3 }, partition_key: "k")
    assert fresh.flush(5)
    wait_until { records.size == 4 }
    assert_equal [0, 1, 2, 3], records.map { |r| claims_of(r)["data"]["n"] }
  end

  def test_close_with_a_deadline_spills_what_kinesis_did_not_take
    client = FaultInjectingClient.new(@kinesis)
    client.down!
    journal = File.join(tmpdir, "journal")
    producer = producer_for(build_config(client: client, stream: @stream, journal: journal) { |c| c.retry_deadline = 60 })
    events = collect_events(producer)
    4.times { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: "k#{i}") }
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    refute producer.close(0.3), "not everything was delivered"
    elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    assert_operator elapsed, :<, 1.5, "close respects its deadline (retry_deadline is 60 s)"
    assert_equal 4, events["spilled"].sum { |e| e[:count] }
    assert_raises(KinesisJwtPipeline::ClosedError) { producer.publish("deal.stage_changed", {}, partition_key: "k") }
  end

  def test_close_delivers_everything_when_kinesis_is_up
    producer = producer_for(build_config(client: @kinesis, stream: @stream) { |c| c.linger = 1.0 })
    7.times { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: "k") }
    assert producer.close(5)
    assert_equal 7, records.size
  end

  def test_without_a_journal_records_stay_queued_and_are_reported_when_dropped_at_close
    client = FaultInjectingClient.new(@kinesis)
    client.down!
    producer = producer_for(build_config(client: client, stream: @stream) { |c| c.retry_deadline = 0.05 })
    events = collect_events(producer)
    2.times { |i| producer.publish("deal.stage_changed", { "n" => i }, partition_key: "k") }
    sleep 0.2
    assert_equal 2, producer.depth[:in_worker] + producer.depth[:queued], "kept in memory, still retried"
    refute producer.close(0.2)
    assert_equal 2, events["dropped"].sum { |e| e[:count] }
    assert_equal 2, events["dropped"].flat_map { |e| e[:records] }.size, "the dropped records are handed to subscribers"
  end

  def test_publish_bang_is_synchronous
    producer = producer_for(build_config(client: @kinesis, stream: @stream))
    result = producer.publish!("deal.stage_changed", { "n" => 1 }, partition_key: "k")
    assert_match(/\A\d+\z/, result[:sequence_number])
    assert_equal [result[:jti]], records.map { |r| claims_of(r)["jti"] }

    down = FaultInjectingClient.new(@kinesis).tap(&:down!)
    producer2 = producer_for(build_config(client: down, stream: @stream))
    assert_raises(KinesisJwtPipeline::DeliveryError) { producer2.publish!("deal.stage_changed", {}, partition_key: "k", timeout: 0.2) }
  end
end
