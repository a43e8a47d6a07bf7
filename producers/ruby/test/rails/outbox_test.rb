# frozen_string_literal: true

require_relative "rails_app"
require "test_helper"
require "redis_server"

# The transactional outbox inside the Rails app: the table comes from the generator's migration (run on
# sqlite by rails_app.rb); rows commit or roll back with the model change; RelayJob sends them through
# ActiveJob (inline, async, and Sidekiq in its own process against a local redis-server); relays running at
# once never send a row twice.
class RailsOutboxTest < Minitest::Test
  Record = KinesisJwtPipeline::Outbox::Record
  RelayJob = KinesisJwtPipeline::Outbox::RelayJob

  def setup
    RailsApp.restore!
    Record.delete_all
    Deal.delete_all
  end

  def teardown
    RelayJob.queue_adapter = :inline
    super
  end

  def deal(account = "acct-#{SecureRandom.hex(3)}")
    Deal.create!(account_id: account, stage: "open")
  end

  def assert_in_stream_once(jtis)
    records = RailsApp.records
    jtis.each do |jti|
      assert_equal 1, records.fetch(jti, []).size, "#{jti} in the stream exactly once"
    end
    records
  end

  def test_the_generators_migration_made_the_table
    migration = Dir[File.join(RailsApp::DIR, "db/migrate/*_create_kinesis_jwt_pipeline_outbox_messages.rb")]
    assert_equal 1, migration.size
    columns = Record.columns.map(&:name)
    assert_empty %w[jti message_type partition_key token attempts last_error sent_at claimed_by claimed_until] - columns
  end

  def test_a_committed_change_is_relayed_by_the_inline_job_and_a_rolled_back_one_never
    d = deal
    committed = d.move_to!("won")
    assert_raises(ActiveRecord::RecordInvalid) { d.move_to!("bogus") }
    assert_equal "won", d.reload.stage
    assert_equal [committed.jti], Record.pluck(:jti), "the rolled-back message left no row"

    RelayJob.perform_later
    assert Record.find(committed.id).sent_at, "sent by the job"
    records = assert_in_stream_once([committed.jti])
    claims = records[committed.jti].first[:claims]
    assert_equal [d.account_id, { "dealId" => d.id.to_s, "stage" => "won" }], [claims["sub"], claims["data"]]
    assert_equal 1, records.values.flatten.count { |r| r[:claims]["data"]["dealId"] == d.id.to_s }
  end

  def test_the_async_adapter_relays_too
    row = deal.move_to!("lost")
    RelayJob.queue_adapter = :async
    RelayJob.perform_later
    wait_until(timeout: 10) { Record.find(row.id).sent_at }
    assert_in_stream_once([row.jti])
  end

  def test_sidekiq_runs_the_relay_job_in_its_own_process
    rows = [deal.move_to!("won"), deal.move_to!("lost")]
    ENV["REDIS_URL"] = RedisServer.url
    require "sidekiq"
    Redis.sadd_returns_boolean = false # Sidekiq 6.4 on redis-rb 4.8: silences a deprecation meant for callers of sadd
    RelayJob.queue_adapter = :sidekiq
    RelayJob.perform_later
    out = File.join(RailsApp::DIR, "sidekiq.log")
    pid = Process.spawn({ "REDIS_URL" => RedisServer.url }, "sidekiq", "-r", RailsApp::ROOT, "-e", "test",
                        "-c", "1", "-t", "1", "-q", "default", out: out, err: %i[child out])
    begin
      wait_until(timeout: 20) { rows.all? { |r| Record.find(r.id).sent_at } }
    ensure
      Process.kill("TERM", pid)
      _, status = Process.wait2(pid)
    end
    assert status.success?, "sidekiq stopped cleanly on TERM: #{File.read(out)}"
    assert_in_stream_once(rows.map(&:jti))
  end

  # Relay A claims its rows, then stalls inside PutRecords; relay B runs meanwhile. B may send only rows A
  # did not claim, and never rows of a key A holds (that would overtake A's); C, after B, finds nothing.
  def test_relays_running_at_once_never_send_a_row_twice
    held_keys = %w[acct-a acct-b]
    rows = 6.times.map { |i| deal(held_keys[i % 2]).move_to!("won") } + # the first six rows: A's scan
           4.times.map { |i| deal(%w[acct-c acct-d][i % 2]).move_to!("won") }
    late_a = deal("acct-a").move_to!("lost") # beyond A's scan, but its key is A's: B must leave it
    stalled = StallingClient.new(KinesisMock.client)
    a = Thread.new do
      ActiveRecord::Base.connection_pool.with_connection do
        KinesisJwtPipeline::Outbox::Relay.new(client: stalled, stream_name: RailsApp.stream, scan_limit: 6).run_once
      end
    end
    stalled.wait_until_stalled
    b = KinesisJwtPipeline::Outbox::Relay.new(client: KinesisMock.client, stream_name: RailsApp.stream).run_once
    c = KinesisJwtPipeline::Outbox::Relay.new(client: KinesisMock.client, stream_name: RailsApp.stream).run_once
    stalled.release
    a_result = a.value

    assert_equal 4, b.sent, "B sent the keys A did not hold"
    assert_equal 0, c.sent, "C found every pending row claimed"
    assert_equal 6, a_result.sent
    assert_nil Record.find(late_a.id).sent_at, "the later row of A's key waited for a later run"
    assert_equal 1, KinesisJwtPipeline::Outbox::Relay.new(client: KinesisMock.client, stream_name: RailsApp.stream).run_once.sent
    records = assert_in_stream_once(rows.map(&:jti) + [late_a.jti])
    a_stages = records.values.flatten.select { |r| r[:partition_key] == "acct-a" }.sort_by { |r| r[:sequence_number] }
    assert_equal "lost", a_stages.last[:claims]["data"]["stage"], "order kept for a key across relays"
  end

  def test_a_failed_row_holds_its_keys_later_rows_until_the_next_run
    first_a = deal("acct-a").move_to!("open")
    second_a = deal("acct-a").move_to!("won")
    only_b = deal("acct-b").move_to!("open")
    client = FaultInjectingClient.new(KinesisMock.client)
    client.fail_entries(calls: 1) { |r| r[:partition_key] == "acct-a" ? "InternalFailure" : nil }
    relay = KinesisJwtPipeline::Outbox::Relay.new(client: client, stream_name: RailsApp.stream)

    first = relay.run_once
    assert_equal [1, 1], [first.sent, first.failed], "b went out; a's failed row held a's later row back"
    failed = Record.find(first_a.id)
    assert_equal 1, failed.attempts
    assert_match(/InternalFailure/, failed.last_error)
    assert_nil failed.claimed_by, "released for the next run"

    assert_equal 2, relay.run_once.sent
    records = assert_in_stream_once([first_a, second_a, only_b].map(&:jti))
    seq = ->(row) { records[row.jti].first[:sequence_number] }
    assert_operator seq.(first_a), :<, seq.(second_a)
    assert_equal 0, relay.run_once.calls, "nothing left to send"
    assert_equal 3, KinesisJwtPipeline::Outbox.purge_sent(older_than: Time.now.utc + 1)
  end

  # Passes PutRecords through, except that the first call waits until the test releases it.
  class StallingClient
    def initialize(inner)
      @inner = inner
      @lock = Mutex.new
      @changed = ConditionVariable.new
      @state = :idle
    end

    def put_records(**request)
      @lock.synchronize do
        if @state == :idle
          @state = :stalled
          @changed.broadcast
          wait_for { @state == :released }
        end
      end
      @inner.put_records(**request)
    end

    def wait_until_stalled
      @lock.synchronize { wait_for { @state == :stalled } }
    end

    def release
      @lock.synchronize do
        @state = :released
        @changed.broadcast
      end
    end

    private

    def wait_for(timeout = 10)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
      until yield
        left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
        raise "StallingClient: not reached within #{timeout}s" if left <= 0

        @changed.wait(@lock, left)
      end
    end
  end
end
