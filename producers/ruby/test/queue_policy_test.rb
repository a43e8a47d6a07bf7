# frozen_string_literal: true

require "test_helper"

# A full queue under each policy. Kinesis is really unreachable here (a closed port), and the worker holds
# at most max_batch_records retries, so the queue bound is what pushes back on publish.
class QueuePolicyTest < Minitest::Test
  def stalled_producer(policy, **overrides)
    client = FaultInjectingClient.new(KinesisMock.client).tap(&:down!)
    config = build_config(client: client) do |c|
      c.when_full = policy
      c.max_queue = 3
      c.max_batch_records = 1
      c.retry_deadline = 60
      c.block_timeout = 0.15
      overrides.each { |k, v| c.public_send("#{k}=", v) }
    end
    producer = producer_for(config)
    producer.publish("deal.stage_changed", { "n" => 0 }, partition_key: "k")
    wait_until { producer.depth[:in_worker] == 1 }
    3.times { |i| producer.publish("deal.stage_changed", { "n" => i + 1 }, partition_key: "k") }
    assert_equal 3, producer.depth[:queued]
    producer
  end

  def test_raise_policy_refuses_at_once
    producer = stalled_producer(:raise, block_timeout: 3)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    err = assert_raises(KinesisJwtPipeline::QueueFullError) { producer.publish("deal.stage_changed", {}, partition_key: "k") }
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :<, 1.5, "did not wait for block_timeout"
    assert_match(%r{3/3 messages}, err.message)
  end

  def test_block_policy_waits_up_to_block_timeout_then_raises
    producer = stalled_producer(:block)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    assert_raises(KinesisJwtPipeline::QueueFullError) { producer.publish("deal.stage_changed", {}, partition_key: "k") }
    waited = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    assert_operator waited, :>=, 0.14
    assert_operator waited, :<, 2.0
  end

  def test_drop_policy_drops_with_an_event
    producer = stalled_producer(:drop)
    events = collect_events(producer)
    jti = producer.publish("deal.stage_changed", { "n" => 9 }, partition_key: "k")
    assert_equal 1, events["dropped"].size
    assert_equal [jti], events["dropped"].first[:jtis]
    assert_equal :queue_full, events["dropped"].first[:reason]
    assert_equal 3, producer.depth[:queued]
  end

  def test_byte_bound_applies_too
    producer = stalled_producer(:raise, max_queue: 100, max_queue_bytes: 2_000)
    assert_raises(KinesisJwtPipeline::QueueFullError) { producer.publish("deal.stage_changed", { "pad" => "x" * 1_500 }, partition_key: "k") }
    assert_operator producer.depth[:queued_bytes], :<=, 2_000
  end

  def test_blocked_publish_goes_through_when_room_frees_up
    queue = KinesisJwtPipeline::BoundedQueue.new(max_count: 1, max_bytes: 1_000_000, wake_at: 10)
    m = ->(i) { KinesisJwtPipeline::Message.signed(partition_key: "k", token: "t#{i}") }
    queue.push(m.call(1), policy: :raise)
    taker = Thread.new { sleep 0.05; queue.take(max: 10, max_bytes: 1_000_000, linger: 0, wait: 0) }
    assert queue.push(m.call(2), policy: :block, timeout: 2)
    assert_equal ["t1"], taker.value.map(&:token)
    assert_equal 2, queue.last_seq
  end
end
