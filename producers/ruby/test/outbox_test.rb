# frozen_string_literal: true

require "test_helper"
require "erb"
require "sqlite3"
require "kinesis_jwt_pipeline/outbox"

# The outbox with ActiveRecord on sqlite, its table created by the generator's migration template, relayed
# into kinesis-mock.
class OutboxTest < Minitest::Test
  TEMPLATE = File.expand_path("../lib/generators/kinesis_jwt_pipeline/outbox/templates/create_kinesis_jwt_pipeline_outbox_messages.rb.tt", __dir__)

  def setup
    ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: ":memory:")
    ActiveRecord::Migration.verbose = false
    Object.send(:remove_const, :CreateKinesisJwtPipelineOutboxMessages) if defined?(::CreateKinesisJwtPipelineOutboxMessages)
    eval(ERB.new(File.read(TEMPLATE)).result(binding), TOPLEVEL_BINDING, TEMPLATE) # rubocop:disable Security/Eval
    ::CreateKinesisJwtPipelineOutboxMessages.migrate(:up)
    ActiveRecord::Base.connection.create_table(:deals) { |t| t.string :stage }
    @deal_class = Class.new(ActiveRecord::Base) { self.table_name = "deals" }
    @stream = KinesisMock.create_stream("outbox")
    @kinesis = KinesisMock.client
    @envelope = KinesisJwtPipeline::Envelope.new(issuer: ISSUER, audience: AUDIENCE, signing_key: GemTestHelpers.es256_key, ttl: 604_800)
  end

  # what the generator passes to the template
  def migration_version
    "[#{ActiveRecord::VERSION::MAJOR}.#{ActiveRecord::VERSION::MINOR}]"
  end

  def teardown
    ActiveRecord::Base.remove_connection
    super
  end

  def change_stage(stage, key, fail_after: false)
    ActiveRecord::Base.transaction do
      @deal_class.create!(stage: stage)
      KinesisJwtPipeline::Outbox.enqueue("deal.stage_changed", { "stage" => stage }, partition_key: key, envelope: @envelope)
      raise ActiveRecord::Rollback if fail_after
    end
  end

  def test_rows_commit_with_the_transaction_and_the_relay_sends_them_in_order
    change_stage("open", "a")
    change_stage("lost", "a", fail_after: true) # rolled back: no deal, no message
    change_stage("won", "a")
    change_stage("open", "b")
    assert_equal 3, KinesisJwtPipeline::Outbox::Record.pending.count

    client = FaultInjectingClient.new(@kinesis)
    calls = 0
    client.fail_entries(calls: 1) { |r| (calls += 1) == 1 ? "InternalFailure" : nil } # first row of "a" fails once
    relay = KinesisJwtPipeline::Outbox::Relay.new(client: client, stream_name: @stream)
    first = relay.run_once
    assert_equal 1, first.sent, "b went out; a's failed row held a's later row back"
    assert_equal 1, first.failed
    failed_row = KinesisJwtPipeline::Outbox::Record.pending.first
    assert_equal 1, failed_row.attempts
    assert_match(/InternalFailure/, failed_row.last_error)

    second = relay.run_once
    assert_equal 2, second.sent
    assert_equal 0, KinesisJwtPipeline::Outbox::Record.pending.count
    got = @kinesis.read_all(@stream).map { |r| [r[:partition_key], verifier.verify(r[:data]).last["data"]["stage"]] }
    assert_equal [%w[a open], %w[a won]], got.select { |k, _| k == "a" }
    assert_equal [%w[b open]], got.select { |k, _| k == "b" }
    assert_equal 0, relay.run_once.calls, "nothing left to send"
    assert_equal 3, KinesisJwtPipeline::Outbox.purge_sent(older_than: Time.now.utc + 1)
  end
end
