# frozen_string_literal: true

require_relative "rails_app"
require "test_helper"
require "rack/test"

# A forking server (Puma workers, Passenger, Sidekiq swarm): the parent published before forking and still
# holds those records (Kinesis is slow); each child serves requests that publish, then exits. Every message
# arrives exactly once: children neither resend the parent's buffer nor lose their own, and the parent's
# buffer survives the forks.
class RailsForkTest < Minitest::Test
  CHILDREN = 2
  PER_PROCESS = 3

  def setup
    RailsApp.restore!
  end

  def publish_through_a_request(session, account, n)
    session.post("/deals/deal_0000000#{n}/stage", { to_stage: "lead", amount_minor: 100 * n, currency: "EUR" },
                 { "HTTP_X_ACCOUNT_ID" => account })
    raise "status #{session.last_response.status}" unless session.last_response.status == 202

    JSON.parse(session.last_response.body).fetch("jti")
  end

  def test_parent_and_forked_children_each_deliver_exactly_their_own_messages
    session = Rack::Test::Session.new(Rails.application)
    parent_jtis = []
    children = {}
    KinesisGate.hold do
      parent_jtis = PER_PROCESS.times.map { |n| publish_through_a_request(session, "acc_parent0", n) }
      wait_until { KinesisJwtPipeline.depth[:in_worker].positive? } # the parent's worker is inside PutRecords, held

      CHILDREN.times do |i|
        reader, writer = IO.pipe
        pid = fork do
          reader.close
          child = Rack::Test::Session.new(Rails.application)
          jtis = PER_PROCESS.times.map { |n| publish_through_a_request(child, "acc_child000#{i}", n) }
          writer.puts(JSON.generate(jtis))
          writer.close
          # a worker process ending: no flush here, the producer's at_exit close must deliver them
        end
        writer.close
        children[pid] = reader
      end
      children.each do |pid, reader|
        children[pid] = JSON.parse(reader.read)
        _, status = Process.wait2(pid)
        assert status.success?, "child #{pid} exited with #{status.exitstatus}"
      end
      refute parent_jtis.any? { |j| RailsApp.records.key?(j) }, "the parent's records waited for Kinesis"
    end
    assert KinesisJwtPipeline.flush(10), "the parent's buffer is delivered once Kinesis answers"

    records = RailsApp.records
    expected = parent_jtis + children.values.flatten
    assert_equal CHILDREN * PER_PROCESS + PER_PROCESS, expected.uniq.size
    expected.each { |jti| assert_equal 1, records.fetch(jti, []).size, "#{jti} delivered exactly once" }
    children.each_value.with_index do |jtis, i|
      assert_equal ["acc_child000#{i}"], jtis.map { |j| records[j].first[:partition_key] }.uniq
    end
  end
end
