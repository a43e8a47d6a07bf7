# frozen_string_literal: true

require "test_helper"

# Fork safety, signal traps, the module-level API and its events.
class LifecycleTest < Minitest::Test
  def setup
    @stream = KinesisMock.create_stream("lifecycle")
    @kinesis = KinesisMock.client
  end

  def teardown
    KinesisJwtPipeline.reset!
    super
  end

  def configure_module(**overrides)
    stream = @stream
    base = build_config(client: -> { KinesisMock.client }, stream: stream)
    KinesisJwtPipeline.configure do |c|
      %i[stream_name issuer audience signing_key kinesis_client linger retry_base_delay retry_max_delay
         retry_deadline probe_interval shutdown_timeout journal_path].each { |k| c.public_send("#{k}=", base.public_send(k)) }
      c.flush_at_exit = true
      overrides.each { |k, v| c.public_send("#{k}=", v) }
    end
  end

  def test_forked_child_gets_its_own_worker_and_flushes_at_exit
    configure_module
    KinesisJwtPipeline.publish("deal.stage_changed", { "from" => "parent" }, partition_key: "p")
    parent_thread = KinesisJwtPipeline.producer.instance_variable_get(:@worker).thread
    reader, writer = IO.pipe
    pid = fork do
      reader.close
      KinesisJwtPipeline.publish("deal.stage_changed", { "from" => "child" }, partition_key: "c")
      child_thread = KinesisJwtPipeline.producer.instance_variable_get(:@worker).thread
      writer.puts(child_thread.alive? && !child_thread.equal?(parent_thread) ? "own-worker" : "shared")
      writer.close
      # no explicit flush: the at_exit hook of the child must deliver it
    end
    writer.close
    assert_equal "own-worker", reader.read.strip
    Process.wait(pid)
    assert_equal 0, $?.exitstatus
    assert KinesisJwtPipeline.flush(5)
    froms = @kinesis.read_all(@stream).map { |r| verifier.verify(r[:data]).last["data"]["from"] }
    assert_equal %w[child parent], froms.sort, "each record exactly once: the child did not resend the parent's queue"
  end

  def test_flush_and_close_work_from_a_signal_trap
    configure_module(linger: 5.0)
    KinesisJwtPipeline.publish("deal.stage_changed", { "n" => 1 }, partition_key: "k")
    result = nil
    old = trap("USR2") { result = KinesisJwtPipeline.close(3) }
    begin
      Process.kill("USR2", Process.pid)
      wait_until { !result.nil? }
    ensure
      trap("USR2", old || "DEFAULT")
    end
    assert_equal true, result
    assert_equal 1, @kinesis.read_all(@stream).size
  end

  def test_module_api_and_active_support_notifications
    require "active_support"
    require "active_support/notifications"
    configure_module
    seen = []
    sub = ActiveSupport::Notifications.subscribe(/kinesis_jwt_pipeline/) { |name, *_| seen << name }
    own = []
    handle = KinesisJwtPipeline.subscribe("acknowledged") { |_, payload| own << payload[:count] }
    begin
      jti = KinesisJwtPipeline.publish("deal.stage_changed", { "n" => 1 }, partition_key: "k")
      assert KinesisJwtPipeline.flush(5)
    ensure
      ActiveSupport::Notifications.unsubscribe(sub)
      KinesisJwtPipeline.unsubscribe(handle)
    end
    assert_includes seen, "published.kinesis_jwt_pipeline"
    assert_includes seen, "acknowledged.kinesis_jwt_pipeline"
    assert_equal [1], own
    assert_equal jti, verifier.verify(@kinesis.read_all(@stream).first[:data]).last["jti"]
    assert_equal({ "keys" => [GemTestHelpers.es256_key.public_jwk] }, KinesisJwtPipeline.public_jwks)
  end

  def test_configure_refuses_incomplete_configuration
    err = assert_raises(KinesisJwtPipeline::ConfigurationError) { KinesisJwtPipeline.configure { |c| c.stream_name = "s" } }
    assert_match(/issuer, audience, signing_key/, err.message)
    assert_raises(KinesisJwtPipeline::ConfigurationError) do
      configure_module(when_full: :wait)
    end
  end
end
