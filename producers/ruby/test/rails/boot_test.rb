# frozen_string_literal: true

require_relative "rails_app"
require "test_helper"

# Booting the app in a fresh process, as a server does: what the Railtie does at boot, which mistakes stop
# the boot (instead of failing the first request that publishes), and the flush when the process ends.
class RailsBootTest < Minitest::Test
  def test_boot_builds_the_producer_but_the_worker_starts_on_the_first_publish_and_exit_flushes_it
    out, err, status = RailsApp.run_ruby(<<~RUBY)
      worker_threads = -> { Thread.list.count { |t| t.name == "kinesis_jwt_pipeline" } }
      producer = KinesisJwtPipeline.instance_variable_get(:@producer)
      facts = { railtie: defined?(KinesisJwtPipeline::Railtie) ? true : false, built_at_boot: !producer.nil?,
                threads_at_boot: worker_threads.call }
      facts[:jti] = KinesisJwtPipeline.publish("deal.stage_changed", { "dealId" => "boot" }, partition_key: "acct-boot", sub: "acct-boot")
      facts[:threads_after_publish] = worker_threads.call
      puts JSON.generate(facts)
      # no flush: the process ends and the gem's at_exit close must deliver the message
    RUBY
    assert status.success?, err
    facts = JSON.parse(out.lines.last)
    assert_equal({ "railtie" => true, "built_at_boot" => true, "threads_at_boot" => 0, "threads_after_publish" => 1 },
                 facts.except("jti"))
    assert_equal 1, RailsApp.records.fetch(facts["jti"], []).size, "flushed when the process ended"
  end

  def test_a_missing_aws_sdk_kinesis_stops_the_boot
    _, err, status = RailsApp.run_ruby("puts :booted", env: { "KJP_APP_KINESIS_CLIENT" => "aws" },
                                                       load_path: [File.expand_path("../support/without_aws_sdk", __dir__)])
    refute status.success?
    assert_match(/KinesisJwtPipeline::ConfigurationError/, err)
    assert_match(/aws-sdk-kinesis is not installed/, err)
  end

  def test_a_bad_signing_key_stops_the_boot_without_echoing_the_key
    bad = File.join(RailsApp::DIR, "bad-key.json")
    File.write(bad, JSON.generate(RailsApp::KEY.jwk)[0..-3]) # truncated: not JSON any more
    _, err, status = RailsApp.run_ruby("puts :booted", env: { "KJP_SIGNING_KEY_PATH" => bad })
    refute status.success?
    assert_match(/KinesisJwtPipeline::ConfigurationError/, err)
    refute_includes err, RailsApp::KEY.jwk["d"]
  end

  def test_configure_refuses_a_missing_aws_sdk_kinesis
    hidden = File.expand_path("../support/without_aws_sdk", __dir__)
    $LOAD_PATH.unshift(hidden)
    err = assert_raises(KinesisJwtPipeline::ConfigurationError) do
      KinesisJwtPipeline.configure do |c|
        c.stream_name = "s"
        c.issuer = "i"
        c.audience = "a"
        c.signing_key = RailsApp::KEY.jwk
      end
    end
    assert_match(/bundle install/, err.hint)
  ensure
    $LOAD_PATH.delete(hidden)
    KinesisJwtPipeline.reset!
  end
end
