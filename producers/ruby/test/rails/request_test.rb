# frozen_string_literal: true

require_relative "rails_app"
require "test_helper"
require "rack/test"

# A request through the Rails stack (rack-test) whose action publishes: the response does not wait for
# Kinesis, and the record reaches the emulator signed for the request's account.
class RailsRequestTest < Minitest::Test
  include Rack::Test::Methods

  def app
    Rails.application
  end

  def setup
    RailsApp.restore!
  end

  def test_the_action_answers_while_kinesis_is_held_and_the_record_arrives_for_the_requests_account
    published = []
    sub = ActiveSupport::Notifications.subscribe("published.kinesis_jwt_pipeline") { |*, payload| published << payload }
    jti = nil
    KinesisGate.hold do
      # Kinesis cannot answer while the gate is held: a response now proves the action did not wait for it
      post "/deals/deal_0000017A/stage", { from_stage: "proposal", to_stage: "closed_won", amount_minor: 125_000, currency: "EUR" },
           { "HTTP_X_ACCOUNT_ID" => "acc_0000042A" }
      assert_equal 202, last_response.status, last_response.body
      jti = JSON.parse(last_response.body).fetch("jti")
      refute RailsApp.records.key?(jti), "nothing reached Kinesis while it was held"
    end
    assert KinesisJwtPipeline.flush(10), "delivered once Kinesis answers"
    copies = RailsApp.records.fetch(jti)
    assert_equal 1, copies.size, "exactly once"
    record = copies.first
    assert_equal "acc_0000042A", record[:partition_key]
    assert_equal "acc_0000042A", record[:claims]["sub"]
    assert_equal({ "dealId" => "deal_0000017A", "accountId" => "acc_0000042A", "fromStage" => "proposal",
                   "toStage" => "closed_won", "amountMinor" => 125_000, "currency" => "EUR" },
                 record[:claims]["data"].except("changedAt"))
    assert_equal [jti], published.map { |p| p[:jti] }, "ActiveSupport::Notifications saw the publish"
  ensure
    ActiveSupport::Notifications.unsubscribe(sub) if sub
  end

  def test_a_request_without_an_account_publishes_nothing
    before = RailsApp.records.size
    post "/deals/deal_0000001A/stage", { to_stage: "lead", amount_minor: 1, currency: "EUR" }
    assert_equal 401, last_response.status
    assert KinesisJwtPipeline.flush(5)
    assert_equal before, RailsApp.records.size
  end

  def test_problem_events_reach_the_rails_log_without_the_records
    KinesisJwtPipeline.events.instrument("dropped", count: 1, reason: :queue_full, jtis: ["jti-dropped-1"],
                                                    records: [{ partition_key: "acct-1", data: "header.SECRET-PAYLOAD.sig" }])
    log = RailsApp.log
    assert_includes log, "[kinesis_jwt_pipeline] dropped count=1 reason=queue_full jtis=jti-dropped-1"
    refute_includes log, "SECRET-PAYLOAD"
  end
end
