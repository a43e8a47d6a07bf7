# frozen_string_literal: true

require "test_helper"

# The producer's and the worker's states, and the transitions they refuse.
class LifecycleStatesTest < Minitest::Test
  def test_lifecycle_moves_only_along_allowed_transitions
    l = KinesisJwtPipeline::Lifecycle.new({ a: %i[b], b: %i[c], c: [] }, :a)
    assert_raises(KinesisJwtPipeline::Lifecycle::InvalidTransition) { l.to!(:c) }
    assert_equal :a, l.state
    l.to!(:b)
    refute l.move(:a), "no way back"
    assert l.in?(:b, :c)
    assert_raises(ArgumentError) { l.move(:nowhere) }
  end

  def test_producer_goes_idle_running_closed_and_its_worker_running_stopped
    stream = KinesisMock.create_stream("states")
    producer = producer_for(build_config(client: KinesisMock.client, stream: stream))
    assert_equal :idle, producer.state
    producer.publish("deal.stage_changed", { "n" => 1 }, partition_key: "k")
    assert_equal :running, producer.state
    worker = producer.instance_variable_get(:@worker)
    assert_equal :running, worker.phase
    assert producer.close(5)
    assert_equal :closed, producer.state
    assert_equal :stopped, worker.phase
    assert_raises(KinesisJwtPipeline::ClosedError) { producer.publish("deal.stage_changed", { "n" => 2 }, partition_key: "k") }
    assert producer.close(1), "closing twice is harmless"
    assert_equal 1, KinesisMock.client.read_all(stream).size
  end

  def test_a_producer_closed_before_publishing_never_starts
    producer = producer_for(build_config(client: KinesisMock.client))
    assert producer.close!
    assert_equal :closed, producer.state
    assert_raises(KinesisJwtPipeline::ClosedError) { producer.publish("deal.stage_changed", {}, partition_key: "k") }
    refute producer.started?
  end

  def test_the_worker_routes_to_the_journal_during_an_outage_and_back_after
    client = FaultInjectingClient.new(KinesisMock.client)
    stream = KinesisMock.create_stream("states")
    producer = producer_for(build_config(client: client, stream: stream, journal: File.join(tmpdir, "j")) { |c| c.retry_deadline = 0.05 })
    client.down!
    producer.publish("deal.stage_changed", { "n" => 1 }, partition_key: "k")
    wait_until { producer.depth[:outage] }
    client.up!
    wait_until { !producer.depth[:outage] }
    assert producer.close(5)
    assert_equal 1, KinesisMock.client.read_all(stream).size
  end
end
